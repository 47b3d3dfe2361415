package dev.salient.cli;

import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar as a user runs it, with the catalog's default model taken from the offline mirror
 * ({@code SALIENT_MIRROR=../shared/mirror}): the Coral TFLite MobileNetV2, imported on the fly.
 */
class PackagedJarIT {
    record Result(int exit, String out, String err) {}

    static Result salient(Path home, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("salient.jar")));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.put("SALIENT_MIRROR", SharedData.path("mirror").toString());
        env.put("SALIENT_HOME", home.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        assertThat(done).as("salient " + String.join(" ", args) + " finished").isTrue();
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void defaultModelFromTheMirrorClassifiesAPhoto(@TempDir Path home) throws Exception {
        Result r = salient(home, "classify", SharedData.image("bird.bmp").toString(), "--top", "1", "--offline");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("chickadee");
    }

    @Test
    void modelsListsTheCatalogAndTheMirror(@TempDir Path home) throws Exception {
        Result r = salient(home, "models");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("mobilenet_v2_1.0_224_quant *").contains("mirror").contains("resnet50-v1-12")
                .contains("download on first use");
    }

    @Test
    void explainsWithTheDefaultModel(@TempDir Path home) throws Exception {
        Path out = home.resolve("cat.png");
        Result r = salient(home, "explain", SharedData.image("cat.bmp").toString(), "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Egyptian cat");
        assertThat(javax.imageio.ImageIO.read(out.toFile()).getWidth()).isEqualTo(
                javax.imageio.ImageIO.read(SharedData.image("cat.bmp").toFile()).getWidth());
    }
}
