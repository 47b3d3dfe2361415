package dev.salient.model;

import dev.salient.autodiff.TargetHead;
import dev.salient.attribution.AttributionRequest;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.ModelFormatException;
import dev.salient.graph.OutsideModelFolderException;
import dev.salient.image.Layout;
import dev.salient.image.ResizeMode;
import dev.salient.testing.TinyClassifier;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@code ImageClassifier.load(Path)} honours the sidecar beside the model, whose labels stay in the model's folder. */
class ModelSidecarTest {
    @TempDir
    Path root;

    private Path modelFolder() throws IOException {
        Files.writeString(root.resolve("outside.txt"), "x\ny\nz\n");
        return Files.createDirectories(root.resolve("model"));
    }

    @Test
    void loadByPathUsesTheSidecarsNormalisationAndLabels() throws IOException {
        Path dir = modelFolder();
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Files.writeString(dir.resolve("classes.txt"), "tench\ngoldfish\nshark\n");
        Files.writeString(dir.resolve("tiny.json"), "{\"scale\": 0.00392156862745098, \"mean\": [0.5, 0.25, 0.125],"
                + " \"std\": [0.5, 0.25, 0.25], \"labels\": \"classes.txt\"}");
        try (ImageClassifier classifier = ImageClassifier.load(model)) {
            assertThat(classifier.preprocessing().mean()).containsExactly(0.5, 0.25, 0.125);
            assertThat(classifier.preprocessing().std()).containsExactly(0.5, 0.25, 0.25);
            assertThat(classifier.labels().names()).containsExactly("tench", "goldfish", "shark");
            assertThat(classifier.info().assumptions()).noneMatch(a -> a.contains("no preprocessing given"));

            // A black photo is (0 − mean) / std in model space: −1, −1, −0.5 per channel (NCHW, 2×2 pixels each).
            float[] black = classifier.toInput(new BufferedImage(5, 5, BufferedImage.TYPE_INT_RGB));
            assertThat(black).containsExactly(new float[]{-1, -1, -1, -1, -1, -1, -1, -1, -0.5f, -0.5f, -0.5f, -0.5f},
                    within(1e-6f));
            AttributionRequest request = AttributionRequest.of(classifier, black, 0, TargetHead.LOGIT);
            assertThat(request.black(0)).isCloseTo(-1f, within(1e-6f));
            assertThat(request.black(2)).isCloseTo(-0.5f, within(1e-6f));
        }
    }

    @Test
    void sidecarLabelsOutsideTheModelsFolderAreRefused() throws IOException {
        Path dir = modelFolder();
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Files.writeString(dir.resolve("tiny.json"), "{\"labels\": \"../outside.txt\"}");
        assertThatThrownBy(() -> ImageClassifier.load(model))
                .isInstanceOfSatisfying(OutsideModelFolderException.class, e -> {
                    assertThat(e.owner()).isEqualTo("the sidecar's \"labels\"");
                    assertThat(e.location()).isEqualTo("../outside.txt");
                });
        Files.writeString(dir.resolve("tiny.json"), "{\"labels\": \"../../../../../../../../etc/passwd\"}");
        assertThatThrownBy(() -> ImageClassifier.load(model)).isInstanceOf(OutsideModelFolderException.class)
                .hasMessageContaining("which leaves the folder");
        Files.writeString(dir.resolve("tiny.json"), "{\"labels\": \"" + root.resolve("outside.txt") + "\"}");
        assertThatThrownBy(() -> ImageClassifier.load(model)).isInstanceOf(OutsideModelFolderException.class)
                .hasMessageContaining("which is an absolute path");
    }

    @Test
    void labelsLinkedFromOutsideTheFolderAreRefusedWhetherNamedOrGuessed() throws IOException {
        Path dir = modelFolder();
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Files.createSymbolicLink(dir.resolve("linked.txt"), root.resolve("outside.txt"));
        Files.writeString(dir.resolve("tiny.json"), "{\"labels\": \"linked.txt\"}");
        assertThatThrownBy(() -> ImageClassifier.load(model)).isInstanceOf(OutsideModelFolderException.class)
                .hasMessageContaining("symbolic link");
        Files.delete(dir.resolve("tiny.json"));
        Files.createSymbolicLink(dir.resolve("labels.txt"), root.resolve("outside.txt"));
        assertThatThrownBy(() -> ImageClassifier.load(model)).isInstanceOf(OutsideModelFolderException.class)
                .hasMessageContaining("labels.txt");
    }

