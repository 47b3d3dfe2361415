package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.image.Layout;
import dev.salient.model.ImageClassifier;

import java.util.Arrays;
import java.util.Objects;

/**
 * What to explain.
 *
 * @param model       the differentiable model
 * @param input       one image in the model's input layout (batch axis dropped), already preprocessed
 * @param targetClass class index whose score is explained
 * @param head        logit, probability or log-probability of that class (for gradient-based methods)
 * @param layout      memory order of {@code input}: NCHW ([C, H, W]) or NHWC ([H, W, C]); null for an input that
 *                    is not an image, which pixel methods accept and spatial methods (Grad-CAM upsampling, blur
 *                    baseline, occlusion) refuse. For a loaded classifier use {@link #of(ImageClassifier, float[],
 *                    int, TargetHead)}, which takes it from the classifier's preprocessing.
 */
public record AttributionRequest(DifferentiableModel model, float[] input, int targetClass, TargetHead head,
                                 Layout layout) {
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
        if (layout != null && itemShape(model).length != 3) {
            throw new IllegalArgumentException("layout " + layout + " given for input shape "
                    + Arrays.toString(itemShape(model)) + ", which is not an image [C, H, W] or [H, W, C]");
        }
    }

    /**
     * Without an explicit layout, for source compatibility: NCHW when the input shape is [3, H, W], NHWC when it is
     * [H, W, 3], none (null) otherwise, and none when it is ambiguous ([3, H, 3]). Prefer the constructor with a
     * layout or {@link #of(ImageClassifier, float[], int, TargetHead)}: this one only reads the shape.
     */
    public AttributionRequest(DifferentiableModel model, float[] input, int targetClass, TargetHead head) {
        this(model, input, targetClass, head, layoutFromShape(itemShape(Objects.requireNonNull(model, "model"))));
    }

    /** The logit of {@code targetClass}, layout read from the shape as in the four-argument constructor. */
    public AttributionRequest(DifferentiableModel model, float[] input, int targetClass) {
        this(model, input, targetClass, TargetHead.LOGIT);
    }

    /** A request on a loaded classifier's engine, in the layout of the classifier's preprocessing. */
    public static AttributionRequest of(ImageClassifier classifier, float[] input, int targetClass, TargetHead head) {
        return new AttributionRequest(classifier.engine(), input, targetClass, head,
                classifier.preprocessing().layout());
    }

    /** The input's shape without the batch axis, e.g. [3, 224, 224] (NCHW) or [224, 224, 3] (NHWC). */
    public long[] inputShape() {
        return itemShape(model);
    }

    /** Channels, height, width and layout of the input image; fails clearly when the layout is unknown. */
    public ImageGeometry geometry() {
        return ImageGeometry.of(inputShape(), layout);
    }

    /** The layout a shape without batch axis unambiguously implies: [3, H, W] → NCHW, [H, W, 3] → NHWC, else null. */
    static Layout layoutFromShape(long[] shape) {
        if (shape.length != 3) {
            return null;
        }
        boolean first = shape[0] == 3;
        boolean last = shape[2] == 3;
        return first == last ? null : first ? Layout.NCHW : Layout.NHWC;
    }

    private static long[] itemShape(DifferentiableModel model) {
        long[] s = model.inputShape(1);
        return Arrays.copyOfRange(s, 1, s.length);
    }
}
