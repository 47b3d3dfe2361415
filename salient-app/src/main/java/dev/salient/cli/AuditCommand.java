package dev.salient.cli;

import dev.salient.audit.AuditOptions;
import dev.salient.audit.AuditSettings;
import dev.salient.audit.LocalAudit;
import dev.salient.audit.ModelBundle;
import dev.salient.catalog.ResolvedModel;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import dev.salient.spark.SparkAudit;
import dev.salient.spark.SparkRunner;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code salient audit INPUT -o OUT}: explains every image of a dataset into one Parquet table and a report, on this
 * machine (one model, every core, a progress bar with rate and ETA; an interrupted run resumes) or on Spark with
 * {@code --spark MASTER}.
 */
@Command(name = "audit", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Audit a dataset: where does the model look, image after image?",
                "Writes OUT/rows/ (Parquet, one row per image), OUT/report.html (per class, the images explained "
                        + "most outside the centre; SpRAy clusters of the maps), and OUT/maps/ with --maps."})
public final class AuditCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    AuditOptions audit;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Run on Spark, e.g. local[2] or spark://host:7077 (the ./salient launcher adds Spark and "
                    + "the JVM options it needs).")
    String spark;

    @Override
    public Integer call() throws Exception {
        AuditSettings settings = audit.settings();
        ResolvedModel resolved = modelOptions.resolve();
        ModelConfig overrides = modelOptions.overrides();
        if (spark != null) {
            SparkAudit.Job job;
            try (ImageClassifier classifier = ImageClassifier.load(resolved, overrides, modelOptions.engineOptions())) {
                settings.check(classifier);
                job = new SparkAudit.Job(audit.input(), audit.out(), ModelBundle.of(resolved, overrides, classifier),
                        settings, classifier.preprocessing());
            } // executors open their own copy from the bundle; the driver needs none while the job runs
            System.out.println(SparkRunner.run(spark, job).summary());
            return 0;
        }
        try (ImageClassifier classifier = ImageClassifier.load(resolved, overrides, modelOptions.engineOptions());
             Bar bar = new Bar()) {
            settings.check(classifier);
            LocalAudit.Result r = LocalAudit.run(classifier, ModelBundle.of(resolved, overrides, classifier)
                    .fingerprint(), audit.input(), settings, Path.of(audit.out()),
                    Runtime.getRuntime().availableProcessors(), bar);
            System.out.printf(Locale.ROOT, "%d images audited (%d errors%s) at %.1f images/s; table %s, report %s%n",
                    r.images(), r.errors(), r.resumed() > 0 ? ", " + r.resumed() + " done by an interrupted run" : "",
                    r.imagesPerSecond(), r.table(), r.report());
        }
        return 0;
    }

    /** The progress bar on stderr: images done, rate, elapsed and remaining time. */
    private static final class Bar implements LocalAudit.Progress, AutoCloseable {
        private ProgressBar bar;

        @Override
        public void started(int total, int alreadyDone) {
            bar = new ProgressBarBuilder().setTaskName("audit").setInitialMax(total).setUnit(" img", 1)
                    .showSpeed().setSpeedUnit(ChronoUnit.SECONDS).startsFrom(alreadyDone, Duration.ZERO)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }

        @Override
        public void advanced(int images) {
            bar.stepBy(images);
            if (bar.getCurrent() >= bar.getMax()) {
                close(); // the report comes next: the rate shown stays that of the images
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
