package dev.salient.model;

import dev.salient.graph.ModelFormatException;
import dev.salient.image.Layout;
import dev.salient.image.Preprocessing;
import dev.salient.testing.TinyClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Input sizes from the model, the sidecar or the caller are read exactly: 2^31 never wraps to −2^31. */
class InputSizeTest {
    @TempDir
    Path dir;

    @Test
    void aModelWhoseInputIsTwoToTheThirtyOneSquareIsRefusedByItsSize() throws IOException {
        Path model = TinyClassifier.writeWithInputSide(dir, "huge.onnx", 1L << 31);
        assertThatThrownBy(() -> ImageClassifier.load(model))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("input 'input' has a height of 2147483648 pixels, above the 2147483647 an image can have");
    }

    @Test
    void aModelInputThatFitsAnIntButNotATensorIsRefusedWithItsProduct() throws IOException {
        Path model = TinyClassifier.writeWithInputSide(dir, "big.onnx", 1L << 16);
        assertThatThrownBy(() -> ImageClassifier.load(model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input size 65536x65536 is too large")
                .hasMessageContaining("3x65536x65536 = 12884901888 values, above the 2147483639");
    }

    @Test
    void sidecarSizesAreReadExactly() throws IOException {
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Files.writeString(dir.resolve("tiny.json"), "{\"width\": 2147483648, \"height\": 2147483648}");
        assertThatThrownBy(() -> ImageClassifier.load(model))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"width\" must be a whole number of pixels from 1 to 2147483647, was 2147483648");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-3", "2.5", "\"224\"", "99999999999999999999"})
    void sidecarSizesThatAreNotAPixelCountAreRefused(String width) {
        assertThatThrownBy(() -> ModelConfig.fromJson((com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"height\": 7, \"width\": " + width + "}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("\"width\" must be a whole number of pixels from 1 to 2147483647, was ");
    }

    @Test
    void preprocessingRefusesATensorNoArrayCanHold() {
        assertThatThrownBy(() -> Preprocessing.unitRange(Integer.MAX_VALUE, Integer.MAX_VALUE, Layout.NCHW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("input size 2147483647x2147483647 is too large");
        Preprocessing largest = Preprocessing.unitRange(Preprocessing.MAX_TENSOR_LENGTH / 3, 1, Layout.NHWC);
        assertThat(largest.tensorLength()).isEqualTo(Preprocessing.MAX_TENSOR_LENGTH / 3 * 3);
    }
}
