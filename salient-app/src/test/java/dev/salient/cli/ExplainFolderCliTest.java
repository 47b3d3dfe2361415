package dev.salient.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.testing.SharedData;
import dev.salient.testing.TinyClassifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.salient.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** Folder mode gives every photo its own map, even photos that differ only in their extension. */
class ExplainFolderCliTest {
    @Test
    void photosDifferingOnlyInExtensionGetTheirOwnMaps(@TempDir Path dir) throws Exception {
        Path model = TinyClassifier.writeInline(Files.createDirectories(dir.resolve("model")), "tiny.onnx");
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.copy(SharedData.image("parrot.jpg"), photos.resolve("a.jpg")); // 512x929
        BufferedImage bird = ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT); // 512x343
        ImageIO.write(bird, "png", photos.resolve("a.png").toFile());
        Path out = dir.resolve("maps");

        CliTest.Run r = run("explain", photos.toString(), "--model", model.toString(), "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();

        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(summary).hasSize(2);
        assertThat(summary.get(0).get("file").asText()).isEqualTo("a.jpg");
        assertThat(summary.get(0).get("output").asText()).isEqualTo("a.jpg.png");
        assertThat(summary.get(1).get("file").asText()).isEqualTo("a.png");
        assertThat(summary.get(1).get("output").asText()).isEqualTo("a.png.png");
        // Each map is at its own photo's size: neither overwrote the other.
        assertThat(ImageIO.read(out.resolve("a.jpg.png").toFile()).getHeight()).isEqualTo(929);
        assertThat(ImageIO.read(out.resolve("a.png.png").toFile()).getHeight()).isEqualTo(343);
        try (var files = Files.list(out)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder("a.jpg.png", "a.png.png", "summary.json");
        }
    }
}
