package dev.salient.cli;

import dev.salient.testing.SharedData;
import dev.salient.testing.TinyClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.salient.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Model options and files on the command line: a sidecar's labels stay in the model's folder, labels the user names
 * with --labels may be anywhere, and sizes are read exactly.
 */
class ModelFilesCliTest {
    @Test
    void labelsFromTheCommandLineMayLiveAnywhereButNotFromTheSidecar(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("model"));
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        Path outside = Files.writeString(root.resolve("outside.txt"), "first outside\nsecond outside\nthird outside\n");
        Files.writeString(dir.resolve("tiny.json"), "{\"labels\": \"../outside.txt\"}");
        String bird = SharedData.image("bird.bmp").toString();

        CliTest.Run refused = run("classify", bird, "--model", model.toString());
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err().strip()).startsWith("salient: error: the sidecar's \"labels\" names '../outside.txt'")
                .contains("leaves the folder");
        assertThat(refused.err().strip().lines()).hasSize(1);

        CliTest.Run chosen = run("classify", bird, "--model", model.toString(), "--labels", outside.toString());
        assertThat(chosen.exit()).as(chosen.err()).isZero();
        assertThat(chosen.out()).contains("outside");
    }

    @Test
    void aSizeAboveTheIntRangeIsRefusedExactly(@TempDir Path dir) throws Exception {
        Path model = TinyClassifier.writeInline(dir, "tiny.onnx");
        CliTest.Run r = run("classify", SharedData.image("bird.bmp").toString(), "--model", model.toString(),
                "--size", "2147483648x2147483648");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err().strip()).isEqualTo("salient: error: --size width must be a whole number of pixels from 1 "
                + "to 2147483647, was 2147483648");
    }
}
