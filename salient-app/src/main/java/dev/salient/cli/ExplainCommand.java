package dev.salient.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ProgressListener;
import dev.salient.autodiff.TargetHead;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Layout;
import dev.salient.image.Preprocessing;
import dev.salient.model.ClassScore;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import dev.salient.render.AttributionRenderer;
import dev.salient.render.ChannelAggregation;
import dev.salient.render.ColorMap;
import dev.salient.render.ComparisonSheet;
import dev.salient.render.NpyWriter;
import dev.salient.render.Overlay;
import dev.salient.render.PngWriter;
import dev.salient.render.RenderOptions;
import dev.salient.render.Scaling;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code salient explain IMAGE|DIR}: an attribution map for a class. With no options it is the original demo's
 * explanation: the gradient of the class's log-probability w.r.t. the input, mean over colour channels,
 * absolute value, times the sensitivity (20), clamped to [0,1], as a grey mask at the photo's size.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain a classification: which pixels moved the class score.",
                "IMAGE may be a folder: every photo in it is explained into --out (a folder), with a JSON summary."})
public final class ExplainCommand implements Callable<Integer> {
    static final Set<String> PHOTO_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");

    @Parameters(paramLabel = "IMAGE|DIR", description = "Photo file, or a folder of photos.")
    Path image;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--target", defaultValue = "top1", paramLabel = "top1|INDEX|LABEL",
            description = "Class to explain: top1 (or topK), a class index, or a label (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--method", defaultValue = "gradient", description = "Attribution method (default: ${DEFAULT-VALUE}); "
            + "one of: gradient, gradient-x-input, smoothgrad, smoothgrad-squared, vargrad, integrated-gradients, "
            + "guided-backprop, deconvnet, gradcam, gradcam++, guided-gradcam, occlusion.")
    String method;

    @Option(names = {"-P", "--param"}, paramLabel = "KEY=VALUE",
            description = "Method parameter, e.g. -P samples=50 -P noise=0.15 (smoothgrad), -P steps=64 (integrated-gradients), "
                    + "-P layer=NAME (gradcam), -P window=16 (occlusion). See 'salient methods'.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--head", defaultValue = "log-probability", paramLabel = "logit|probability|log-probability",
            description = "What is differentiated (default: ${DEFAULT-VALUE}, the demo's).")
    String head;

    @Option(names = "--compare", split = ",", paramLabel = "M1,M2,...",
            description = "Write one sheet with the photo and each method side by side, instead of one map.")
    List<String> compare;

    @Option(names = {"-o", "--out"}, defaultValue = "explanation.png",
            description = "Output PNG, or output folder for a folder of photos (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--sensitivity", description = "Fixed scaling: |value|·sensitivity clamped to [0,1] (demo: 20; "
            + "the default for the gradient method).")
    Double sensitivity;

    @Option(names = "--percentile", description = "Scale by this percentile of |value| instead (default 99 for methods "
            + "other than the plain gradient).")
    Double percentile;

    @Option(names = "--blend", description = "Multiply the explanation into the photo (the demo's blend).")
    boolean blend;

    @Option(names = "--overlay", paramLabel = "mask|multiply|alpha",
            description = "How to combine with the photo (default: mask; alpha for layer maps such as Grad-CAM's).")
    String overlay;

    @Option(names = "--opacity", defaultValue = "0.5", description = "Heat-map opacity for --overlay alpha (default: ${DEFAULT-VALUE}).")
    double opacity;

    @Option(names = "--colormap", paramLabel = "grey|viridis|inferno|turbo|diverging",
            description = "Colour map (default: grey; turbo for layer maps such as Grad-CAM's).")
    String colormap;

    @Option(names = "--aggregation", paramLabel = "signed-mean|abs-max|abs-sum|l2", defaultValue = "signed-mean",
            description = "How colour channels combine (default: ${DEFAULT-VALUE}, the demo's).")
    String aggregation;

    @Option(names = "--raw", paramLabel = "FILE.npy",
            description = "Also write the raw float32 attribution (model input's shape in NCHW, before aggregation; "
                    + "Grad-CAM-like methods: the layer's [h, w] map).")
    Path raw;

    @Override
    public Integer call() throws Exception {
        TargetHead targetHead = head(head);
        for (String key : params.keySet()) {
            if (methods().stream().noneMatch(m -> AttributionMethods.defaults(m).containsKey(key))) {
                throw new IllegalArgumentException("no chosen method takes parameter '" + key + "' (see 'salient methods')");
            }
        }
        for (String m : methods()) {
            AttributionMethods.create(m, paramsFor(m)); // fail fast on bad names and values
        }
        try (ImageClassifier classifier = modelOptions.open()) {
            if (Files.isDirectory(image)) {
                return explainFolder(classifier, targetHead);
            }
            BufferedImage photo = ImageDecoder.decode(image, ImageLimits.DEFAULT);
            Explained e = explain(classifier, photo, targetHead, true);
            PngWriter.write(e.picture(), out);
            System.out.printf("%s: %s of class %d (%s, p=%.3f) -> %s%n", image, String.join(", ", methods()),
                    e.target().index(), e.target().label(), e.target().probability(), out);
        }
        return 0;
    }

    /** The -P parameters that method {@code m} takes (with --compare, each method picks its own). */
    private Map<String, String> paramsFor(String m) {
        Map<String, String> own = new LinkedHashMap<>(params);
        own.keySet().retainAll(AttributionMethods.defaults(m).keySet());
        return own;
    }

    private List<String> methods() {
        return compare != null && !compare.isEmpty() ? compare : List.of(method);
    }

    /** One photo explained: the picture to write (a map or a comparison sheet), the class, timings. */
    record Explained(BufferedImage picture, ClassScore target, Classification classification, Map<String, Double> millis) {}

    private Explained explain(ImageClassifier classifier, BufferedImage photo, TargetHead targetHead, boolean showProgress)
            throws IOException {
        Map<String, Double> millis = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        float[] input = classifier.toInput(photo);
        Classification classification = classifier.classifyInput(input, 5);
        int cls = classifier.resolveTarget(target, classification);
        ClassScore score = classifier.classification(classification.logits(), classifier.classes()).top().stream()
                .filter(s -> s.index() == cls).findFirst().orElseThrow();
        millis.put("classify", (System.nanoTime() - t0) / 1e6);
        List<ComparisonSheet.Panel> panels = new ArrayList<>();
        BufferedImage single = null;
        for (String m : methods()) {
            long t1 = System.nanoTime();
            Attribution a;
            try (MethodProgress progress = new MethodProgress(m, showProgress)) {
                a = AttributionMethods.create(m, paramsFor(m))
                        .attribute(AttributionRequest.of(classifier, input, cls, targetHead), progress);
            }
            millis.put(m, (System.nanoTime() - t1) / 1e6);
            single = AttributionRenderer.render(photo, classifier.preprocessing(), a, renderOptions(m, !a.inputShaped()));
            panels.add(new ComparisonSheet.Panel(m, single));
            if (raw != null && compare == null) {
                long[] shape = a.inputShaped() ? nchwShape(classifier.preprocessing()) : a.shape();
                float[] values = a.inputShaped() ? nchw(a.values(), classifier.preprocessing()) : a.values();
                NpyWriter.write(raw, values, shape);
            }
        }
        BufferedImage picture = compare != null && !compare.isEmpty()
                ? ComparisonSheet.compose(photo, panels, Math.min(photo.getHeight(), 320)) : single;
        return new Explained(picture, score, classification, millis);
    }

    private int explainFolder(ImageClassifier classifier, TargetHead targetHead) throws IOException {
        List<Path> photos;
        try (Stream<Path> files = Files.list(image)) {
            photos = files.filter(f -> PHOTO_EXTENSIONS.contains(extension(f))).sorted().toList();
        }
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("no photos (PNG, JPEG, BMP, GIF, WebP) in " + image);
        }
        Path folder = out.toString().endsWith(".png") ? Path.of(out.toString().replaceAll("\\.png$", "")) : out;
        Files.createDirectories(folder);
        ObjectMapper json = new ObjectMapper();
        ArrayNode summary = json.createArrayNode();
        List<String> failures = new ArrayList<>();
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("explain").setInitialMax(photos.size())
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
            for (Path photo : photos) {
                ObjectNode item = summary.addObject().put("file", photo.getFileName().toString())
                        .put("method", String.join(",", methods()));
                try {
                    Explained e = explain(classifier, ImageDecoder.decode(photo, ImageLimits.DEFAULT), targetHead, false);
                    Path written = folder.resolve(stem(photo) + ".png");
                    PngWriter.write(e.picture(), written);
                    item.put("output", written.getFileName().toString()).put("target", e.target().index())
                            .put("targetLabel", e.target().label());
                    ArrayNode top = item.putArray("top");
                    for (ClassScore s : e.classification().top()) {
                        top.addObject().put("index", s.index()).put("label", s.label()).put("probability", s.probability());
                    }
                    ObjectNode timings = item.putObject("millis");
                    e.millis().forEach(timings::put);
                } catch (RuntimeException ex) {
                    String reason = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
                    item.put("error", reason);
                    failures.add(photo.getFileName() + ": " + reason);
                }
                bar.step();
            }
        }
        Path summaryFile = folder.resolve("summary.json");
        json.writerWithDefaultPrettyPrinter().writeValue(summaryFile.toFile(), summary);
        System.out.printf("%d of %d photos explained into %s (summary: %s)%n", photos.size() - failures.size(),
                photos.size(), folder, summaryFile);
        for (String f : failures) {
            System.err.println("salient: skipped " + f);
        }
        return failures.isEmpty() ? 0 : 1;
    }

    /**
     * Render options from the flags; the plain gradient keeps the demo's fixed sensitivity by default, and colour
     * map and overlay default by {@link RenderOptions#defaultColorMap} / {@link RenderOptions#defaultOverlay}.
     */
    RenderOptions renderOptions(String forMethod, boolean coarse) {
        ColorMap colors = colormap == null ? RenderOptions.defaultColorMap(coarse)
                : parseEnum(ColorMap.class, colormap, "--colormap");
        Scaling scaling;
        boolean signed = colors.signed();
        if (sensitivity != null) {
            scaling = signed ? new Scaling.SignedSensitivity(sensitivity) : new Scaling.Sensitivity(sensitivity);
        } else if (percentile != null || !forMethod.equals("gradient")) {
            double p = percentile != null ? percentile : 99;
            scaling = signed ? new Scaling.SignedPercentile(p) : new Scaling.Percentile(p);
        } else {
            scaling = signed ? new Scaling.SignedSensitivity(20) : new Scaling.Sensitivity(20);
        }
        Overlay mode = blend ? Overlay.MULTIPLY : overlay == null ? RenderOptions.defaultOverlay(coarse)
                : parseEnum(Overlay.class, overlay, "--overlay");
        return new RenderOptions(parseEnum(ChannelAggregation.class, aggregation, "--aggregation"), scaling, colors,
                mode, opacity);
    }

    static TargetHead head(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "logit" -> TargetHead.LOGIT;
            case "probability" -> TargetHead.PROBABILITY;
            case "log-probability", "logprob" -> TargetHead.LOG_PROBABILITY;
            default -> throw new IllegalArgumentException("--head must be logit, probability or log-probability, got '"
                    + text + "'");
        };
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String text, String option) {
        try {
            return Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            List<String> allowed = Stream.of(type.getEnumConstants())
                    .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
            throw new IllegalArgumentException(option + " must be one of " + allowed + ", got '" + text + "'");
        }
    }

    static String extension(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    static String stem(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? n : n.substring(0, dot);
    }

    private static long[] nchwShape(Preprocessing p) {
        return new long[]{1, Preprocessing.CHANNELS, p.height(), p.width()};
    }

    /** The attribution in NCHW order whatever the model's layout, as the --raw option promises. */
    static float[] nchw(float[] values, Preprocessing p) {
        if (p.layout() == Layout.NCHW) {
            return values;
        }
        int h = p.height();
        int w = p.width();
        float[] out = new float[values.length];
        for (int c = 0; c < Preprocessing.CHANNELS; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[Layout.NCHW.index(c, y, x, Preprocessing.CHANNELS, h, w)] =
                            values[Layout.NHWC.index(c, y, x, Preprocessing.CHANNELS, h, w)];
                }
            }
        }
        return out;
    }

    /** A progress bar on stderr for methods that report many samples; silent for single-pass ones. */
    private static final class MethodProgress implements ProgressListener, AutoCloseable {
        private final String name;
        private final boolean show;
        private ProgressBar bar;

        MethodProgress(String name, boolean show) {
            this.name = name;
            this.show = show;
        }

        @Override
        public void progress(int done, int total) {
            if (!show || total <= 1) {
                return;
            }
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            }
            bar.stepTo(done);
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
