package dev.salient.spark;

import dev.salient.audit.AuditOptions;
import dev.salient.audit.AuditSettings;
import dev.salient.audit.ModelBundle;
import dev.salient.catalog.DownloadListener;
import dev.salient.catalog.ModelResolver;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The spark-submit entry point: {@code spark-submit --class dev.salient.spark.SparkAuditMain salient.jar INPUT
 * --model M --method gradcam -o OUT}. The master and resources are spark-submit's; the audit options are
 * {@code salient audit}'s. {@code --model} takes what {@code salient} takes (a catalog name, a file, a URL) or a file
 * on any Hadoop file system ({@code hdfs://…/model.onnx}), fetched with its sidecar and label files beside it.
 */
@Command(name = "salient-spark-audit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Audit a dataset on Spark: one Parquet row per image, and report.html.")
public final class SparkAuditMain implements Callable<Integer> {
    /** Schemes the catalog resolver handles itself; any other is a Hadoop file system. */
    private static final Set<String> RESOLVER_SCHEMES = Set.of("http", "https", "file");
    /** Sidecar and label files are small; anything larger beside the model is not fetched. */
    private static final long SIDE_FILE_LIMIT = 16_000_000;

    @Mixin
    AuditOptions audit;

    @Option(names = {"-m", "--model"}, paramLabel = "NAME|PATH|URL",
            description = "Catalog name, model file (local or on a Hadoop file system) or URL (default: the "
                    + "catalog's default).")
    String model;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        CommandLine cli = new CommandLine(new SparkAuditMain());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            commandLine.getErr().println("salient: error: " + message.replaceAll("\\s*\\R\\s*", " "));
            return 1;
        });
        int exit = cli.execute(args);
        if (exit != 0) {
            System.exit(exit); // a non-zero exit is how spark-submit learns the application failed
        }
    }

    @Override
    public Integer call() throws Exception {
        AuditSettings settings = audit.settings();
        SparkSession spark = SparkSession.builder().appName("salient audit").getOrCreate();
        try {
            Configuration conf = spark.sparkContext().hadoopConfiguration();
            ResolvedModel resolved = ModelResolver.fromEnvironment().resolve(local(model, conf), DownloadListener.NONE);
            SparkAudit.Job job;
            try (ImageClassifier classifier = ImageClassifier.load(resolved, ModelConfig.EMPTY,
                    EngineOptions.DEFAULT)) {
                settings.check(classifier);
                job = new SparkAudit.Job(audit.input(), audit.out(), ModelBundle.of(resolved, ModelConfig.EMPTY,
                        classifier), settings, classifier.preprocessing());
            }
            SparkAudit.Result r = SparkAudit.run(spark, job);
            System.out.println(r.summary());
            return 0;
        } finally {
            spark.stop();
        }
    }

    /**
     * The model as the resolver takes it: a Hadoop file is copied into a temporary folder with the sidecar and
     * label files beside it (*.json, *.txt), so the classifier finds them as it would locally.
     */
    static String local(String spec, Configuration conf) throws IOException {
        if (spec == null) {
            return null;
        }
        URI uri;
        try {
            uri = URI.create(spec);
        } catch (IllegalArgumentException e) {
            return spec; // not a URI: a catalog name or a local path
        }
        String scheme = uri.getScheme();
        if (scheme == null || scheme.length() < 2 || RESOLVER_SCHEMES.contains(scheme.toLowerCase(Locale.ROOT))) {
            return spec;
        }
        Path file = new Path(uri);
        FileSystem fs = file.getFileSystem(conf);
        java.nio.file.Path dir = Files.createTempDirectory("salient-model-");
        dir.toFile().deleteOnExit();
        for (FileStatus sibling : fs.listStatus(file.getParent())) {
            String name = sibling.getPath().getName();
            boolean side = (name.endsWith(".json") || name.endsWith(".txt")) && sibling.getLen() <= SIDE_FILE_LIMIT;
            if (sibling.isFile() && (side || name.equals(file.getName()))) {
                java.nio.file.Path target = dir.resolve(name);
                fs.copyToLocalFile(false, sibling.getPath(), new Path(target.toUri()), true);
                target.toFile().deleteOnExit();
            }
        }
        return dir.resolve(file.getName()).toString();
    }
}
