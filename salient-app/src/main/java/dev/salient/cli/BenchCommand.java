package dev.salient.cli;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
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

    @Override
    public Integer call() throws Exception {
        try (ImageClassifier classifier = modelOptions.open()) {
            DifferentiableModel engine = classifier.engine();
            System.out.printf("model %s, input %s, %d threads available%n", classifier.info().name(),
                    java.util.Arrays.toString(engine.inputShape(1)), Runtime.getRuntime().availableProcessors());
            System.out.printf("%6s %14s %14s %8s %14s%n", "batch", "forward ms", "fwd+grad ms", "ratio", "peak RSS MB");
            Random random = new Random(42);
            for (int batch : batches) {
                float[] input = new float[batch * engine.itemSize()];
                for (int i = 0; i < input.length; i++) {
                    input[i] = random.nextFloat();
                }
                float[] seeds = new float[batch * engine.classes()];
                for (int b = 0; b < batch; b++) {
                    seeds[b * engine.classes() + random.nextInt(engine.classes())] = 1f;
                }
                GradientSession session = engine.gradientSession(TargetHead.LOG_PROBABILITY, RuleTable.standard(),
                        List.of(), batch);
                double forward = median(() -> engine.forward(input, batch));
                double gradient = median(() -> session.run(input, seeds, batch));
                System.out.printf("%6d %14.1f %14.1f %8.2f %14.0f%n", batch, forward, gradient, gradient / forward,
                        peakRssMegabytes());
            }
            if (methods) {
                benchMethods(classifier);
            }
        }
        return 0;
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
        double gradient = median(() -> AttributionMethods.create("gradient").attribute(request));
        double forward = median(() -> engine.forward(input, 1));
        System.out.printf("%nmethods on one photo, relative to one vanilla gradient (%.1f ms) in this run:%n", gradient);
        System.out.printf("%-34s %10s %8s %s%n", "method", "ms", "ratio", "target");
        String[][] cases = {
                {"smoothgrad", "samples=50", "<= 50"},
                {"integrated-gradients", "steps=50", "<= 50"},
                {"gradcam", "", "<= 1.2"},
                {"guided-backprop", "", ""},
        };
        int savedRepeat = repeat;
        for (String[] c : cases) {
            Map<String, String> params = new java.util.LinkedHashMap<>();
            if (!c[1].isEmpty()) {
                String[] kv = c[1].split("=");
                params.put(kv[0], kv[1]);
            }
            repeat = c[0].equals("smoothgrad") || c[0].equals("integrated-gradients") ? Math.max(1, savedRepeat / 3) : savedRepeat;
            double t = median(() -> AttributionMethods.create(c[0], params).attribute(request));
            System.out.printf("%-34s %10.1f %8.2f %s%n", c[0] + (c[1].isEmpty() ? "" : " " + c[1]), t, t / gradient, c[2]);
        }
        repeat = Math.max(1, savedRepeat / 3);
        double[] windows = new double[1];
        double occlusion = median(() -> windows[0] = AttributionMethods.create("occlusion").attribute(request)
                .diagnostic("windows"));
        repeat = savedRepeat;
        System.out.printf("%-34s %10.1f %8.2f <= 1.1 x (%d windows x %.1f ms forward = %.1f ms): %.2f%n",
                "occlusion (defaults)", occlusion, occlusion / gradient, (int) windows[0], forward, windows[0] * forward,
                occlusion / (windows[0] * forward));
    }

    private double median(Runnable run) {
        for (int i = 0; i < warmup; i++) {
            run.run();
        }
        double[] times = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            run.run();
            times[i] = (System.nanoTime() - t0) / 1e6;
        }
        java.util.Arrays.sort(times);
        return times[repeat / 2];
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
