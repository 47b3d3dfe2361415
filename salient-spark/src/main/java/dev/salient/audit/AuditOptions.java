package dev.salient.audit;

import dev.salient.autodiff.TargetHead;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of an audit, shared by {@code salient audit} and the spark-submit main class
 * ({@link dev.salient.spark.SparkAuditMain}), so both take the same words with the same defaults.
 */
public final class AuditOptions {
    /** The metrics {@code --metrics} accepts. */
    static final List<String> METRICS = List.of("deletion");

    @Parameters(index = "0", paramLabel = "INPUT", description = "A folder (every photo in it, at any depth), or a "
            + "folder and a file-name glob such as 'photos/*.jpg'. In Spark mode any Hadoop file system URI.")
    String input;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "OUT",
            description = "Output folder: rows/ (Parquet), report.html, maps/ with --maps.")
    String out;

    @Option(names = "--method", defaultValue = "gradcam", description = "Attribution method (default: "
            + "${DEFAULT-VALUE}); see 'salient methods'.")
    String method;

    @Option(names = {"-P", "--param"}, paramLabel = "KEY=VALUE", description = "Method parameter, e.g. -P layer=NAME.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = {"--class", "--target"}, defaultValue = "top1", paramLabel = "top1|INDEX|LABEL",
            description = "Class to explain in every image (default: ${DEFAULT-VALUE}, each image's best class).")
    String target;

    @Option(names = "--head", defaultValue = "log-probability", paramLabel = "logit|probability|log-probability",
            description = "What is differentiated (default: ${DEFAULT-VALUE}).")
    String head;

    @Option(names = "--top", defaultValue = "5",
            description = "Best classes listed per image (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--metrics", split = ",", paramLabel = "deletion",
            description = "Extra measures: deletion (area under the deletion curve, " + DeletionCurve.STEPS
                    + " more forward passes per image).")
    List<String> metrics = List.of();

    @Option(names = "--maps", description = "Also write each map as a full-resolution PNG under OUT/maps/.")
    boolean maps;

    public AuditInput input() {
        return AuditInput.parse(input);
    }

    public String out() {
        return out;
    }

    /** The settings, checked: unknown methods, parameters, heads or metrics fail with what is accepted. */
    public AuditSettings settings() {
        for (String m : metrics) {
            if (!METRICS.contains(m.strip().toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("--metrics takes " + METRICS + ", got '" + m + "'");
            }
        }
        return AuditSettings.of(method, params, target, AuditSettings.head(head), top, !metrics.isEmpty(), maps);
    }
}
