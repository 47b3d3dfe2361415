package dev.salient.cli;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.Batching;
import dev.salient.attribution.SpatialLayers;
import dev.salient.autodiff.BackwardContext;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.GradientSession;
import dev.salient.model.ImageClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code salient bench}: forward-only time of the plain model against forward+gradient time of the built
 * gradient graph, measured in the same run at each batch size, with their ratio and the process's peak memory.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark: gradient time / forward time at several batch sizes, and peak memory.")
public final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--batch", split = ",", defaultValue = "1,16", description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(names = "--repeat", defaultValue = "10", description = "Timed runs per measurement (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--methods", description = "Also time the attribution methods against one vanilla gradient (batch 1).")
    boolean methods;

    @Option(names = "--only", split = ",", paramLabel = "M1,M2,...",
            description = "With --methods, time only these methods (default: all).")
    java.util.Set<String> only;

    @Option(names = "--photo", description = "Photo for --methods (default: a fixed random input).")
    Path photo;

    @Option(names = "--chunk", defaultValue = "4",
            description = "Also time the largest batch as runs of a graph built for this many items (default: ${DEFAULT-VALUE}; 0: no).")
    int chunk;

    @Override
    public Integer call() throws Exception {
        try (ImageClassifier classifier = modelOptions.open()) {
            DifferentiableModel engine = classifier.engine();
            System.out.printf("model %s, input %s, %d threads available, load average %s%n", classifier.info().name(),
                    java.util.Arrays.toString(engine.inputShape(1)), Runtime.getRuntime().availableProcessors(),
                    loadAverage());
            System.out.printf("each row: min / median / max of %d timed runs, each side timed warm, the two interleaved;"
                    + " ratio: of the minimums, then the median and range of the ratio within each pair%n", repeat);
            System.out.printf("%-12s %s %s %s %12s%n", "batch", Spread.header("forward ms"),
                    Spread.header("fwd+grad ms"), Pairs.RATIO_HEADER, "peak RSS MB");
            Random random = new Random(42);
            int largest = java.util.Arrays.stream(batches).max().orElse(1);
            for (int batch : batches) {
                report(engine, random, batch, batch, RuleTable.standard(), "");
            }
            if (chunk > 0 && chunk < largest) {
                report(engine, random, largest, chunk, RuleTable.standard(), "");
            }
            // what the gradient would cost if rectifier masks were free: a floor, not a valid gradient
            RuleTable unmasked = RuleTable.standard().with("Relu", BenchCommand::passThrough)
                    .with("Clip", BenchCommand::passThrough).named("unmasked");
            report(engine, random, 1, 1, unmasked, "  floor: the same graph without rectifier masks");
            if (methods) {
                benchMethods(classifier);
            }
            System.out.printf("load average at the end %s%n", loadAverage());
        }
        return 0;
    }

    /**
     * Forward-only time of the plain model against forward+gradient time of the gradient graph for {@code batch}
     * items, the graph built for {@code graphBatch} items and run as many times as it takes.
     */
    void report(DifferentiableModel engine, Random random, int batch, int graphBatch, RuleTable rules,
                        String note) {
        float[] input = new float[batch * engine.itemSize()];
        for (int i = 0; i < input.length; i++) {
            input[i] = random.nextFloat();
        }
        int classes = engine.classes();
        float[] seeds = new float[batch * classes];
        for (int b = 0; b < batch; b++) {
            seeds[b * classes + random.nextInt(classes)] = 1f;
        }
        int itemSize = engine.itemSize();
        List<float[][]> chunks = new java.util.ArrayList<>(); // sliced once, outside the timed runs
        for (int from = 0; from < batch; from += graphBatch) {
            int to = Math.min(batch, from + graphBatch);
            chunks.add(new float[][]{java.util.Arrays.copyOfRange(input, from * itemSize, to * itemSize),
                    java.util.Arrays.copyOfRange(seeds, from * classes, to * classes)});
        }
        Pairs t;
        try (GradientSession.Lease session = engine.gradientSession(TargetHead.LOG_PROBABILITY, rules, List.of(),
                graphBatch)) {
            Runnable gradient = () -> chunks.forEach(c -> session.run(c[0], c[1], c[1].length / classes));
            t = pairs(gradient, true, () -> engine.forward(input, batch), true);
        }
        // no later row or method runs this graph: let it go with its arena (EfficientNetV2-S: the batch-16 row left
        // 6.6 GB resident, 8.6 GB after the 4x4 and floor rows, before any method ran)
        engine.retireSessionsExcept(ChunkKind.gradient(TargetHead.LOG_PROBABILITY, rules, List.of()), java.util.Set.of());
        String label = graphBatch == batch ? String.valueOf(batch) : batch + " (" + batch / graphBatch + "x" + graphBatch + ")";
        System.out.printf("%-12s %s %s %s %12.0f%s%n", label, t.b(), t.a(), t, peakRssMegabytes(), note);
    }

    private static void passThrough(BackwardContext ctx) {
        ctx.addGradient(0, ctx.dy());
    }

    /**
     * Each method's time over one vanilla gradient of one photo, measured in this run; occlusion also against
     * (number of windows × one forward pass), its lower bound.
     */
    private void benchMethods(ImageClassifier classifier) throws IOException {
        DifferentiableModel engine = classifier.engine();
        float[] input;
        if (photo != null) {
            input = classifier.toInput(dev.salient.image.ImageDecoder.decode(photo, dev.salient.image.ImageLimits.DEFAULT));
        } else {
            input = new float[engine.itemSize()];
            Random random = new Random(7);
            for (int i = 0; i < input.length; i++) {
                input[i] = random.nextFloat();
            }
        }
        int target = classifier.classifyInput(input, 1).best().index();
        AttributionRequest request = AttributionRequest.of(classifier, input, target, TargetHead.LOGIT);
        Runnable gradient = () -> AttributionMethods.create("gradient").attribute(request);
        System.out.printf("%nmethods on one photo, interleaved with one vanilla gradient (batch 1, timed warm): min / median"
                + " / max of %d pairs; ratio: the method's cost in single gradients (forwards for occlusion)%n", repeat);
        System.out.printf("%-30s %s %s %s %s%n", "method", Spread.header("ms"), Spread.header("gradient ms"),
                Pairs.RATIO_HEADER, "target");
        String[][] cases = {
                {"smoothgrad", "samples=50", "<= 25 where batching pays, never > 50"},
                {"integrated-gradients", "steps=50", "<= 25 where batching pays, never > 50"},
                {"gradcam", "", "<= 1.2"},
                {"guided-backprop", "", "~ 1"},
                {"lrp", "", "~ 1"},
                {"lrp", "composite=epsilon-gamma-box", "~ 1"},
                {"deeplift", "", "~ 2 (one batch of 2)"},
                {"gradient-shap", "samples=50", "<= 50"},
        };
        for (String[] c : cases) {
            if (!timed(c[0])) {
                continue;
            }
            Map<String, String> params = new java.util.LinkedHashMap<>();
            if (!c[1].isEmpty()) {
                String[] kv = c[1].split("=");
                params.put(kv[0], kv[1]);
            }
            boolean singlePass = c[1].isEmpty();
            Pairs t = pairs(() -> AttributionMethods.create(c[0], params).attribute(request), singlePass, gradient, true);
            System.out.printf("%-30s %s %s %s %s%n", c[0] + (c[1].isEmpty() ? "" : " " + c[1]), t.a(), t.b(), t, c[2]);
        }
        if (timed("occlusion")) {
            double[] windows = new double[1];
            Pairs t = pairs(() -> windows[0] = AttributionMethods.create("occlusion").attribute(request)
                    .diagnostic("windows"), false, () -> engine.forward(input, 1), true);
            System.out.printf("%-30s %s %s %s <= 1.1 of its %d forward passes%n", "occlusion (defaults)", t.a(), t.b(),
                    t.perItemOfA(windows[0]), (int) windows[0]);
        }
        int channels = SpatialLayers.last(engine).channels();
        forwardBatches(request, "scorecam", Map.of("top-channels", "64"), Math.min(64, channels), "channels");
        forwardBatches(request, "ablationcam", Map.of(), channels, "channels");
        forwardBatches(request, "rise", Map.of("masks", "256"), 256, "masks");
        // KernelSHAP also scores the full and the empty photo: 256 + 2 forward passes
        forwardBatches(request, "kernel-shap", Map.of("coalitions", "256"), 258, "coalitions");
        forwardBatches(request, "lime", Map.of("coalitions", "256"), 256, "coalitions");
        xraiAgainstIntegratedGradients(request);
        printChunkSizes(engine, "gradients", ChunkKind.gradient(TargetHead.LOGIT, RuleTable.standard(), List.of()), 50);
        printChunkSizes(engine, "forward passes", ChunkKind.FORWARD, 256); // as many as the RISE and LIME rows
    }

    /**
     * XRAI against its expected cost: Integrated Gradients from each of its two baselines (black, white), timed here
     * as one run of integrated-gradients with the same steps (the ratio is halved); the rest is segmentation and the
     * greedy region loop.
     */
    private void xraiAgainstIntegratedGradients(AttributionRequest request) {
        if (!timed("xrai")) {
            return;
        }
        Map<String, String> steps = Map.of("steps", "16");
        Pairs t = pairs(() -> AttributionMethods.create("xrai", steps).attribute(request), false,
                () -> AttributionMethods.create("integrated-gradients", steps).attribute(request), false);
        System.out.printf("%-30s %s %s %s <= 1.3 of 2 integrated-gradients steps=16 (the excess is segmentation and "
                + "the greedy regions)%n", "xrai steps=16", t.a(), t.b(), t.perItemOfA(2));
    }

    /**
     * A forward-pass method against its expected cost: ⌈count / batch⌉ forward calls of the chunk size it runs (measured
     * by its first run, {@link Batching#plan}), each timed here on copies of the photo.
     */
    private void forwardBatches(AttributionRequest request, String method, Map<String, String> params, int count,
                                String what) {
        if (!timed(method)) {
            return;
        }
        DifferentiableModel engine = request.model();
        Runnable attribution = () -> AttributionMethods.create(method, params).attribute(request);
        try {
            attribution.run(); // the first run measures the chunk sizes, when this model has none yet
        } catch (IllegalArgumentException e) { // NotApplicableException too: a layer this architecture lacks
            System.out.printf("%-30s not applicable to this model: %s%n", method, e.getMessage());
            return;
        }
        int batch = Batching.plan(engine, ChunkKind.FORWARD, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, count)
                .next(count);
        float[] copies = new float[batch * request.input().length];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(request.input(), 0, copies, b * request.input().length, request.input().length);
        }
        int calls = (count + batch - 1) / batch;
        Pairs t = pairs(attribution, false, () -> engine.forward(copies, batch), true);
        String label = method + (params.isEmpty() ? "" : " " + params.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
        System.out.printf("%-30s %s %s %s <= 1.3 of its %d forward calls (%d %s in chunks of %d)%n", label, t.a(), t.b(),
                t.perItemOfA(calls), calls, count, what, batch);
    }

    /** Whether --methods times {@code method}: every method, or those --only names. */
    private boolean timed(String method) {
        return only == null || only.isEmpty() || only.contains(method);
    }

    /** What the chunk-size probe measured on this model (ms per item by size) and the size it runs {@code samples} at. */
    private static void printChunkSizes(DifferentiableModel engine, String what, ChunkKind kind, int samples) {
        String measured = engine.chunkTimings(kind).map(c -> c.millisPerItem().entrySet().stream()
                .map(e -> String.format("%d: %.1f", e.getKey(), e.getValue())).collect(Collectors.joining(", "))
                + (c.stoppedEarly() ? " (larger sizes did not pay)" : "")).orElse("nothing yet");
        Batching.Plan plan = Batching.plan(engine, kind, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, samples);
        System.out.printf("chunk sizes for %s, ms per item measured by size: %s; %d samples run in chunks of %s%s%n",
                what, measured, samples, plan.measuring() ? "(still measuring)" : String.valueOf(plan.next(samples)),
                plan.lanes() > 1 ? ", " + plan.lanes() + " lanes at once" : "");
    }

    /** Minimum, median and maximum of repeated timings. */
    record Spread(double min, double median, double max) {
        static Spread of(double[] values) {
            double[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            return new Spread(sorted[0], sorted[sorted.length / 2], sorted[sorted.length - 1]);
        }

        static String header(String what) {
            return String.format("%26s", what + " min / med / max");
        }

        @Override
        public String toString() {
            return String.format("%9.1f %8.1f %8.1f", min, median, max);
        }
    }

    /**
     * Paired timings of two pieces of work: each side's spread, and their ratio two ways: of the minimums (each side
     * without interference, the steadiest figure on a loaded machine) and within each pair (drift cancels).
     */
    record Pairs(Spread a, Spread b, double ratioOfMinimums, Spread ratio) {
        static final String RATIO_HEADER = String.format("%8s %23s", "ratio", "pair ratio med (range)");

        /** The ratios per item of {@code a}'s work (occlusion: per window, i.e. in forward passes). */
        Pairs perItemOfA(double items) {
            return new Pairs(a, b, ratioOfMinimums / items,
                    new Spread(ratio.min() / items, ratio.median() / items, ratio.max() / items));
        }

        @Override
        public String toString() {
            return String.format("%8.2f %8.2f %-14s", ratioOfMinimums, ratio.median(),
                    String.format("(%.2f-%.2f)", ratio.min(), ratio.max()));
        }
    }

    /**
     * {@code a} and {@code b} timed {@link #repeat} times in alternation after {@link #warmup} untimed rounds. A side
     * timed warm follows an untimed run of the same work (a single pass would otherwise pay for the cache misses the
     * other side left behind); a side that makes many passes itself (a many-sample method) is timed as it comes.
     */
    private Pairs pairs(Runnable a, boolean warmA, Runnable b, boolean warmB) {
        for (int i = 0; i < warmup; i++) {
            a.run();
            b.run();
        }
        double[] ta = new double[repeat];
        double[] tb = new double[repeat];
        double[] ratio = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            ta[i] = time(a, warmA);
            tb[i] = time(b, warmB);
            ratio[i] = ta[i] / tb[i];
        }
        Spread sa = Spread.of(ta);
        Spread sb = Spread.of(tb);
        return new Pairs(sa, sb, sa.min() / sb.min(), Spread.of(ratio));
    }

    private static double time(Runnable work, boolean warm) {
        if (warm) {
            work.run();
        }
        long t0 = System.nanoTime();
        work.run();
        return (System.nanoTime() - t0) / 1e6;
    }

    /** The machine's load average over 1, 5 and 15 minutes (other processes share the cores), from /proc. */
    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " / " + parts[1] + " / " + parts[2];
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    /** Peak resident memory of this process (Java heap and ONNX Runtime's native buffers), from /proc. */
    static double peakRssMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
