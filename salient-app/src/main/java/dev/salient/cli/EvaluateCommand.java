package dev.salient.cli;

import dev.salient.render.DisplaySettings;

import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ProgressListener;
import dev.salient.autodiff.TargetHead;
import dev.salient.evaluation.Baselines;
import dev.salient.evaluation.Deletion;
import dev.salient.evaluation.EvaluationCase;
import dev.salient.evaluation.EvaluationReport;
import dev.salient.evaluation.GroundTruth;
import dev.salient.evaluation.Insertion;
import dev.salient.evaluation.Metric;
import dev.salient.evaluation.Metrics;
import dev.salient.evaluation.ModelRandomisation;
import dev.salient.evaluation.ObjectBoxes;
import dev.salient.evaluation.Score;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Preprocessor;
import dev.salient.model.ImageClassifier;
import dev.salient.render.ChannelAggregation;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code salient evaluate PHOTOS... -o DIR}: how faithful each method's maps are on these photos, by every metric of
 * {@link Metrics}; writes results.json, results.csv, curve plots and report.html.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure how faithful attribution maps are: deletion and insertion curves, ROAD, average drop,",
                "pointing game (with --boxes), the model-randomisation sanity check and complexity, per photo and method.",
                "Writes results.json, results.csv, one PNG plot per curve family and report.html into --out."})
public final class EvaluateCommand implements Callable<Integer> {
    /** The eight methods evaluated when --methods is not given. */
    static final List<String> DEFAULT_METHODS = List.of("gradient", "gradient-x-input", "smoothgrad",
            "integrated-gradients", "guided-backprop", "gradcam", "gradcam++", "occlusion");

