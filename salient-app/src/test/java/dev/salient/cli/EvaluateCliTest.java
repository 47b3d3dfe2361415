package dev.salient.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.salient.cli.CliTest.model;
import static dev.salient.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code salient evaluate} on the real MobileNetV2 and two shared photos: every file it writes, and its errors. */
class EvaluateCliTest {
    /** The hand-marked boxes of two photos, copied from core's test resources. */
    private static Path boxes(Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("boxes"));
        for (String name : List.of("bird.json", "dog.json")) {
            try (InputStream in = EvaluateCliTest.class.getResourceAsStream("/boxes/" + name)) {
                assertThat(in).as("test resource boxes/" + name).isNotNull();
                Files.copy(in, folder.resolve(name));
            }
        }
        return folder;
    }

    @Test
    void writesResultsCsvPlotsMapsAndAReport(@TempDir Path dir) throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.copy(SharedData.image("bird.bmp"), photos.resolve("bird.bmp"));
        Files.copy(SharedData.image("dog.jpg"), photos.resolve("dog.jpg"));
        Path out = dir.resolve("report");
        CliTest.Run r = run("evaluate", photos.toString(), "--model", model(), "--methods", "gradient,gradcam",
                "--metrics", "deletion,insertion,pointing-game,complexity", "--boxes", boxes(dir).toString(),
                "--steps", "10", "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("deletion", "insertion", "pointing-game", "report.html");

        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(json.get("methods").findValuesAsText("method")).containsExactly("gradient", "gradcam", "random",
                "centre");
        assertThat(json.get("results")).hasSize(8); // 2 photos × (2 methods + 2 baselines)
        JsonNode first = json.get("results").get(0);
        assertThat(first.get("photo").asText()).isEqualTo("bird.bmp");
        assertThat(first.get("class").asInt()).isEqualTo(20); // chickadee
        JsonNode deletion = first.get("metrics").get("deletion");
        assertThat(deletion.get("curves").get(0).get("x")).hasSize(11);
        assertThat(deletion.get("scores").get("auc").asDouble()).isBetween(0.0, 1.0);
        assertThat(first.get("metrics").get("pointing-game").get("scores").get("hit").asDouble()).isIn(0.0, 100.0);

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertThat(csv.get(0)).isEqualTo("photo,method,class,metric,score,value");
        assertThat(csv).anyMatch(l -> l.startsWith("dog.jpg,gradcam,") && l.contains(",deletion,auc,"));

        for (String plot : List.of("deletion.png", "insertion.png")) {
            var image = ImageIO.read(out.resolve(plot).toFile());
            assertThat(image).as(plot).isNotNull();
            assertThat(image.getWidth()).isGreaterThan(300);
        }
        assertThat(out.resolve("maps/dog-gradcam.png")).exists();
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<table", "deletion.png", "maps/bird-gradient.png", "pointing-game");
    }

    @Test
    void evaluatesTheRegionMethodByName(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("xrai");
        CliTest.Run r = run("evaluate", SharedData.image("bird.bmp").toString(), "--model", model(), "--methods",
                "xrai", "--baselines", "random", "--metrics", "deletion", "--steps", "5", "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(json.get("methods").findValuesAsText("method")).containsExactly("xrai", "random");
        assertThat(json.get("results").get(0).get("metrics").get("deletion").get("scores").get("auc").asDouble())
                .isBetween(0.0, 1.0);
    }

    @Test
    void badInputGetsOneLineAndUnreadablePhotosAreSkipped(@TempDir Path dir) throws Exception {
        String bird = SharedData.image("bird.bmp").toString();
        CliTest.Run unknownMethod = run("evaluate", bird, "--model", model(), "--methods", "nonsense", "-o",
                dir.resolve("a").toString());
        assertThat(unknownMethod.exit()).isEqualTo(1);
        assertThat(unknownMethod.err().strip()).startsWith("salient: error: unknown attribution method 'nonsense'")
                .doesNotContain("\n");
        CliTest.Run unknownMetric = run("evaluate", bird, "--model", model(), "--metrics", "speed", "-o",
                dir.resolve("b").toString());
        assertThat(unknownMetric.err().strip()).startsWith("salient: error: unknown metric 'speed'");
        CliTest.Run badBoxes = run("evaluate", bird, "--model", model(), "--boxes", dir.resolve("none").toString());
        assertThat(badBoxes.err().strip()).contains("is not a folder");

        Path corrupt = Files.writeString(dir.resolve("broken.jpg"), "not a jpeg");
        Path out = dir.resolve("c");
        CliTest.Run partial = run("evaluate", bird, corrupt.toString(), "--model", model(), "--methods", "gradient",
                "--baselines", "none", "--metrics", "complexity", "-o", out.toString());
        assertThat(partial.exit()).isEqualTo(1);
        assertThat(partial.err()).contains("salient: skipped broken.jpg");
        assertThat(new ObjectMapper().readTree(out.resolve("results.json").toFile()).get("results")).hasSize(1);
    }
}
