package dev.salient.autodiff;

import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

import java.util.Arrays;
import java.util.List;

/**
 * Where a rectifier passed its input through: a float 0/1 mask of {@code lo < y < hi}, read off the rectifier's
 * output {@code y = clip(x, lo, hi)} (ReLU: lo = 0, no hi; ReLU6: lo = 0, hi = 6). Backward rules multiply the
 * incoming gradient by it.
 *
 * <p>Why not comparisons: ONNX Runtime runs convolutions in a blocked channel layout (NCHWc) and has no blocked
 * kernels for Greater, Less, And or Cast, so it reorders the activation to plain NCHW for them and the
 * gradient back and forth around the product (MobileNetV2, batch 1: 66 reorders, 35 of each comparison op).
 * On a 4-D tensor whose channels fill whole 16-channel blocks the mask is instead built from 1×1 depthwise
 * convolutions whose saturating activation ONNX Runtime fuses into them, so mask and product stay blocked.
 * The step functions are exact in float32 by construction:
 * <ul>
 *   <li>y &gt; 0: clip(2^126·y, 0, 1) is 1 for every positive normal float (denormals are flushed anyway);</li>
 *   <li>y &lt; hi: with β = 1/ulp(pred(hi)), a power of two, −β·y + β·hi rounds to β·fl(hi − y), which is ≥ 1
 *       for every float y &lt; hi, so clip(β·(hi − y), 0, 1) is 1 below hi and 0 at hi;</li>
 *   <li>0 &lt; y &lt; hi (ReLU6) in two convolutions: z = clip(K·(β·(hi − y) − 1), −α·hi, 0) is −α·hi at hi and
 *       0 below (K·an exact integer before clipping), then tanh(α·y + z), where ONNX Runtime fuses the addition
 *       and the tanh into the second convolution (it fuses no Clip after an addition). At y = 0 and y = hi the
 *       argument is exactly 0; below hi it is α·y with α = 2^97 for hi = 6, so tanh is 1 to within float
 *       rounding for y ≥ 1e−28, and ramps from 0 to 1 on the tiny interval below it.</li>
 * </ul>
 * Other ranks, channel counts and bounds, and {@link GradientGraphSpec#portable() portable} graphs, get the
 * comparison, cast to float.
 */
final class PassMasks {
    private static final int BLOCK = 16; // ONNX Runtime's NCHWc block: 8 channels with AVX2, 16 with AVX-512
    private static final float POSITIVE_STEP = 0x1p126f;
    private static final float MAX_SCALE = 0x1p103f;
    private static final float MIN_LOWER_SCALE = 0x1p64f;

    private PassMasks() {}

    /**
     * @param lo lower bound (null: none)
     * @param hi upper bound (null: none)
     * @return a float tensor shaped like {@code y}, 1 where lo &lt; y &lt; hi, else 0; null if unbounded
     */
    static String of(BackwardContext ctx, String y, Float lo, Float hi) {
        if (lo == null && hi == null) {
            return null;
        }
        GraphBuilder g = ctx.graph();
        long[] shape = ctx.shape(y);
        boolean blocked = !ctx.portable() && shape.length == 4 && shape[1] % BLOCK == 0 && ctx.elementType(y) == DataType.FLOAT_VALUE
                && (lo == null || lo == 0f) && (hi == null || (Float.isFinite(hi) && hi >= Float.MIN_NORMAL));
        if (blocked) {
            long channels = shape[1];
            if (hi == null) {
                return clip(g, scale(g, y, channels, POSITIVE_STEP, 0f), 0f, 1f);
            }
            float beta = 1f / Math.ulp(Math.nextDown(hi));
            if (lo == null) {
                return clip(g, scale(g, y, channels, -beta, beta * hi), 0f, 1f);
            }
            float alpha = Math.scalb(1f, Math.getExponent(MAX_SCALE / hi) - 3); // power of two, 8·α·hi ≤ K
            if (alpha >= MIN_LOWER_SCALE) {
                float k = Math.scalb(1f, Math.getExponent(alpha * hi) + 1); // power of two ≥ α·hi
                String atHi = clip(g, scale(g, y, channels, -k * beta, k * (beta * hi - 1f)), -(alpha * hi), 0f);
                return g.op("Tanh", g.op("Add", scale(g, y, channels, alpha, 0f), atHi));
            }
        }
        return compared(g, y, lo == null ? null : g.constScalar(lo), hi == null ? null : g.constScalar(hi));
    }

    /** The mask by comparisons, for bounds given as tensors (null: none, not both). */
    static String compared(GraphBuilder g, String y, String lo, String hi) {
        String above = lo == null ? null : g.op("Greater", y, lo);
        String below = hi == null ? null : g.op("Less", y, hi);
        return asFloat(g, above == null ? below : below == null ? above : g.op("And", above, below));
    }

    /** A boolean tensor as 0/1 floats. */
    static String asFloat(GraphBuilder g, String condition) {
        return g.op("Cast", condition, Attributes.ofInt("to", DataType.FLOAT_VALUE));
    }

    /** w·y + b per element, as a 1×1 depthwise convolution (so that ONNX Runtime can fuse a following Clip). */
    private static String scale(GraphBuilder g, String y, long channels, float w, float b) {
        float[] weights = new float[Math.toIntExact(channels)];
        Arrays.fill(weights, w);
        float[] biases = new float[weights.length];
        Arrays.fill(biases, b);
        return g.op("Conv", List.of(y, g.constFloats(weights, channels, 1, 1, 1), g.constFloats(biases, channels)),
                Attributes.ofInts("kernel_shape", 1, 1), Attributes.ofInt("group", channels));
    }

    private static String clip(GraphBuilder g, String x, float min, float max) {
        if (g.opset() >= 11) {
            return g.op("Clip", List.of(x, g.constScalar(min), g.constScalar(max)));
        }
        return g.op("Clip", List.of(x), Attributes.ofFloat("min", min), Attributes.ofFloat("max", max));
    }
}
