package dev.salient.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.InvalidParameterException;
import dev.salient.attribution.MethodDescription;
import dev.salient.attribution.ParameterDescription;
import dev.salient.attribution.ProgressListener;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.SharedRuntime;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Layout;
import dev.salient.image.Preprocessing;
import dev.salient.model.ClassScore;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import dev.salient.render.AttributionRenderer;
import dev.salient.render.ComparisonSheet;
import dev.salient.render.DisplaySettings;
import dev.salient.render.NpyWriter;
import dev.salient.render.PngWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

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
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * {@code salient explain IMAGE|DIR}: an attribution map for a class. With no options it is the original demo's
 * explanation: the gradient of the class's log-probability w.r.t. the input, mean over colour channels,
 * absolute value, times the sensitivity (20), clamped to [0,1], as a grey mask at the photo's size.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Explain a classification: which pixels moved the class score.",
                "IMAGE may be a folder: every photo in it is explained into --out (a folder), each to its own "
                        + "file name plus .png (a.jpg -> a.jpg.png, so a.jpg and a.png never share one), with a "
                        + "JSON summary."},
        modelTransformer = ExplainCommand.Options.class, defaultValueProvider = ExplainCommand.MethodNames.class)
public final class ExplainCommand implements Callable<Integer> {
    static final Set<String> PHOTO_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");

    /** --head and the display flags (--sensitivity, --colormap, ...), from their descriptions in core. */
    static final class Options extends DescribedOptions {
        @Override
        List<ParameterDescription<?>> parameters() {
            List<ParameterDescription<?>> all = new ArrayList<>(List.of(AttributionRequest.HEAD));
            all.addAll(DisplaySettings.PARAMETERS);
            return all;
        }
    }

    /** --method takes any of the registry's methods, the first by default. */
    static final class MethodNames extends MethodChoices {
        @Override
        List<String> methods() {
            return AttributionMethods.names();
        }
    }

