package dev.salient.spark;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code salient audit --spark MASTER}: the driver inside the command-line process. This class's signatures name no
 * Spark type, so the command line loads it (and checks that Spark is there) without Spark on its class path.
 */
public final class SparkRunner {
    private SparkRunner() {}

    /** Runs the audit on a Spark session for {@code master}, created for the job and stopped after it. */
    public static SparkAudit.Result run(String master, SparkAudit.Job job) throws IOException {
        checkRuntime();
        SparkSession spark = SparkSession.builder().master(master).appName("salient audit")
                .config("spark.ui.showConsoleProgress", "true").config("spark.log.level", "WARN").getOrCreate();
        try {
            return SparkAudit.run(spark, job);
        } finally {
            spark.stop();
        }
    }

    /**
     * Fails with what to do when this JVM cannot run Spark: Spark's classes missing, or the module openings that
     * Spark's own launcher adds on Java 17 (an inaccessible {@code sun.nio.ch} is the first thing Spark trips over).
     */
    static void checkRuntime() {
        try {
            Class.forName("org.apache.spark.sql.SparkSession", false, SparkRunner.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Spark is not on the class path: run 'salient audit --spark' through the"
                    + " ./salient launcher (it adds $SPARK_HOME/jars, or the Spark the build resolved), or use"
                    + " spark-submit with the main class " + SparkAuditMain.class.getName());
        }
        if (!Object.class.getModule().isOpen("sun.nio.ch", SparkRunner.class.getModule())) {
            throw new IllegalStateException("this JVM lacks the options Spark needs on Java " + Runtime.version()
                    .feature() + "; start it with: " + jvmOptions());
        }
    }

    /** The JVM options a JVM that runs Spark in-process needs (the build writes them from the pom). */
    public static String jvmOptions() {
        try (InputStream in = SparkRunner.class.getResourceAsStream("spark-jvm-options.txt")) {
            if (in == null) {
                throw new IllegalStateException("spark-jvm-options.txt is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read spark-jvm-options.txt", e);
        }
    }
}
