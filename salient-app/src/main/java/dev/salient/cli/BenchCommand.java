package dev.salient.cli;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.Batching;
import dev.salient.attribution.SpatialLayers;
import dev.salient.autodiff.BackwardContext;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
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

    @Option(names = "--photo", description = "Photo for --methods (default: a fixed random input).")
    Path photo;

    @Option(names = "--chunk", defaultValue = "4",
            description = "Also time the largest batch as runs of a graph built for this many items (default: ${DEFAULT-VALUE}; 0: no).")
    int chunk;

    @Override
    public Integer call() throws Exception {
        try (ImageClassifier classifier = modelOptions.open()) {
            DifferentiableModel engine = classifier.engine();
            System.out.printf("model %s, input %s, %d threads available%n", classifier.info().name(),
                    java.util.Arrays.toString(engine.inputShape(1)), Runtime.getRuntime().availableProcessors());
            System.out.printf("%-12s %14s %14s %8s %14s%n", "batch", "forward ms", "fwd+grad ms", "ratio", "peak RSS MB");
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
        }
        return 0;
    }

    /**
     * Forward-only time of the plain model against forward+gradient time of the gradient graph for {@code batch}
     * items, the graph built for {@code graphBatch} items and run as many times as it takes.
     */
    private void report(DifferentiableModel engine, Random random, int batch, int graphBatch, RuleTable rules,
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
        double[] t;
        try (GradientSession.Lease session = engine.gradientSession(TargetHead.LOG_PROBABILITY, rules, List.of(),
                graphBatch)) {
            Runnable gradient = () -> chunks.forEach(c -> session.run(c[0], c[1], c[1].length / classes));
            t = interleaved(gradient, () -> engine.forward(input, batch));
        }
        String label = graphBatch == batch ? String.valueOf(batch) : batch + " (" + batch / graphBatch + "x" + graphBatch + ")";
        System.out.printf("%-12s %14.1f %14.1f %8.2f %14.0f%s%n", label, t[1], t[0], t[0] / t[1], peakRssMegabytes(),
                note);
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
        System.out.printf("%nmethods on one photo, each timed warm, interleaved with one vanilla gradient (batch 1),"
                + " medians of %d pairs:%n", repeat);
        System.out.printf("%-34s %10s %12s %8s %s%n", "method", "ms", "gradient ms", "ratio", "target");
        String[][] cases = {
                {"smoothgrad", "samples=50", "<= 50"},
                {"integrated-gradients", "steps=50", "<= 50"},
                {"gradcam", "", "<= 1.2"},
                {"guided-backprop", "", "~ 1"},
                {"lrp", "", "~ 1"},
                {"lrp", "composite=epsilon-gamma-box", "~ 1"},
                {"deeplift", "", "~ 2 (one batch of 2)"},
                {"gradient-shap", "samples=50", "<= 50"},
        };
        for (String[] c : cases) {
            Map<String, String> params = new java.util.LinkedHashMap<>();
            if (!c[1].isEmpty()) {
                String[] kv = c[1].split("=");
                params.put(kv[0], kv[1]);
            }
            double[] t = interleaved(() -> AttributionMethods.create(c[0], params).attribute(request), gradient);
            System.out.printf("%-34s %10.1f %12.1f %8.2f %s%n", c[0] + (c[1].isEmpty() ? "" : " " + c[1]), t[0], t[1],
                    t[0] / t[1], c[2]);
        }
        double[] windows = new double[1];
        double[] t = interleaved(() -> windows[0] = AttributionMethods.create("occlusion").attribute(request)
                .diagnostic("windows"), () -> engine.forward(input, 1));
        System.out.printf("%-34s %10.1f %12s %8s <= 1.1: %d windows x %.1f ms forward = %.1f ms, ratio %.2f%n",
                "occlusion (defaults)", t[0], "", "", (int) windows[0], t[1], windows[0] * t[1],
                t[0] / (windows[0] * t[1]));
        int channels = SpatialLayers.last(engine).channels();
        forwardBatches(request, "scorecam", Map.of("top-channels", "64"), Math.min(64, channels), "channels");
        forwardBatches(request, "ablationcam", Map.of(), channels, "channels");
        forwardBatches(request, "rise", Map.of("masks", "256"), 256, "masks");
        // KernelSHAP also scores the full and the empty photo: 256 + 2 forward passes
        forwardBatches(request, "kernel-shap", Map.of("coalitions", "256"), 258, "coalitions");
        forwardBatches(request, "lime", Map.of("coalitions", "256"), 256, "coalitions");
        xraiAgainstIntegratedGradients(request);
    }

    /**
     * XRAI against its expected cost: Integrated Gradients from each of its two baselines (black, white), timed here
     * as two runs of integrated-gradients with the same steps; the rest is segmentation and the greedy region loop.
     */
    private void xraiAgainstIntegratedGradients(AttributionRequest request) {
        Map<String, String> steps = Map.of("steps", "16");
        double[] t = interleaved(() -> AttributionMethods.create("xrai", steps).attribute(request),
                () -> AttributionMethods.create("integrated-gradients", steps).attribute(request));
        System.out.printf("%-34s %10.1f %12s %8s <= 1.3: 2 x integrated-gradients steps=16 (%.1f ms) = %.1f ms, "
                + "ratio %.2f (the excess is segmentation + greedy regions)%n", "xrai steps=16", t[0], "", "", t[1],
                2 * t[1], t[0] / (2 * t[1]));
    }

    /**
     * A forward-pass method against its expected cost: ⌈count / batch⌉ forward calls of the batch it runs (its
     * default batch, clamped as {@link Batching#chunkSize} clamps it), each timed here on copies of the photo.
     */
    private void forwardBatches(AttributionRequest request, String method, Map<String, String> params, int count,
                                String what) {
        DifferentiableModel engine = request.model();
        int requested = (Integer) AttributionMethods.describe(method).parameter("batch").orElseThrow().defaultValue();
        int batch = Batching.chunkSize(engine, requested, Batching.DEFAULT_MEMORY_BUDGET, count);
        float[] copies = new float[batch * request.input().length];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(request.input(), 0, copies, b * request.input().length, request.input().length);
        }
        int calls = (count + batch - 1) / batch;
        double[] t = interleaved(() -> AttributionMethods.create(method, params).attribute(request),
                () -> engine.forward(copies, batch));
        String label = method + (params.isEmpty() ? "" : " " + String.join(" ", params.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList()));
        System.out.printf("%-34s %10.1f %12s %8s <= 1.3: %d %s / batch %d = %d forward calls x %.1f ms = %.1f ms, "
                + "ratio %.2f%n", label, t[0], "", "", count, what, batch, calls, t[1], calls * t[1],
                t[0] / (calls * t[1]));
    }

    /**
     * Medians of {@code a} and {@code b}, each timed warm: every timed run follows an untimed run of the same
     * work, and the pairs alternate (a, a, b, b, a, a, …) so that the machine's drift affects both alike. Timing
     * single runs in strict alternation instead would charge each with the cache misses the other left behind.
     */
    private double[] interleaved(Runnable a, Runnable b) {
        for (int i = 0; i < warmup; i++) {
            a.run();
            b.run();
        }
        double[] ta = new double[repeat];
        double[] tb = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            ta[i] = warmTime(a);
            tb[i] = warmTime(b);
        }
        java.util.Arrays.sort(ta);
        java.util.Arrays.sort(tb);
        return new double[]{ta[repeat / 2], tb[repeat / 2]};
    }

    private static double warmTime(Runnable work) {
        work.run();
        long t0 = System.nanoTime();
        work.run();
        return (System.nanoTime() - t0) / 1e6;
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
