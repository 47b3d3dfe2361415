package dev.salient.spark;

import dev.salient.audit.AuditInput;
import dev.salient.audit.AuditOutput;
import dev.salient.audit.AuditReport;
import dev.salient.audit.AuditRow;
import dev.salient.audit.AuditSettings;
import dev.salient.audit.ImageAuditor;
import dev.salient.audit.ModelBundle;
import dev.salient.image.Preprocessing;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * An audit on Spark. Files come in through Spark's {@code binaryFile} source (the {@link AuditInput}'s glob filter,
 * recursive lookup, any Hadoop file system); a file above the size limit is listed but its content never read (its
 * length filter is pushed into the scan), and becomes an error row. The model's bytes are broadcast once; each
 * executor JVM opens one classifier from them ({@link ExecutorModels}) and {@link PartitionAuditor} batches within
 * each partition. Spark writes the table (uncompressed, as local mode does) into {@code OUT/.work}; only a finished
 * job renames it, the pictures and the report to their final names, so a killed job leaves no partial table, and
 * the next run clears what it left in {@code .work}.
 */
public final class SparkAudit {
    private SparkAudit() {}

    /**
     * @param input   which files
     * @param out     output folder (any Hadoop file system)
     * @param model   the model, as bytes for the executors
     * @param settings what to compute
     */
    public record Job(AuditInput input, String out, ModelBundle model, AuditSettings settings,
                      Preprocessing preprocessing) {}

    /** @param seconds time from the first listing to the table complete (report excluded) */
    public record Result(int images, int errors, String table, String report, double seconds) {
        public double imagesPerSecond() {
            return images / Math.max(seconds, 1e-9);
        }

        /** One line for people. */
        public String summary() {
            return String.format(java.util.Locale.ROOT, "%d images audited on Spark (%d errors) in %.1f s, "
                    + "%.1f images/s; table %s, report %s", images, errors, seconds, imagesPerSecond(), table, report);
        }
    }

    /** Runs the job on {@code spark}. */
    public static Result run(SparkSession spark, Job job) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(job.out());
        FileSystem outFs = out.getFileSystem(conf);
        Path work = new Path(out, AuditOutput.WORK);
        outFs.delete(work, true); // an interrupted run's leftovers: Spark mode starts over
        outFs.mkdirs(work);
        Path root = new Path(job.input().root());
        FileSystem inFs = root.getFileSystem(conf);
        if (!inFs.getFileStatus(root).isDirectory()) {
            throw new IllegalArgumentException("not a folder: " + root);
        }
        String qualifiedRoot = inFs.makeQualified(root).toString();

        long start = System.nanoTime();
        Dataset<Row> files = spark.read().format("binaryFile")
                .option("pathGlobFilter", job.input().pattern())
                .option("recursiveFileLookup", "true")
                .option("ignoreMissingFiles", "true") // deleted after listing: an error row, not a failed job
                .load(qualifiedRoot);
        long limit = ImageAuditor.LIMITS.maxBytes();
        Dataset<Row> inputs = files.filter(col("length").leq(limit)).select("path", "length", "content")
                .union(files.filter(col("length").gt(limit))
                        .select(col("path"), col("length"), lit(null).cast(DataTypes.BinaryType).as("content")));
        Broadcast<ModelBundle> model = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(job.model());
        Path rows = new Path(work, AuditOutput.ROWS);
        Path maps = new Path(work, AuditOutput.MAPS);
        inputs.mapPartitions(new PartitionAuditor(model, job.settings(), qualifiedRoot, maps.toString(),
                        new HadoopConfiguration(conf)), Encoders.row(SparkRows.SCHEMA))
                .write().mode(SaveMode.Overwrite).option("compression", "uncompressed").parquet(rows.toString());
        model.destroy();

        List<AuditRow> all = new ArrayList<>(spark.read().parquet(rows.toString()).collectAsList().stream()
                .map(SparkRows::fromRow).toList());
        List<AuditRow> skipped = skipped(files, all, inFs, qualifiedRoot, job.settings());
        if (!skipped.isEmpty()) {
            spark.createDataFrame(skipped.stream().map(SparkRows::toRow).toList(), SparkRows.SCHEMA).coalesce(1)
                    .write().mode(SaveMode.Append).option("compression", "uncompressed").parquet(rows.toString());
            all.addAll(skipped);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (all.isEmpty()) {
            outFs.delete(work, true);
            throw new IllegalArgumentException("no files matching " + job.input().pattern() + " under " + root);
        }
        String report = AuditReport.html(all, job.settings(), job.model().name(), job.preprocessing(),
                relative -> read(inFs, new Path(qualifiedRoot + "/" + relative)));
        try (FSDataOutputStream stream = outFs.create(new Path(work, AuditOutput.REPORT), true)) {
            stream.write(report.getBytes(StandardCharsets.UTF_8));
        }
        commit(outFs, work, out);
        int errors = (int) all.stream().filter(r -> r.error() != null).count();
        return new Result(all.size(), errors, new Path(out, AuditOutput.ROWS).toString(),
                new Path(out, AuditOutput.REPORT).toString(), seconds);
    }

    /**
     * Rows for the listed files that the scan produced nothing for: Spark's file sources make no split of a
     * zero-length file, and skip one deleted after listing.
     */
    private static List<AuditRow> skipped(Dataset<Row> files, List<AuditRow> rows, FileSystem fs, String qualifiedRoot,
                                          AuditSettings settings) throws IOException {
        Set<String> seen = new HashSet<>();
        rows.forEach(r -> seen.add(r.path()));
        List<AuditRow> out = new ArrayList<>();
        for (String uri : files.inputFiles()) {
            Path file = new Path(URI.create(uri));
            String relative = AuditInput.relative(qualifiedRoot, file.toString());
            if (!seen.contains(relative)) {
                out.add(fs.exists(file) && fs.getFileStatus(file).getLen() == 0
                        ? ImageAuditor.emptyFile(relative, settings) : ImageAuditor.vanished(relative, settings));
            }
        }
        return out;
    }

    private static byte[] read(FileSystem fs, Path file) throws IOException {
        try (FSDataInputStream in = fs.open(file)) {
            return ((InputStream) in).readAllBytes();
        }
    }

    /** Replaces the previous results by this run's (directory renames), then removes the work folder. */
    private static void commit(FileSystem fs, Path work, Path out) throws IOException {
        for (String name : List.of(AuditOutput.ROWS, AuditOutput.MAPS, AuditOutput.REPORT)) {
            Path fresh = new Path(work, name);
            Path previous = new Path(out, name);
            fs.delete(previous, true);
            if (fs.exists(fresh) && !fs.rename(fresh, previous)) {
                throw new IOException("cannot move " + fresh + " to " + previous);
            }
        }
        fs.delete(work, true);
    }
}
