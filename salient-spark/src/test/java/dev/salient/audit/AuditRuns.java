package dev.salient.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** One complete local audit of {@link AuditImages} with {@link AuditModel#gradcam()}, shared by the tests of a JVM. */
public final class AuditRuns {
    private static Path output;
    private static LocalAudit.Result result;

    private AuditRuns() {}

    public static synchronized Path localOutput() {
        if (output == null) {
            try {
                output = Files.createTempDirectory("salient-audit-local-");
                result = LocalAudit.run(AuditModel.classifier(), AuditModel.bundle().fingerprint(),
                        AuditInput.parse(AuditImages.dataset().toString()), AuditModel.gradcam(), output, 2,
                        LocalAudit.Progress.NONE);
                Path dir = output;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> AuditImages.deleteQuietly(dir)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return output;
    }

    public static synchronized LocalAudit.Result localResult() {
        localOutput();
        return result;
    }

    /** The rows of the shared local run, by path. */
    public static List<AuditRow> localRows() {
        return rows(localOutput().resolve(AuditOutput.ROWS));
    }

    /** Every row of a table folder (local or Spark's part files), by path. */
    public static List<AuditRow> rows(Path table) {
        List<AuditRow> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(table)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".parquet")).sorted().toList()) {
                rows.addAll(ParquetTable.read(f));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        rows.sort(Comparator.comparing(AuditRow::path));
        return rows;
    }
}
