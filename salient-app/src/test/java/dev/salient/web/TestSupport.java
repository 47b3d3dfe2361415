package dev.salient.web;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.ProgressListener;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import dev.salient.testing.SharedData;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared MobileNetV2 and test-only methods (a slow one with progress, a counting wrapper). */
final class TestSupport {
    private static ImageClassifier mobilenet;

    static synchronized ImageClassifier mobileNet() {
        if (mobilenet == null) {
            mobilenet = ImageClassifier.load(new ResolvedModel("mobilenet_v2", SharedData.mobileNetV2(),
                    SharedData.labels1001(), null, "path", false), ModelConfig.EMPTY, EngineOptions.DEFAULT);
        }
        return mobilenet;
    }

    static ModelRegistry models() {
        return new ModelRegistry(List.of(mobileNet()));
    }

    /** A test-only method: name and label, no parameters unless overridden. */
    abstract static class TestMethod implements ExplainMethod {
        private final String name;
        private final String label;

        TestMethod(String name, String label) {
            this.name = name;
            this.label = label;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String label() {
            return label;
        }

        @Override
        public String description() {
            return "test method";
        }

        @Override
        public List<ParamSpec> params() {
            return List.of();
        }
    }

    /** Sleeps {@code ms} per step for {@code steps} steps, reporting progress and honouring cancel. */
    static final class Slow extends TestMethod {
        Slow() {
            super("slow", "Slow (test)");
        }

        @Override
        public boolean coarse() {
            return true;
        }

        @Override
        public List<ParamSpec> params() {
            return List.of(ParamSpec.integer("steps", "Steps", 1, 1000, 10, ""),
                    ParamSpec.integer("ms", "Milliseconds per step", 0, 10_000, 100, ""));
        }

        @Override
        public Attribution attribute(ImageClassifier classifier, float[] input, int classIndex,
                                     Map<String, Object> params, ProgressListener progress) {
            int steps = (int) params.get("steps");
            int ms = (int) params.get("ms");
            for (int i = 0; i < steps; i++) {
                if (progress.cancelled()) {
                    throw new CancellationException("slow cancelled");
                }
                progress.progress(i, steps);
                try {
                    Thread.sleep(ms);
                } catch (InterruptedException e) {
                    throw new CancellationException("interrupted");
                }
            }
            progress.progress(steps, steps);
            float[] v = new float[49];
            v[24] = 1;
            return new Attribution(v, new long[]{7, 7}, false, Map.of());
        }
    }

    /** The demo gradient, counting network runs. */
    static final class Counting extends TestMethod {
        final AtomicInteger runs = new AtomicInteger();
        private final ExplainMethod inner = MethodRegistry.standard().get("gradient");

        Counting() {
            super("counting", "Counting gradient (test)");
        }

        @Override
        public Attribution attribute(ImageClassifier classifier, float[] input, int classIndex,
                                     Map<String, Object> params, ProgressListener progress) {
            runs.incrementAndGet();
            return inner.attribute(classifier, input, classIndex, Map.of("head", "log-probability"), progress);
        }
    }

    /** Throws what a spatial method throws on an input layout it cannot handle. */
    static final class Throwing extends TestMethod {
        Throwing() {
            super("throwing", "Throwing (test)");
        }

        @Override
        public Attribution attribute(ImageClassifier classifier, float[] input, int classIndex,
                                     Map<String, Object> params, ProgressListener progress) {
            throw new IllegalArgumentException("spatial methods need an image input [C, H, W]; the model's input is "
                    + "[224, 224, 3]");
        }
    }
}
