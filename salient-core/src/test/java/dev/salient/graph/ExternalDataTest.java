package dev.salient.graph;

import dev.salient.model.ImageClassifier;
import dev.salient.testing.TinyClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * ONNX external data is read relative to the model's folder (the tests run with the module folder as working
 * folder, never the model's) and never from outside it.
 */
class ExternalDataTest {
    private static final float[] INPUT = {0.1f, 0.9f, -0.3f, 0.4f, 0.0f, 1.0f, 0.25f, -0.5f, 0.7f, 0.2f, 0.6f, -0.8f};

    @TempDir
    Path root;

    /** root/model/ holds the model; root/secret.bin sits just outside it. */
    private Path modelFolder() throws IOException {
        Files.write(root.resolve("secret.bin"), TinyClassifier.externalData());
        return Files.createDirectories(root.resolve("model"));
    }

    private static float[] logits(Path model) {
        try (ImageClassifier classifier = ImageClassifier.load(model)) {
            return classifier.classifyInput(INPUT, TinyClassifier.CLASSES).logits();
        }
    }

    @Test
    void weightsBesideTheModelAreReadFromItsFolderWhateverTheWorkingFolder() throws IOException {
        Path dir = modelFolder();
        Files.write(dir.resolve("model.bin"), TinyClassifier.externalData());
        Files.createDirectories(dir.resolve("weights"));
        Files.write(dir.resolve("weights/bias.bin"), TinyClassifier.externalData());
        Path model = TinyClassifier.writeExternal(dir, "model.onnx", "model.bin", "weights/../weights/bias.bin");
        assertThat(Path.of("").toAbsolutePath()).isNotEqualTo(dir);

        float[] expected = TinyClassifier.logits(INPUT);
        assertThat(logits(model)).containsExactly(expected, within(1e-6f));
        // The same numbers as the model with its weights inline.
        assertThat(logits(TinyClassifier.writeInline(dir, "inline.onnx"))).containsExactly(expected, within(1e-6f));
        assertThat(OnnxModel.load(model).initializers().get("W").hasDataLocation()).isFalse();
    }

    @Test
    void aLocationThroughDotDotIsRefusedNamingInitializerAndLocation() throws IOException {
        Path dir = modelFolder();
        Files.write(dir.resolve("model.bin"), TinyClassifier.externalData());
        Path model = TinyClassifier.writeExternal(dir, "model.onnx", "../secret.bin", "model.bin");
        assertThatThrownBy(() -> OnnxModel.load(model))
                .isInstanceOfSatisfying(OutsideModelFolderException.class, e -> {
                    assertThat(e.owner()).isEqualTo("initializer 'W'");
                    assertThat(e.location()).isEqualTo("../secret.bin");
                })
                .hasMessageContaining("initializer 'W' names '../secret.bin', which leaves the folder");
        Path deep = TinyClassifier.writeExternal(dir, "deep.onnx", "model.bin", "../../../../../../../../etc/passwd");
        assertThatThrownBy(() -> ImageClassifier.load(deep))
                .isInstanceOfSatisfying(OutsideModelFolderException.class,
                        e -> assertThat(e.owner()).isEqualTo("initializer 'b'"));
    }

    @Test
    void anAbsoluteLocationIsRefusedEvenInsideTheFolder() throws IOException {
        Path dir = modelFolder();
        Path data = Files.write(dir.resolve("model.bin"), TinyClassifier.externalData());
        String absolute = data.toAbsolutePath().toString();
        Path model = TinyClassifier.writeExternal(dir, "model.onnx", absolute, "model.bin");
        assertThatThrownBy(() -> OnnxModel.load(model))
                .isInstanceOfSatisfying(OutsideModelFolderException.class,
                        e -> assertThat(e.location()).isEqualTo(absolute))
                .hasMessageContaining("initializer 'W' names '" + absolute + "', which is an absolute path");
    }

    @Test
    void aSymbolicLinkOutOfTheFolderIsRefused() throws IOException {
        Path dir = modelFolder();
        Files.createSymbolicLink(dir.resolve("model.bin"), root.resolve("secret.bin"));
        Path model = TinyClassifier.writeExternal(dir, "model.onnx", "model.bin", "model.bin");
        assertThatThrownBy(() -> OnnxModel.load(model))
                .isInstanceOfSatisfying(OutsideModelFolderException.class, e -> {
                    assertThat(e.owner()).isEqualTo("initializer 'W'");
                    assertThat(e.location()).isEqualTo("model.bin");
                })
                .hasMessageContaining("symbolic link to " + root.toRealPath().resolve("secret.bin"));
    }

    @Test
    void aModelGivenWithoutItsFolderCannotUseExternalData() {
        assertThatThrownBy(() -> new OnnxModel(TinyClassifier.externalModel("model.bin")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("initializer 'W' keeps its data in an external file ('model.bin')");
        assertThatThrownBy(() -> OnnxModel.fromBytes(TinyClassifier.externalModel("model.bin").toByteArray(), "x"))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("without its folder");
    }

    @Test
    void externalDataShorterThanTheTensorIsRefused() throws IOException {
        Path dir = modelFolder();
        Files.write(dir.resolve("model.bin"), new byte[100]);
        Path model = TinyClassifier.writeExternal(dir, "model.onnx", "model.bin", "model.bin");
        assertThatThrownBy(() -> OnnxModel.load(model)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("initializer 'W': bytes 16 to 160 of 'model.bin' are named, but the file has 100 bytes");
        Path missing = TinyClassifier.writeExternal(dir, "missing.onnx", "gone.bin", "model.bin");
        assertThatThrownBy(() -> OnnxModel.load(missing)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("initializer 'W' names 'gone.bin', but").hasMessageContaining("does not exist");
    }
}
