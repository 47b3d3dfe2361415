package dev.salient.autodiff;

import dev.salient.graph.GraphBuilder;

import java.util.Map;

/**
 * Resize in its nearest and linear modes, the ones exporters emit for upsampling (nearest: asymmetric/floor from
 * {@code F.interpolate(mode="nearest")}; linear: half_pixel / pytorch_half_pixel / align_corners).
 *
 * <p>Resize is linear in x and separable: along each resized axis, y = W·x with W [out, in] the interpolation
 * matrix (one 1 per row for nearest, the two linear weights per row for linear), so dx = Wᵀ·dy along each axis.
 * The matrices are computed here, in float32 with ONNX Runtime's arithmetic (coordinate transform, clamping to the
 * edge, nearest rounding), and applied to dy as MatMuls.
 */
final class ResizeRules {
    private ResizeRules() {}

    static void register(Map<String, GradientRule> table) {
        table.put("Resize", ResizeRules::resize);
    }

    private static void resize(BackwardContext ctx) {
        String mode = ctx.stringAttr("mode", "nearest");
        if (!mode.equals("nearest") && !mode.equals("linear")) {
            throw ctx.unsupported("Resize mode '" + mode + "' is not supported (nearest and linear are)");
        }
        if (ctx.intAttr("antialias", 0) != 0) {
            throw ctx.unsupported("antialiased Resize is not supported");
        }
        boolean legacy = ctx.opset() < 11; // opset 10: asymmetric coordinates, ONNX Runtime's "simple" rounding
        String transform = legacy ? "asymmetric" : ctx.stringAttr("coordinate_transformation_mode", "half_pixel");
        if (transform.equals("tf_crop_and_resize")) {
            throw ctx.unsupported("Resize coordinate_transformation_mode 'tf_crop_and_resize' is not supported");
        }
        String nearestMode = legacy ? "simple" : ctx.stringAttr("nearest_mode", "round_prefer_floor");
        long[] in = ctx.shape(ctx.input(0));
        long[] out = ctx.shape(ctx.output(0));
        float[] scales = scales(ctx, in, out, legacy);

        GraphBuilder g = ctx.graph();
        String grad = ctx.dy();
        int rank = in.length;
        for (int axis = 0; axis < rank; axis++) {
            int lengthIn = Math.toIntExact(in[axis]);
            int lengthOut = Math.toIntExact(out[axis]);
            if (lengthIn == lengthOut && scales[axis] == 1f) {
                continue; // every transform maps x to x
            }
            float[] w = new float[lengthOut * lengthIn];
            for (int o = 0; o < lengthOut; o++) {
                float x = original(transform, o, scales[axis], lengthIn, lengthOut);
                if (mode.equals("nearest")) {
                    w[o * lengthIn + nearest(nearestMode, x, scales[axis] < 1f, lengthIn)] = 1f;
                } else {
                    float clamped = Math.max(0f, Math.min(x, lengthIn - 1));
                    int lo = (int) clamped;
                    int hi = Math.min(lo + 1, lengthIn - 1);
                    w[o * lengthIn + lo] += 1f - (clamped - lo);
                    w[o * lengthIn + hi] += clamped - lo;
                }
            }
            grad = alongAxis(g, grad, axis, rank, w, lengthOut, lengthIn);
        }
        ctx.addGradient(0, grad);
    }

