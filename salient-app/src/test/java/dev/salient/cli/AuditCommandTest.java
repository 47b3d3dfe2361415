package dev.salient.cli;

import dev.salient.audit.AuditOutput;
import dev.salient.audit.AuditRow;
import dev.salient.audit.MapStatistics;
import dev.salient.audit.ParquetTable;
import dev.salient.render.AttributionMap;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code salient audit} in-process: the table, the progress bar, agreement with {@code salient explain}, errors. */
class AuditCommandTest {
    @Test
    void auditsAFolderAndEachRowIsWhatExplainWritesForThatPhoto(@TempDir Path dir) throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        for (String name : List.of("bird.bmp", "cat.bmp", "parrot.jpg", "hot_dog.jpg")) {
            Files.copy(SharedData.image(name), photos.resolve(name));
        }
        Files.write(photos.resolve("empty.jpg"), new byte[0]);
        Path out = dir.resolve("audit");
        CliTest.Run r = CliTest.run("audit", photos.toString(), "--model", CliTest.model(), "--method", "gradcam",
                "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("5 images audited (1 errors)").contains("images/s");
        assertThat(r.err()).contains("audit").contains("img/s").contains("5/5");
        assertThat(out.resolve(AuditOutput.REPORT)).isRegularFile();
        List<AuditRow> rows = ParquetTable.read(out.resolve(AuditOutput.ROWS).resolve("part-00000.parquet"));
        assertThat(rows).extracting(AuditRow::path)
                .containsExactly("bird.bmp", "cat.bmp", "empty.jpg", "hot_dog.jpg", "parrot.jpg");
        assertThat(rows.get(2).error()).contains("empty");

        for (AuditRow row : rows.stream().filter(x -> x.error() == null).toList()) {
            Path raw = dir.resolve(row.path() + ".npy");
            CliTest.Run explain = CliTest.run("explain", photos.resolve(row.path()).toString(), "--model",
                    CliTest.model(), "--method", "gradcam", "-o", dir.resolve(row.path() + ".png").toString(),
                    "--raw", raw.toString());
            assertThat(explain.exit()).as(explain.err()).isZero();
            assertThat(explain.out()).contains("of class " + row.targetClass() + " (" + row.targetLabel());
            float[] expected = MapStatistics.grid(new AttributionMap(7, 7, npy(raw, 7 * 7)));
            for (int i = 0; i < expected.length; i++) {
                assertThat(row.map()[i]).as(row.path() + " cell " + i).isCloseTo(expected[i], within(1e-6f));
            }
        }
    }

    @Test
    void badOptionsAndAMissingSparkGiveOneLine(@TempDir Path dir) throws Exception {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.copy(SharedData.image("bird.bmp"), photos.resolve("bird.bmp"));
        String out = dir.resolve("audit").toString();
        assertOneLine(CliTest.run("audit", photos.toString(), "--model", CliTest.model(), "-o", out,
                "--method", "nope"), "unknown attribution method");
        assertOneLine(CliTest.run("audit", photos.toString(), "--model", CliTest.model(), "-o", out,
                "--class", "5000"), "out of range");
        assertOneLine(CliTest.run("audit", photos.toString(), "--model", CliTest.model(), "-o", out,
                "--metrics", "insertion"), "--metrics takes [deletion]");
        assertOneLine(CliTest.run("audit", dir.resolve("nowhere").toString(), "--model", CliTest.model(), "-o", out),
                "not a folder");
        // this test JVM has no Spark: the command says how to get it instead of failing deep inside
        assertOneLine(CliTest.run("audit", photos.toString(), "--model", CliTest.model(), "-o", out,
                "--spark", "local[2]"), "Spark is not on the class path");
        assertThat(Path.of(out)).doesNotExist();
    }

    private static void assertOneLine(CliTest.Run r, String expected) {
        assertThat(r.exit()).isNotZero();
        assertThat(r.err().strip()).startsWith("salient: error:").contains(expected);
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
    }

    /** The float32 values of a .npy file written by NpyWriter. */
    static float[] npy(Path file, int count) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(new String(bytes, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
        int header = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
        float[] values = new float[count];
        ByteBuffer.wrap(bytes, 10 + header, count * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }
}
