package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.image.Layout;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads run mixed methods against one model whose gradient-session cache holds two sessions, so sessions
 * are evicted while other threads run them chunk after chunk (before leases: SIGSEGV in ONNX Runtime). Every
 * result must equal the single-threaded one. Bounded: each thread runs {@link #MIN_TASKS} tasks, then more until
 * {@link #BUDGET_MS} have passed. Building gradient sessions dominates the time (the cache rebuilds them all the
 * time), not running them.
 */
class ConcurrencyStressTest {
    private static final int THREADS = 8;
    private static final int MIN_TASKS = 4;
    private static final long BUDGET_MS = 3000;
    private static final long[] SHAPE = {1, 3, 32, 32};

    private record Task(String method, Map<String, String> params, int image, int target) {
        Attribution run(DifferentiableModel model, List<float[]> images) {
            return AttributionMethods.create(method, params).attribute(new AttributionRequest(model,
                    images.get(image), target, TargetHead.LOGIT, Layout.NCHW));
        }

        @Override
        public String toString() {
            return method + params + " image " + image + " class " + target;
        }
    }

    @Test
    void mixedMethodsOnOneModelWithATwoSessionCacheGiveTheSingleThreadedResults() throws Exception {
        List<float[]> images = List.of(TestNets.gaussian(3 * 32 * 32, 1), TestNets.gaussian(3 * 32 * 32, 2));
        List<Task> tasks = tasks();
        Map<Task, float[]> expected = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        try (DifferentiableModel reference = open(EngineOptions.DEFAULT)) {
            for (Task t : tasks) {
                expected.put(t, t.run(reference, images).values());
            }
        }

        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        AtomicInteger worst = new AtomicInteger(); // float bits of the worst relative difference, for the report
        long start = System.nanoTime();
        try (DifferentiableModel shared = open(new EngineOptions(0, 2))) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int th = 0; th < THREADS; th++) {
                    long seed = th;
                    futures.add(pool.submit(() -> {
                        Random random = new Random(seed);
                        for (int n = 0; n < MIN_TASKS || (System.nanoTime() - start) / 1_000_000 < BUDGET_MS; n++) {
                            Task t = tasks.get(random.nextInt(tasks.size()));
                            float[] got = t.run(shared, images).values();
                            double diff = GradientMethodsTest.relativeError(got, expected.get(t));
                            assertThat(diff).as(t.toString()).isLessThanOrEqualTo(1e-6);
                            worst.accumulateAndGet(Float.floatToIntBits((float) diff), Math::max);
                            counts.computeIfAbsent(t.method(), k -> new AtomicInteger()).incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        int total = counts.values().stream().mapToInt(AtomicInteger::get).sum();
        System.out.printf("stress: %d threads, %d ms, %d results (%s), worst relative difference %.1e%n", THREADS, ms,
                total, new TreeMap<>(counts), Float.intBitsToFloat(worst.get()));
        assertThat(total).isGreaterThanOrEqualTo(THREADS * MIN_TASKS);
    }

    /** Every registry method, several configurations each: far more gradient graphs than the cache holds. */
    private static List<Task> tasks() {
        List<String> layers = new ArrayList<>();
        try (DifferentiableModel m = open(EngineOptions.DEFAULT)) {
            SpatialLayers.find(m).forEach(l -> layers.add(l.name()));
        }
        List<Task> tasks = new ArrayList<>();
        for (int image = 0; image < 2; image++) {
            int target = 3 + 4 * image;
            tasks.add(new Task("gradient", Map.of(), image, target));
            tasks.add(new Task("gradient-x-input", Map.of(), image, target));
            tasks.add(new Task("guided-backprop", Map.of(), image, target));
            tasks.add(new Task("deconvnet", Map.of(), image, target));
            tasks.add(new Task("smoothgrad", Map.of("samples", "6", "batch", "2"), image, target));
            tasks.add(new Task("smoothgrad-squared", Map.of("samples", "5", "batch", "3"), image, target));
            tasks.add(new Task("vargrad", Map.of("samples", "4", "batch", "4"), image, target));
            tasks.add(new Task("integrated-gradients", Map.of("steps", "8", "batch", "3"), image, target));
            tasks.add(new Task("occlusion", Map.of("window", "8", "stride", "8", "batch", "5"), image, target));
            for (String layer : layers) {
                tasks.add(new Task("gradcam", Map.of("layer", layer), image, target));
            }
            tasks.add(new Task("gradcam++", Map.of("layer", layers.get(1)), image, target));
            tasks.add(new Task("guided-gradcam", Map.of("layer", layers.get(layers.size() - 1)), image, target));
        }
        return tasks;
    }

    private static DifferentiableModel open(EngineOptions options) {
        return DifferentiableModel.open(TestNets.smallCnn(), TestNets.INPUT, TestNets.OUTPUT, SHAPE, options);
    }
}
