package dev.salient.spark;

import dev.salient.audit.AuditImages;
import dev.salient.audit.AuditInput;
import dev.salient.audit.AuditModel;
import dev.salient.audit.AuditOutput;
import dev.salient.audit.AuditRow;
import dev.salient.audit.AuditRuns;
import dev.salient.audit.ParquetTable;
import dev.salient.audit.SameRows;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The Spark mode on local[2] against the local mode, over the same generated dataset. */
class SparkAuditTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("salient-audit-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void givesTheRowsOfTheLocalModeInTheSameParquetSchema(@TempDir Path out) throws Exception {
        SparkAudit.Result result = SparkAudit.run(spark, new SparkAudit.Job(
                AuditInput.parse(AuditImages.dataset().toString()), out.toString(), AuditModel.bundle(),
                AuditModel.gradcam(), AuditModel.classifier().preprocessing()));
        List<AuditRow> sparkRows = AuditRuns.rows(out.resolve(AuditOutput.ROWS));
        List<AuditRow> localRows = AuditRuns.localRows();
        assertThat(result.images()).isEqualTo(AuditImages.files());
        assertThat(result.errors()).isEqualTo(3);
        assertThat(sparkRows).hasSameSizeAs(localRows);
        for (int i = 0; i < localRows.size(); i++) {
            SameRows.assertSameRow(sparkRows.get(i), localRows.get(i));
        }
        // the files themselves: one Parquet schema, whichever engine wrote them
        assertThat(fileSchema(out.resolve(AuditOutput.ROWS))).isEqualTo(ParquetTable.SCHEMA);
        assertThat(fileSchema(AuditRuns.localOutput().resolve(AuditOutput.ROWS))).isEqualTo(ParquetTable.SCHEMA);
        // and Spark reads both as one table type
        assertThat(spark.read().parquet(out.resolve(AuditOutput.ROWS).toString()).schema())
                .isEqualTo(spark.read().parquet(AuditRuns.localOutput().resolve(AuditOutput.ROWS).toString()).schema());
        assertThat(out.resolve(AuditOutput.REPORT)).isRegularFile();
        localRows.stream().filter(r -> r.error() == null).forEach(r ->
                assertThat(out.resolve(AuditOutput.MAPS).resolve(AuditOutput.mapPicture(r.path()))).isRegularFile());
        assertThat(out.resolve(AuditOutput.WORK)).doesNotExist();
        assertThat(ExecutorModels.opened()).as("one classifier for every partition of this JVM").isEqualTo(1);
    }

    static MessageType fileSchema(Path table) throws Exception {
        Path first;
        try (Stream<Path> files = Files.list(table)) {
            first = files.filter(f -> f.toString().endsWith(".parquet")).sorted().findFirst().orElseThrow();
        }
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(first),
                org.apache.parquet.ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
            return reader.getFooter().getFileMetaData().getSchema();
        }
    }
}