    @Test
    void sidecarNamingAMissingLabelsFileSaysWhichFile() throws IOException {
        Path dir = modelFolder();
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Files.writeString(dir.resolve("tiny.json"), "{\"labels\": \"gone.txt\"}");
        assertThatThrownBy(() -> ImageClassifier.load(model)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("the sidecar's \"labels\" names 'gone.txt', but " + dir.toRealPath().resolve("gone.txt")
                        + " does not exist");
    }

    @Test
    void labelsTheUserChoosesMayLiveAnywhere() throws IOException {
        Path dir = modelFolder();
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Files.writeString(dir.resolve("tiny.json"), "{\"labels\": \"../outside.txt\"}");
        ResolvedModel chosen = new ResolvedModel("tiny", model, root.resolve("outside.txt"), null, "path", false);
        try (ImageClassifier classifier = ImageClassifier.load(chosen, ModelConfig.EMPTY, EngineOptions.DEFAULT)) {
            assertThat(classifier.labels().names()).containsExactly("x", "y", "z");
        }
    }

    @Test
    void aMisspeltFieldIsRefusedNamingTheKnownOnes() throws IOException {
        Path dir = modelFolder();
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Files.writeString(dir.resolve("tiny.json"), "{\"mean\": [0.5, 0.5, 0.5], \"stdev\": [0.5, 0.5, 0.5]}");
        assertThatThrownBy(() -> ImageClassifier.load(model))
                .isInstanceOfSatisfying(SidecarFormatException.class, e -> assertThat(e.field()).isEqualTo("stdev"))
                .hasMessageStartingWith("the sidecar has an unknown field \"stdev\"; its fields are [input, output,")
                .hasMessageContaining("std");
    }

    @Test
    void valuesOfTheWrongKindAreRefusedNamingTheField() {
        assertThat(sidecarError("{\"layout\": \"CHW\"}")).isEqualTo(
                "the sidecar's \"layout\" must be one of [NCHW, NHWC], was \"CHW\"");
        assertThat(sidecarError("{\"mean\": [0.5, 0.5]}")).isEqualTo(
                "the sidecar's \"mean\" must be 3 numbers (R, G, B) or one number for all three, was [0.5, 0.5]");
        assertThat(sidecarError("{\"std\": \"wide\"}")).startsWith("the sidecar's \"std\" must be 3 numbers");
        assertThat(sidecarError("{\"keepSoftmax\": \"yes\"}")).isEqualTo(
                "the sidecar's \"keepSoftmax\" must be true or false, was \"yes\"");
        assertThat(sidecarError("{\"resize\": \"squash\"}")).isEqualTo(
                "the sidecar's \"resize\": unknown resize mode 'squash' (stretch or center_crop)");
        assertThat(sidecarError("{\"labels\": [\"a\", \"b\"]}")).startsWith("the sidecar's \"labels\" must be text");
    }

    @Test
    void theSidecarsFieldsAreBoundWithTheirKinds() throws IOException {
        ModelConfig c = ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree("{\"layout\": \"nhwc\", "
                + "\"width\": 192, \"height\": 160, \"resize\": \"center-crop\", \"cropFraction\": 0.875, "
                + "\"mean\": 0.5, \"std\": [0.25, 0.5, 1], \"labels\": \"l.txt\", \"keepSoftmax\": true, "
                + "\"labelFormat\": \"plain\", \"source\": \"tflite\", \"assumed\": \"float input\"}"));
        assertThat(c.layout()).isEqualTo(Layout.NHWC);
        assertThat(c.width()).isEqualTo(192);
        assertThat(c.height()).isEqualTo(160);
        assertThat(c.resize()).isEqualTo(ResizeMode.CENTER_CROP);
        assertThat(c.cropFraction()).isEqualTo(0.875);
        assertThat(c.mean()).containsExactly(0.5, 0.5, 0.5);
        assertThat(c.std()).containsExactly(0.25, 0.5, 1);
        assertThat(c.labels()).isEqualTo("l.txt");
        assertThat(c.keepSoftmax()).isTrue();
        assertThat(ModelConfig.fromJson(new ObjectMapper().createObjectNode())).usingRecursiveComparison()
                .isEqualTo(ModelConfig.EMPTY);
    }

    @Test
    void aSidecarThatIsNotJsonIsRefusedNamingTheFile() throws IOException {
        Path dir = modelFolder();
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Files.writeString(dir.resolve("tiny.json"), "{\"labels\": \"classes.txt\",");
        assertThatThrownBy(() -> ImageClassifier.load(model)).isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith("sidecar " + dir.resolve("tiny.json") + " is not valid JSON");
        Files.writeString(dir.resolve("tiny.json"), "[1, 2]");
        assertThatThrownBy(() -> ImageClassifier.load(model)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("must hold a JSON object, found ARRAY");
    }

    private static String sidecarError(String json) {
        try {
            ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree(json));
        } catch (SidecarFormatException e) {
            return e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("accepted: " + json);
    }
}
