package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.image.Layout;
import dev.salient.image.Preprocessing;
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
 * @param black       per-channel model-space value of a black pixel (what "black" baselines use), or null for 0:
 *                    0 is black for models fed [0, 1] pixels, but mid-grey for one fed (pixel − 128)/128
 * @param white       per-channel model-space value of a white pixel, or null when not known: with {@code black},
 *                    the box of possible inputs (LRP's z^B rule)
 */
public record AttributionRequest(DifferentiableModel model, float[] input, int targetClass, TargetHead head,
                                 Layout layout, float[] black, float[] white) {
    /** The quantity of the class that is explained, as a parameter: the demo's log-probability by default. */
    public static final ParameterDescription<TargetHead> HEAD = ParameterDescription.choice("head", "Target",
            TargetHead.class, TargetHead.LOG_PROBABILITY,
            "what is explained: the class's logit, probability or log-probability (the demo)");

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

    /** A request whose white pixel is not known. */
    public AttributionRequest(DifferentiableModel model, float[] input, int targetClass, TargetHead head, Layout layout,
                              float[] black) {
        this(model, input, targetClass, head, layout, black, null);
    }

    /** A request whose black pixel is 0 in every channel. */
    public AttributionRequest(DifferentiableModel model, float[] input, int targetClass, TargetHead head, Layout layout) {
        this(model, input, targetClass, head, layout, null);
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
        var p = classifier.preprocessing();
        float[] black = new float[Preprocessing.CHANNELS];
        float[] white = new float[Preprocessing.CHANNELS];
        for (int c = 0; c < black.length; c++) {
            black[c] = (float) ((0 * p.scale() - p.mean()[c]) / p.std()[c]);
            white[c] = (float) ((255 * p.scale() - p.mean()[c]) / p.std()[c]);
        }
        return new AttributionRequest(classifier.engine(), input, targetClass, head, p.layout(), black, white);
    }

    /** A black photo in model space: {@link #black} in each channel (zeros when it is not known). */
    public float[] blackImage() {
        float[] image = new float[input.length];
        if (black == null) {
            return image;
        }
        ImageGeometry g = geometry();
        for (int c = 0; c < g.channels(); c++) {
            for (int y = 0; y < g.height(); y++) {
                for (int x = 0; x < g.width(); x++) {
                    image[g.index(c, y, x)] = black[c];
                }
            }
        }
        return image;
    }

    /** The model-space value of black in channel {@code c} (0 when not known). */
    public float black(int c) {
        return black == null ? 0f : black[c];
    }

    /** The same request for another head (e.g. the logit, for methods that explain only the logit). */
    public AttributionRequest withHead(TargetHead newHead) {
        return new AttributionRequest(model, input, targetClass, newHead, layout, black, white);
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
