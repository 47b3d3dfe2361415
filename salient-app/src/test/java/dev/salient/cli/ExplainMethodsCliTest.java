package dev.salient.cli;

import dev.salient.engine.SharedRuntime;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.salient.cli.CliTest.model;
import static dev.salient.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** explain with other methods, comparison sheets, folders, and export-explainer, on the real MobileNetV2. */
class ExplainMethodsCliTest {
    @Test
    void gradCamDiffersFromTheGradientAndCoversThePhoto(@TempDir Path dir) throws Exception {
        Path photo = SharedData.image("bird.bmp");
        Path cam = dir.resolve("cam.png");
        Path grad = dir.resolve("grad.png");
        assertThat(run("explain", photo.toString(), "--model", model(), "--method", "gradcam", "--colormap", "turbo",
                "-o", cam.toString()).exit()).isZero();
        assertThat(run("explain", photo.toString(), "--model", model(), "-o", grad.toString()).exit()).isZero();
        BufferedImage a = ImageIO.read(cam.toFile());
        BufferedImage b = ImageIO.read(grad.toFile());
        BufferedImage original = ImageIO.read(photo.toFile());
        assertThat(a.getWidth()).isEqualTo(original.getWidth());
        assertThat(a.getHeight()).isEqualTo(original.getHeight());
        int differing = 0;
        for (int y = 0; y < a.getHeight(); y += 7) {
            for (int x = 0; x < a.getWidth(); x += 7) {
                differing += a.getRGB(x, y) != b.getRGB(x, y) ? 1 : 0;
            }
        }
        assertThat(differing).isGreaterThan(100);
    }

    @Test
    void compareWritesOneSheetWithEveryMethod(@TempDir Path dir) throws Exception {
        Path sheet = dir.resolve("sheet.png");
        CliTest.Run r = run("explain", SharedData.image("cat.bmp").toString(), "--model", model(),
                "--compare", "gradient,smoothgrad,gradcam", "-P", "samples=4", "-o", sheet.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        BufferedImage s = ImageIO.read(sheet.toFile());
        assertThat(s.getWidth()).as("photo + 3 panels side by side").isGreaterThan(3 * s.getHeight());
    }

    @Test
    void badMethodParametersAreRefusedInOneLine() {
        CliTest.Run r = run("explain", SharedData.image("cat.bmp").toString(), "--model", model(), "--method",
                "smoothgrad", "-P", "samples=-3");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err().strip()).startsWith("salient: error:").contains("samples");
        CliTest.Run unknown = run("explain", SharedData.image("cat.bmp").toString(), "--model", model(), "--method", "magic");
        assertThat(unknown.err()).contains("magic").contains("gradcam");
    }

    @Test
    void aFolderIsExplainedPastABadFileWithASummary(@TempDir Path dir) throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.copy(SharedData.image("bird.bmp"), photos.resolve("bird.bmp"));
        Files.copy(SharedData.image("parrot.jpg"), photos.resolve("parrot.jpg"));
        Files.writeString(photos.resolve("broken.png"), "not a png");
        Path out = dir.resolve("maps");
        CliTest.Run r = run("explain", photos.toString(), "--model", model(), "-o", out.toString());
        assertThat(r.exit()).as("a bad file makes the run fail at the end").isEqualTo(1);
        assertThat(out.resolve("bird.bmp.png")).exists();
        assertThat(out.resolve("parrot.jpg.png")).exists();
        assertThat(r.err()).contains("skipped broken.png");
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(summary).hasSize(3);
        JsonNode bird = summary.get(0); // files in name order: bird.bmp, broken.png, parrot.jpg
        assertThat(bird.get("file").asText()).isEqualTo("bird.bmp");
        assertThat(bird.get("top").get(0).get("label").asText()).isEqualTo("chickadee");
        assertThat(bird.get("millis").get("gradient").asDouble()).isPositive();
        assertThat(summary.get(1).get("error").asText()).contains("not a supported image");
    }

    @Test
    void exportedExplainerRunsInAFreshSession(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("explainer.onnx");
        CliTest.Run r = run("export-explainer", "--model", model(), "--method", "gradcam", "-o", file.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        OrtEnvironment env = SharedRuntime.environment();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[3 * 224 * 224]), new long[]{1, 3, 224, 224});
             OrtSession.Result out = session.run(Map.of("input", x))) {
            long[] camShape = ((OnnxTensor) out.get("attribution").orElseThrow()).getInfo().getShape();
            assertThat(camShape).containsExactly(1, 7, 7);
            assertThat(((OnnxTensor) out.get("scores").orElseThrow()).getInfo().getShape()).containsExactly(1, 1001);
        }
    }
}