    @Parameters(paramLabel = "PHOTO|DIR", arity = "1..*", description = "Photos, or folders of photos.")
    List<Path> photos;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--methods", split = ",", paramLabel = "M1,M2,...",
            description = "Attribution methods (default: gradient, gradient-x-input, smoothgrad, "
                    + "integrated-gradients, guided-backprop, gradcam, gradcam++, occlusion).")
    List<String> methods;

    @Option(names = "--baselines", split = ",", defaultValue = "random,centre", paramLabel = "random,centre",
            description = "Maps that ignore the model, scored alongside (default: ${DEFAULT-VALUE}; 'none' for none).")
    List<String> baselines;

    @Option(names = "--metrics", split = ",", paramLabel = "M1,M2,...",
            description = "Metrics (default: all): deletion, insertion, road, average-drop, pointing-game, "
                    + "sanity-check, complexity.")
    List<String> metrics;

    @Option(names = "--boxes", paramLabel = "DIR",
            description = "Folder of object boxes for the pointing game: PHOTO-STEM.json or Pascal VOC PHOTO-STEM.xml.")
    Path boxes;

    @Option(names = "--target", defaultValue = "top1", paramLabel = "top1|INDEX|LABEL",
            description = "Class explained in every photo (default: ${DEFAULT-VALUE}).")
    String target;

    /** Null when not given: {@link AttributionRequest#HEAD}'s default, written there once. */
    @Option(names = "--head", paramLabel = "logit|probability|log-probability",
            description = "What gradient methods differentiate (default: explain's, log-probability).")
    String head;

    @Option(names = "--aggregation", defaultValue = "signed-mean", paramLabel = "signed-mean|abs-max|abs-sum|l2",
            description = "How a map's colour channels become one relevance per pixel (default: ${DEFAULT-VALUE}).")
    String aggregation;

    @Option(names = "--steps", defaultValue = "50", description = "Steps of the deletion and insertion curves "
            + "(default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--sanity-steps", paramLabel = "N",
            description = "Depths of the model-randomisation check, evenly spaced down to all layers (default: 6).")
    Integer sanitySteps;

    @Option(names = {"-o", "--out"}, defaultValue = "evaluation", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    /** A method to evaluate, under the name it is reported by. */
    record NamedMethod(String name, AttributionMethod method) {}

    @Override
    public Integer call() throws Exception {
        TargetHead targetHead = head == null ? AttributionRequest.HEAD.defaultValue()
                : AttributionRequest.HEAD.parse(head, "--head");
        ChannelAggregation channels = DisplaySettings.AGGREGATION.parse(aggregation, "--aggregation");
        List<NamedMethod> chosen = chosenMethods();
        List<Metric> chosenMetrics = chosenMetrics();
        if (boxes != null && !Files.isDirectory(boxes)) {
            throw new IllegalArgumentException("--boxes " + boxes + " is not a folder");
        }
        List<Path> files = photoFiles();
        Files.createDirectories(out);
        List<String> failures = new ArrayList<>();
        List<EvaluationCase> cases = new ArrayList<>();
        Map<String, BufferedImage> decoded = new LinkedHashMap<>();
        try (ImageClassifier classifier = modelOptions.open()) {
            try (ProgressBar bar = bar("explain", (long) files.size() * chosen.size())) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    try {
                        BufferedImage photo = ImageDecoder.decode(file, ImageLimits.DEFAULT);
                        float[] input = classifier.toInput(photo);
                        int cls = classifier.resolveTarget(target, () -> classifier.classifyInput(input, 1));
                        AttributionRequest request = AttributionRequest.of(classifier, input, cls, targetHead);
                        GroundTruth truth = truth(file, photo, classifier);
                        List<EvaluationCase> own = new ArrayList<>();
                        for (NamedMethod m : chosen) {
                            own.add(EvaluationCase.explain(name, m.method(), request, channels, truth, ProgressListener.NONE));
                            bar.step();
                        }
                        cases.addAll(own);
                        decoded.put(name, photo);
                    } catch (dev.salient.image.ImageDecodeException e) {
                        failures.add(name + ": " + e.getMessage());
                        bar.stepBy(chosen.size());
                    }
                }
            }
            if (cases.isEmpty()) {
                throw new IllegalArgumentException("no photo could be read: " + String.join("; ", failures));
            }
            EvaluationReport report;
            try (ProgressBar bar = bar("evaluate", chosenMetrics.stream().mapToLong(m -> m.units(List.copyOf(cases))).sum())) {
                report = EvaluationReport.run(cases, chosenMetrics, (done, total) -> bar.stepTo(done));
            }
            EvaluationFiles.write(report, decoded, classifier, out);
            printSummary(report);
        }
        for (String f : failures) {
            System.err.println("salient: skipped " + f);
        }
        return failures.isEmpty() ? 0 : 1;
    }

    private List<NamedMethod> chosenMethods() {
        List<NamedMethod> out = new ArrayList<>();
        for (String name : methods == null || methods.isEmpty() ? DEFAULT_METHODS : methods) {
            out.add(new NamedMethod(name.strip(), AttributionMethods.create(name.strip())));
        }
        for (String name : baselines) {
            if (name.isBlank() || name.strip().equalsIgnoreCase("none")) {
                continue;
            }
            AttributionMethod b = Baselines.byName(name);
            if (b == null) {
                throw new IllegalArgumentException("unknown baseline '" + name + "'; baselines: "
                        + String.join(", ", Baselines.names()) + " or none");
            }
            out.add(new NamedMethod(b.name(), b));
        }
        return out;
    }

    private List<Metric> chosenMetrics() {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1");
        }
        List<Metric> out = new ArrayList<>();
        for (Metric m : metrics == null || metrics.isEmpty() ? Metrics.all() : Metrics.byNames(metrics)) {
            out.add(switch (m.name()) {
                case "deletion" -> new Deletion(Deletion.DEFAULTS.withSteps(steps));
                case "insertion" -> new Insertion(Insertion.DEFAULTS.withSteps(steps));
                case "sanity-check" -> sanitySteps == null ? m : new ModelRandomisation(
                        new ModelRandomisation.Params(sanitySteps, ModelRandomisation.DEFAULTS.seed()));
                default -> m;
            });
        }
        return out;
    }

    private List<Path> photoFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path p : photos) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> list = Files.list(p)) {
                    list.filter(f -> ExplainCommand.PHOTO_EXTENSIONS.contains(ExplainCommand.extension(f))).sorted()
                            .forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new IllegalArgumentException("no such photo or folder: " + p);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no photos (PNG, JPEG, BMP, GIF, WebP) in " + photos);
        }
        return files;
    }

    private GroundTruth truth(Path file, BufferedImage photo, ImageClassifier classifier) {
        if (boxes == null) {
            return null;
        }
        Path boxFile = ObjectBoxes.fileFor(boxes, file.getFileName().toString());
        if (boxFile == null) {
            return null;
        }
        return new GroundTruth(ObjectBoxes.read(boxFile).on(photo.getWidth(), photo.getHeight()),
                Preprocessor.sourceRegion(photo.getWidth(), photo.getHeight(), classifier.preprocessing()));
    }

    private static ProgressBar bar(String task, long total) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(Math.max(1, total))
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    /** Each metric's ranking by its headline score, and the sanity-check verdicts. */
    private void printSummary(EvaluationReport report) {
        for (Metric m : report.metrics()) {
            Score s = m.headline();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-14s %-13s", m.name(),
                    s.name() + (s.higherIsBetter() ? " (higher)" : " (lower)")));
            for (String method : report.ranking(m)) {
                double v = report.mean(method, m.name(), s.name());
                if (!Double.isNaN(v)) {
                    line.append(String.format(Locale.ROOT, "  %s %.3f", method, v));
                }
            }
            System.out.println(line);
        }
        for (String method : report.methods()) {
            if (report.failsSanityCheck(method)) {
                System.out.println("warning: " + method + " fails the model-randomisation sanity check: its maps stay "
                        + "similar when the model's weights are random, so they do not explain this model");
            }
        }
        System.out.println("report: " + out.resolve("report.html"));
    }
}