    /** Σ_o W[o, i]·dy[…, o, …] along {@code axis}: a MatMul on the last two axes, else around a transpose. */
    private static String alongAxis(GraphBuilder g, String grad, int axis, int rank, float[] w, int lengthOut,
                                    int lengthIn) {
        if (axis == rank - 1) {
            return g.op("MatMul", grad, g.constFloats(w, lengthOut, lengthIn));
        }
        float[] transposed = new float[w.length];
        for (int o = 0; o < lengthOut; o++) {
            for (int i = 0; i < lengthIn; i++) {
                transposed[i * lengthOut + o] = w[o * lengthIn + i];
            }
        }
        String wt = g.constFloats(transposed, lengthIn, lengthOut);
        if (axis == rank - 2) {
            return g.op("MatMul", wt, grad);
        }
        long[] perm = new long[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[axis] = rank - 2;
        perm[rank - 2] = axis; // a swap: its own inverse
        return g.transpose(g.op("MatMul", wt, g.transpose(grad, perm)), perm);
    }

    /**
     * The scale of each axis as ONNX defines it: the {@code scales} input when given, else output/input size
     * (with keep_aspect_ratio_policy, one common scale over the resized axes).
     */
    private static float[] scales(BackwardContext ctx, long[] in, long[] out, boolean legacy) {
        int rank = in.length;
        long[] axes = ctx.intsAttr("axes");
        if (axes == null || axes.length == 0) {
            axes = new long[rank];
            for (int i = 0; i < rank; i++) {
                axes[i] = i;
            }
        }
        float[] scales = new float[rank];
        java.util.Arrays.fill(scales, 1f);
        int scalesInput = legacy ? 1 : 2;
        float[] given = ctx.hasInput(scalesInput) ? ctx.constantNumbers(ctx.input(scalesInput)) : null;
        if (ctx.hasInput(scalesInput) && given == null) {
            throw ctx.unsupported("its scales are computed from the input");
        }
        if (given != null && given.length > 0) {
            for (int k = 0; k < axes.length; k++) {
                scales[ShapeRules.normalizeAxis(axes[k], rank)] = given[k];
            }
            return scales;
        }
        String policy = ctx.stringAttr("keep_aspect_ratio_policy", "stretch");
        float common = policy.equals("not_larger") ? Float.MAX_VALUE : 0f;
        for (long a : axes) {
            int axis = ShapeRules.normalizeAxis(a, rank);
            scales[axis] = (float) out[axis] / in[axis];
            common = policy.equals("not_larger") ? Math.min(common, scales[axis]) : Math.max(common, scales[axis]);
        }
        if (!policy.equals("stretch")) {
            for (long a : axes) {
                scales[ShapeRules.normalizeAxis(a, rank)] = common;
            }
        }
        return scales;
    }

    /** The input coordinate of output position {@code x}, per coordinate_transformation_mode. */
    private static float original(String transform, int x, float scale, int lengthIn, int lengthOut) {
        return switch (transform) {
            case "half_pixel" -> (x + 0.5f) / scale - 0.5f;
            case "pytorch_half_pixel" -> lengthOut > 1 ? (x + 0.5f) / scale - 0.5f : 0f;
            case "align_corners" -> lengthOut == 1 ? 0f : x * (float) (lengthIn - 1) / (lengthOut - 1);
            case "asymmetric" -> x / scale;
            case "tf_half_pixel_for_nn" -> (x + 0.5f) / scale;
            case "half_pixel_symmetric" -> {
                float adjustment = lengthOut / (scale * lengthIn);
                float offset = lengthIn / 2f * (1 - adjustment);
                yield offset + (x + 0.5f) / scale - 0.5f;
            }
            default -> throw new IllegalArgumentException("coordinate_transformation_mode '" + transform + "'");
        };
    }

    /** The input index nearest-neighbour Resize reads for input coordinate {@code x}, clamped to the axis. */
    private static int nearest(String mode, float x, boolean downsampling, int length) {
        double floor = Math.floor(x);
        boolean half = x - floor == 0.5;
        double index = switch (mode) {
            case "round_prefer_floor" -> half ? floor : Math.round(x);
            case "round_prefer_ceil" -> half ? floor + 1 : Math.round(x);
            case "floor" -> floor;
            case "ceil" -> Math.ceil(x);
            case "simple" -> downsampling ? Math.ceil(x) : (long) x; // ONNX Runtime's opset-10 rounding
            default -> throw new IllegalArgumentException("nearest_mode '" + mode + "'");
        };
        return (int) Math.max(0, Math.min(length - 1, index));
    }
}
