package dev.salient.cli;

import dev.salient.audit.AuditOutput;
import dev.salient.audit.AuditRow;
import dev.salient.audit.AuditRuns;
import dev.salient.audit.SameRows;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar under spark-submit, as a cluster runs it: Spark's own class path (and nothing of Salient's
 * dependencies on it), Salient's jar added by Spark's launcher, local[2] executors loading ONNX Runtime from it.
 */
class SparkSubmitIT {
    /** spark-submit's JVM: what bin/spark-submit runs, with the options Spark's launcher adds. */
    static Process sparkSubmit(Path log, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("spark.jvm.options").split("\\s+")));
        command.addAll(List.of("-cp", Files.readString(Path.of(System.getProperty("spark.classpath.file"))).strip(),
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                "--class", "dev.salient.spark.SparkAuditMain", System.getProperty("salient.jar")));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static Path dataset(Path dir, int copies) throws IOException {
        Path data = Files.createDirectories(dir.resolve("images"));
        try (Stream<Path> photos = Files.list(SharedData.path("images"))) {
            for (Path photo : photos.sorted().toList()) {
                for (int c = 0; c < copies; c++) {
                    Files.copy(photo, Files.createDirectories(data.resolve("copy" + c)).resolve(photo.getFileName()));
                }
            }
        }
        Files.write(data.resolve("empty.jpg"), new byte[0]);
        Files.write(data.resolve("corrupt.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3});
        return data;
    }

    @Test
    void thePackagedJarAuditsUnderSparkSubmitWithTheRowsOfTheLocalMode(@TempDir Path dir) throws Exception {
        Path data = dataset(dir, 1);
        String model = SharedData.mobileNetV2().toString();
        Path log = dir.resolve("spark.log");
        Process spark = sparkSubmit(log, data.toString(), "--model", model, "--metrics", "deletion", "-o",
                dir.resolve("spark").toString());
        assertThat(spark.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(spark.exitValue()).as(Files.readString(log)).isZero();
        assertThat(Files.readString(log)).contains("15 images audited on Spark (2 errors)");

        PackagedJarIT.Result local = PackagedJarIT.salient(dir, "audit", data.toString(), "--model", model,
                "--metrics", "deletion", "-o", dir.resolve("local").toString());
        assertThat(local.exit()).as(local.err()).isZero();

        List<AuditRow> sparkRows = AuditRuns.rows(dir.resolve("spark").resolve(AuditOutput.ROWS));
        List<AuditRow> localRows = AuditRuns.rows(dir.resolve("local").resolve(AuditOutput.ROWS));
        assertThat(sparkRows).hasSize(15).hasSameSizeAs(localRows);
        for (int i = 0; i < localRows.size(); i++) {
            SameRows.assertSameRow(sparkRows.get(i), localRows.get(i));
        }
        assertThat(dir.resolve("spark").resolve(AuditOutput.REPORT)).isRegularFile();
        assertThat(dir.resolve("spark").resolve(AuditOutput.WORK)).doesNotExist();
    }

    @Test
    void aSparkJobKilledHalfWayLeavesNoTableAndARerunWritesTheWholeOne(@TempDir Path dir) throws Exception {
        Path data = dataset(dir, 4);
        Path out = dir.resolve("audit");
        String[] args = {data.toString(), "--model", SharedData.mobileNetV2().toString(), "--maps", "-o",
                out.toString()};
        Process first = sparkSubmit(dir.resolve("first.log"), args);
        Path maps = out.resolve(AuditOutput.WORK).resolve(AuditOutput.MAPS);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (pictures(maps) < 8) {
            assertThat(first.isAlive()).as(Files.readString(dir.resolve("first.log"))).isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(100);
        }
        first.destroyForcibly().waitFor();
        assertThat(out.resolve(AuditOutput.ROWS)).as("no partial table").doesNotExist();

        Process second = sparkSubmit(dir.resolve("second.log"), args);
        assertThat(second.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(second.exitValue()).as(Files.readString(dir.resolve("second.log"))).isZero();
        List<AuditRow> rows = AuditRuns.rows(out.resolve(AuditOutput.ROWS));
        assertThat(rows).extracting(AuditRow::path).doesNotHaveDuplicates().hasSize(13 * 4 + 2);
        assertThat(rows.stream().filter(r -> r.error() == null)).hasSize(13 * 4);
        assertThat(pictures(out.resolve(AuditOutput.MAPS))).isEqualTo(13 * 4);
        assertThat(out.resolve(AuditOutput.WORK)).as("nothing of the killed run left").doesNotExist();
    }

    private static long pictures(Path maps) throws IOException {
        if (!Files.isDirectory(maps)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(maps)) {
            return files.filter(f -> f.toString().endsWith(".png")).count();
        }
    }
}
