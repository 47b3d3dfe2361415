package dev.salient.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** A local audit killed half-way (SIGKILL, no chance to clean up) and run again. */
class ResumeTest {
    @Test
    void aKilledRunLeavesNoTableAndTheNextRunCompletesItFromTheFinishedShards(@TempDir Path out) throws Exception {
        Path work = out.resolve(AuditOutput.WORK).resolve(AuditOutput.ROWS);
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LocalAuditProcess.class.getName(),
                AuditImages.dataset().toString(), out.toString()).redirectErrorStream(true)
                .redirectOutput(out.resolveSibling(out.getFileName() + ".log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (shards(work) < 1) {
            assertThat(child.isAlive()).as("the audit was killed before it finished a shard").isTrue();
            assertThat(System.nanoTime()).as("a first shard within 10 minutes").isLessThan(deadline);
            Thread.sleep(50);
        }
        child.destroyForcibly().waitFor();
        int finished = shards(work);
        int shards = (AuditImages.files() + LocalAudit.SHARD - 1) / LocalAudit.SHARD;
        assertThat(finished).as("killed half-way").isLessThan(shards);
        assertThat(out.resolve(AuditOutput.ROWS)).as("no partial table under the final name").doesNotExist();
        assertThat(out.resolve(AuditOutput.REPORT)).doesNotExist();

        LocalAudit.Result result = LocalAudit.run(AuditModel.classifier(), AuditModel.bundle().fingerprint(),
                AuditInput.parse(AuditImages.dataset().toString()), AuditModel.gradcam(), out, 2,
                LocalAudit.Progress.NONE);
        assertThat(result.resumed()).isEqualTo(finished * LocalAudit.SHARD);
        List<AuditRow> rows = AuditRuns.rows(out.resolve(AuditOutput.ROWS));
        List<AuditRow> clean = AuditRuns.localRows();
        assertThat(rows).hasSameSizeAs(clean);
        for (int i = 0; i < clean.size(); i++) {
            SameRows.assertSameRow(rows.get(i), clean.get(i));
        }
        assertThat(out.resolve(AuditOutput.WORK)).as("no work left behind").doesNotExist();
        try (Stream<Path> all = Files.walk(out)) {
            assertThat(all.filter(p -> p.toString().endsWith(".tmp"))).isEmpty();
        }
    }

    @Test
    void aChangedSettingStartsOver(@TempDir Path out) throws Exception {
        Path input = Files.createDirectories(out.resolve("in"));
        for (Path photo : AuditImages.photos().subList(0, 3)) {
            Files.copy(photo, input.resolve(photo.getFileName()));
        }
        Path target = out.resolve("audit");
        LocalAudit.run(AuditModel.classifier(), AuditModel.bundle().fingerprint(), AuditInput.parse(input.toString()),
                AuditModel.gradcam(), target, 1, LocalAudit.Progress.NONE);
        // a leftover shard of another job must not be taken for this one's
        Path stale = Files.createDirectories(target.resolve(AuditOutput.WORK).resolve(AuditOutput.ROWS));
        Files.copy(target.resolve(AuditOutput.ROWS).resolve("part-00000.parquet"), stale.resolve("part-00000.parquet"));
        AuditSettings gradient = AuditSettings.of("gradient", java.util.Map.of(), "top1",
                dev.salient.autodiff.TargetHead.LOG_PROBABILITY, 3, false, false);
        LocalAudit.Result r = LocalAudit.run(AuditModel.classifier(), AuditModel.bundle().fingerprint(),
                AuditInput.parse(input.toString()), gradient, target, 1, LocalAudit.Progress.NONE);
        assertThat(r.resumed()).isZero();
        assertThat(AuditRuns.rows(target.resolve(AuditOutput.ROWS))).allSatisfy(row -> {
            assertThat(row.method()).isEqualTo("gradient");
            assertThat(row.topClasses()).hasSize(3);
        });
        assertThat(target.resolve(AuditOutput.MAPS)).as("no maps asked for this time").doesNotExist();
    }

    private static int shards(Path work) throws Exception {
        if (!Files.isDirectory(work)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(work)) {
            return (int) files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count();
        }
    }
}