    /** A chosen method: its description, and the method built once from its -P values. */
    record Chosen(MethodDescription description, AttributionMethod method) {}

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "IMAGE|DIR", description = "Photo file, or a folder of photos.")
    Path image;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--target", defaultValue = "top1", paramLabel = "top1|INDEX|LABEL",
            description = "Class to explain: top1 (or topK), a class index, or a label (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--method", completionCandidates = MethodNames.class,
            description = "Attribution method (default: ${DEFAULT-VALUE}), one of: ${COMPLETION-CANDIDATES}.")
    String method;

    @Option(names = {"-P", "--param"}, paramLabel = "KEY=VALUE",
            description = "Method parameter, e.g. -P samples=50; each method's parameters, defaults and limits: "
                    + "'salient methods'.")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--compare", split = ",", paramLabel = "M1,M2,...",
            description = "Write one sheet with the photo and each method side by side, instead of one map.")
    List<String> compare;

    @Option(names = {"-o", "--out"}, defaultValue = "explanation.png",
            description = "Output PNG, or output folder for a folder of photos (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--raw", paramLabel = "FILE.npy",
            description = "Also write the raw float32 attribution (model input's shape in NCHW, before aggregation; "
                    + "Grad-CAM-like methods: the layer's [h, w] map).")
    Path raw;

    /** The chosen methods, built once before any photo is read. */
    private List<Chosen> chosen;
    /** The display flags, checked once. */
    private DisplaySettings display;

    @Override
    public Integer call() throws Exception {
        TargetHead targetHead = DescribedOptions.value(spec, AttributionRequest.HEAD);
        display = DisplaySettings.parse(name -> DescribedOptions.text(spec, "--" + name), "--");
        chosen = choose();
        if (Files.isDirectory(image)) {
            try (ImageClassifier classifier = modelOptions.open()) {
                return explainFolder(classifier, targetHead);
            }
        }
        // One photo: ONNX Runtime starts and the photo is decoded on the other core while the model is opened
        try (Overlap overlap = new Overlap()) {
            int threads = modelOptions.engineOptions().threads();
            overlap.prepare(() -> SharedRuntime.environment(threads));
            Future<BufferedImage> decoded = overlap.submit(() -> ImageDecoder.decode(image, ImageLimits.DEFAULT));
            try (ImageClassifier classifier = modelOptions.open()) {
                try {
                    return explainOne(classifier, Overlap.result(decoded), targetHead, overlap);
                } finally {
                    overlap.close(); // before the model is
                }
            }
        }
    }

    private int explainOne(ImageClassifier classifier, BufferedImage photo, TargetHead targetHead, Overlap overlap)
            throws IOException {
        Explained e = explain(classifier, photo, targetHead, true, overlap);
        PngWriter.write(e.picture(), out);
        System.out.printf("%s: %s of class %d (%s, p=%.3f) -> %s%n", image, String.join(", ", methods()),
                e.target().index(), e.target().label(), e.target().probability(), out);
        return 0;
    }

    /** The methods named by --method or --compare, each built from the -P parameters it takes. */
    private List<Chosen> choose() {
        List<MethodDescription> described = methods().stream().map(AttributionMethods::describe).toList();
        for (String key : params.keySet()) {
            if (described.stream().noneMatch(d -> d.parameter(key).isPresent())) {
                throw new InvalidParameterException(key, "no chosen method takes parameter '" + key
                        + "' (see 'salient methods')");
            }
        }
        return described.stream().map(d -> {
            Map<String, String> own = new LinkedHashMap<>(params); // with --compare, each method picks its own
            own.keySet().retainAll(d.parameterNames());
            return new Chosen(d, d.create(own));
        }).toList();
    }

    private List<String> methods() {
        return compare != null && !compare.isEmpty() ? compare : List.of(method);
    }

    /** One photo explained: the picture to write (a map or a comparison sheet), the class, timings. */
    record Explained(BufferedImage picture, ClassScore target, Classification classification, Map<String, Double> millis) {}

    /**
     * @param overlap a second thread to build the method's sessions on while the photo is classified, or null
     */
    private Explained explain(ImageClassifier classifier, BufferedImage photo, TargetHead targetHead,
                              boolean showProgress, Overlap overlap) throws IOException {
        Map<String, Double> millis = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        float[] input = classifier.toInput(photo);
        Future<?> warmUp = overlap == null ? null : warmUp(overlap, classifier, input, targetHead);
        Classification classification = classifier.classifyInput(input, 5);
        int cls = classifier.resolveTarget(target, classification);
        ClassScore score = classifier.classification(classification.logits(), classifier.classes()).top().stream()
                .filter(s -> s.index() == cls).findFirst().orElseThrow();
        millis.put("classify", (System.nanoTime() - t0) / 1e6);
        List<ComparisonSheet.Panel> panels = new ArrayList<>();
        BufferedImage single = null;
        for (Chosen c : chosen) {
            String m = c.description().name();
            long t1 = System.nanoTime();
            if (warmUp != null) {
                warmUp.cancel(false); // not started yet: this call makes the sessions itself
            }
            Attribution a;
            try (MethodProgress progress = new MethodProgress(m, showProgress)) {
                a = c.method().attribute(AttributionRequest.of(classifier, input, cls, targetHead), progress);
            }
            millis.put(m, (System.nanoTime() - t1) / 1e6);
            single = AttributionRenderer.render(photo, classifier.preprocessing(), a, c.description().traits(),
                    display);
            panels.add(new ComparisonSheet.Panel(c.description().title(), single));
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

    /**
     * Builds the method's first session on the other thread while this one classifies the photo
     * ({@link dev.salient.engine.DifferentiableModel#prepare}), so that the real call finds it made. Only for one method
     * that costs a fixed number of passes: a many-sample method's run dwarfs its set-up.
     */
    private Future<?> warmUp(Overlap overlap, ImageClassifier classifier, float[] input, TargetHead targetHead) {
        if (chosen.size() != 1 || chosen.get(0).description().traits().cost().repeatedPer() != null) {
            return null;
        }
        AttributionMethod method = chosen.get(0).method();
        AttributionRequest request = AttributionRequest.of(classifier, input, 0, targetHead);
        return overlap.prepare(() -> classifier.engine().prepare(() -> method.attribute(request)));
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
                    Explained e = explain(classifier, ImageDecoder.decode(photo, ImageLimits.DEFAULT), targetHead, false,
                            null);
                    Path written = folder.resolve(outputName(photo));
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

    static String extension(Path f) {
        String n = f.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /**
     * A photo's map in folder mode: its whole file name plus ".png". Keeping the extension gives every input its
     * own output (a.jpg and a.png would both be a.png otherwise), whatever else the folder holds.
     */
    static String outputName(Path photo) {
        return photo.getFileName() + ".png";
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
