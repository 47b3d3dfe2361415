package dev.salient.model;

import dev.salient.autodiff.TargetHead;
import dev.salient.attribution.AttributionRequest;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.ModelFormatException;
import dev.salient.graph.OutsideModelFolderException;
import dev.salient.testing.TinyClassifier;
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
}
