package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;

import java.util.Objects;

/**
 * What to explain.
 *
 * @param model       the differentiable model
 * @param input       one image in the model's input layout (batch axis dropped), already preprocessed
 * @param targetClass class index whose score is explained
 * @param head        logit, probability or log-probability of that class (for gradient-based methods)
 */
public record AttributionRequest(DifferentiableModel model, float[] input, int targetClass, TargetHead head) {
    public AttributionRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(head, "head");
        if (input.length != model.itemSize()) {
            throw new IllegalArgumentException("input has " + input.length + " values; the model expects "
                    + model.itemSize());
        }
        if (targetClass < 0 || targetClass >= model.classes()) {
            throw new IllegalArgumentException("target class " + targetClass + " is outside 0.." + (model.classes() - 1));
        }
    }

    public AttributionRequest(DifferentiableModel model, float[] input, int targetClass) {
        this(model, input, targetClass, TargetHead.LOGIT);
    }

    /** The input's shape without the batch axis, e.g. [3, 224, 224]. */
    public long[] inputShape() {
        long[] s = model.inputShape(1);
        return java.util.Arrays.copyOfRange(s, 1, s.length);
    }
}
