package dev.salient.model;

import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Layout;
import dev.salient.testing.RealModels;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.awt.image.BufferedImage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real MobileNetV2 from ../shared classifies the shared photos as its README says. */
class ImageClassifierTest {
    private final ImageClassifier mobilenet = RealModels.mobileNetV2();

    @ParameterizedTest
    @CsvSource({"bird.bmp, chickadee", "cat.bmp, Egyptian cat", "dragonfly.bmp, dragonfly", "parrot.jpg, macaw",
            "hot_dog.jpg, hotdog"})
    void topOneMatchesTheSharedReadme(String photo, String expected) {
        BufferedImage image = ImageDecoder.decode(SharedData.image(photo), ImageLimits.DEFAULT);
        Classification c = mobilenet.classify(image, 3);
        assertThat(c.best().label().split(",")[0]).isEqualTo(expected);
        assertThat(c.top()).hasSize(3);
        assertThat(c.best().probability()).isGreaterThan(c.top().get(1).probability());
    }

    @Test
    void describesTheModel() {
        ModelInfo info = mobilenet.info();
        assertThat(info.classes()).isEqualTo(1001);
        assertThat(info.preprocessing().layout()).isEqualTo(Layout.NCHW);
        assertThat(info.preprocessing().width()).isEqualTo(224);
        assertThat(info.softmaxCut()).isFalse();
        assertThat(mobilenet.labels().name(0)).isEqualTo("background");
    }

    @Test
    void resolvesTargetsByRankIndexAndLabel() {
        BufferedImage image = ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT);
        Classification c = mobilenet.classify(image, 3);
        assertThat(mobilenet.resolveTarget("top1", c)).isEqualTo(c.best().index());
        assertThat(mobilenet.resolveTarget("top2", c)).isEqualTo(c.top().get(1).index());
        assertThat(mobilenet.resolveTarget("top10", c)).isBetween(0, 1000);
        assertThat(mobilenet.resolveTarget("20", c)).isEqualTo(20);
        assertThat(mobilenet.resolveTarget("chickadee", c)).isEqualTo(c.best().index());
        assertThatThrownBy(() -> mobilenet.resolveTarget("1001", c)).hasMessageContaining("out of range")
                .hasMessageContaining("1001 classes");
        assertThatThrownBy(() -> mobilenet.resolveTarget("platypus-robot", c)).hasMessageContaining("unknown label");
    }

    @Test
    void importsTheCoralTfliteModelAndAgrees() {
        ImageClassifier tflite = RealModels.coralQuantised();
        assertThat(tflite.info().softmaxCut()).as("final Softmax cut: attributed on logits").isTrue();
        assertThat(tflite.preprocessing().layout()).isEqualTo(Layout.NHWC);
        BufferedImage image = ImageDecoder.decode(SharedData.image("parrot.jpg"), ImageLimits.DEFAULT);
        assertThat(tflite.classify(image, 1).best().label()).isEqualTo("macaw");
    }
}
