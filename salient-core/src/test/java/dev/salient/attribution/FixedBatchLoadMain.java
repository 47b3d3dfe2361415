package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link FixedBatchModelTest} (ONNX Runtime logs to file descriptor 2, which a JVM cannot
 * capture in-process): loads the model file given as argument, then runs SmoothGrad (samples asked in batches of
 * 4) and occlusion on it, and prints their sizes.
 */
public final class FixedBatchLoadMain {
    private FixedBatchLoadMain() {}

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        try (ImageClassifier model = ImageClassifier.load(new ResolvedModel("batch1", file, null, null, "path", false),
                ModelConfig.EMPTY, EngineOptions.DEFAULT)) {
            float[] input = new float[model.engine().itemSize()];
            AttributionRequest request = AttributionRequest.of(model, input, 1, TargetHead.LOGIT);
            Attribution smooth = AttributionMethods.create("smoothgrad", java.util.Map.of("samples", "3")).attribute(request);
            Attribution occlusion = AttributionMethods.create("occlusion", java.util.Map.of("window", "112",
                    "stride", "112")).attribute(request);
            System.out.println("maxBatch=" + model.engine().maxBatch() + " smoothgrad=" + smooth.values().length
                    + " occlusion=" + occlusion.values().length);
        }
    }
}
