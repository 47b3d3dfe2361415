package dev.salient.web;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.MethodDescription;
import dev.salient.attribution.MethodTraits;
import dev.salient.attribution.ParameterDescription;
import dev.salient.attribution.ProgressListener;
import dev.salient.attribution.VanillaGradient;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import dev.salient.testing.SharedData;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;

/** The shared MobileNetV2 and test-only methods (a slow one with progress, a counting wrapper, a throwing one). */
final class TestSupport {
    private static ImageClassifier mobilenet;

    static synchronized ImageClassifier mobileNet() {
        if (mobilenet == null) {
            mobilenet = ImageClassifier.load(new ResolvedModel("mobilenet_v2", SharedData.mobileNetV2(),
                    SharedData.labels1001(), null, "path", false), ModelConfig.EMPTY, EngineOptions.DEFAULT);
        }
        return mobilenet;
    }

    private static ImageClassifier quantised;

    /** The catalog's default model: Coral's quantised MobileNetV2, imported from TFLite (raw tensor names of ~250 characters). */
    static synchronized ImageClassifier quantisedMobileNet() {
        if (quantised == null) {
            quantised = ImageClassifier.load(SharedData.path("mirror/mobilenet_v2_1.0_224_quant.tflite"));
        }
        return quantised;
    }

    static ModelRegistry models() {
        return new ModelRegistry(List.of(mobileNet()));
    }

    /** A test method's traits: a layer map (7×7) scaled per map, or a pixel map scaled like the demo's gradient. */
    private static MethodTraits traits(MethodTraits.MapKind map) {
        return new MethodTraits(map, false, map == MethodTraits.MapKind.LAYER ? MethodTraits.Scale.PER_MAP
                : MethodTraits.Scale.FIXED, false, MethodTraits.Cost.ONE_GRADIENT);
    }

    /** Sleeps {@code ms} per step for {@code steps} steps, reporting progress and honouring cancel. */
    static final ParameterDescription<Integer> STEPS = ParameterDescription.integer("steps", "Steps", 10, 1, 1000, "",
            "steps to sleep through");
    static final ParameterDescription<Integer> MS = ParameterDescription.integer("ms", "Milliseconds per step", 100, 0,
            10_000, "ms", "sleep per step");
    static final MethodDescription SLOW = new MethodDescription("slow", "Slow (test)", "test method",
            List.of(STEPS, MS), traits(MethodTraits.MapKind.LAYER), values -> new Slow(values.get(STEPS), values.get(MS)));

    private record Slow(int steps, int ms) implements AttributionMethod {
        @Override
        public String name() {
            return SLOW.name();
        }

        @Override
        public Attribution attribute(AttributionRequest request, ProgressListener progress) {
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
    static final class Counting {
        final AtomicInteger runs = new AtomicInteger();
        final MethodDescription description = new MethodDescription("counting", "Counting gradient (test)",
                "test method", List.of(), VanillaGradient.DESCRIPTION.traits(), values -> new TestMethod("counting") {
            @Override
            public Attribution attribute(AttributionRequest request, ProgressListener progress) {
                runs.incrementAndGet();
                return new VanillaGradient().attribute(request, progress);
            }
        });
    }

    /** Throws what a spatial method throws on an input layout it cannot handle. */
    static final MethodDescription THROWING = new MethodDescription("throwing", "Throwing (test)", "test method",
            List.of(), traits(MethodTraits.MapKind.PIXEL), values -> new TestMethod("throwing") {
        @Override
        public Attribution attribute(AttributionRequest request, ProgressListener progress) {
            throw new IllegalArgumentException("spatial methods need an image input [C, H, W]; the model's input is "
                    + "[224, 224, 3]");
        }
    });

    /** A test method by name. */
    private abstract static class TestMethod implements AttributionMethod {
        private final String name;

        TestMethod(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }
    }
}
