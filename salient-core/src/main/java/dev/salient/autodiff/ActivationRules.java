package dev.salient.autodiff;

import dev.salient.graph.GraphBuilder;

import java.util.List;
import java.util.Map;

/** Pointwise nonlinearities and the softmax family. */
final class ActivationRules {
    private ActivationRules() {}

    static void register(Map<String, GradientRule> table) {
        table.put("Relu", ActivationRules::relu);
        // y = x if x > 0 else αx
        table.put("LeakyRelu", ctx -> {
            GraphBuilder g = ctx.graph();
            String alpha = g.constScalar(ctx.floatAttr("alpha", 0.01f));
            String positive = g.op("Greater", ctx.input(0), g.constScalar(0f));
            ctx.addGradient(0, where(g, positive, ctx.dy(), g.op("Mul", ctx.dy(), alpha)));
        });
        // The gradient passes where min < x < max, read off the output y = clip(x) (y > min ⇔ x > min): the
        // pre-activation x is then not needed, so ONNX Runtime can still fuse Conv and Clip (MobileNetV2's ReLU6)
        // in the gradient graph (batch-1 gradient 23 → 19 ms).
        table.put("Clip", ctx -> {
            GraphBuilder g = ctx.graph();
            String mask = clipPassMask(ctx);
            ctx.addGradient(0, mask == null ? ctx.dy() : g.op("Mul", ctx.dy(), mask));
        });
        // σ'(x) = σ(x)(1 − σ(x))
        table.put("Sigmoid", ctx -> {
            GraphBuilder g = ctx.graph();
            String oneMinus = g.op("Sub", g.constScalar(1f), ctx.output(0));
            ctx.addGradient(0, g.op("Mul", ctx.dy(), g.op("Mul", ctx.output(0), oneMinus)));
        });
        // y = max(0, min(1, αx + β)): slope α strictly inside the linear part
        table.put("HardSigmoid", ctx -> {
            GraphBuilder g = ctx.graph();
            float alpha = ctx.floatAttr("alpha", 0.2f);
            String t = g.op("Add", g.op("Mul", ctx.input(0), g.constScalar(alpha)), g.constScalar(ctx.floatAttr("beta", 0.5f)));
            String inside = PassMasks.compared(g, t, g.constScalar(0f), g.constScalar(1f));
            ctx.addGradient(0, g.op("Mul", g.op("Mul", ctx.dy(), g.constScalar(alpha)), inside));
        });
        // y = x·relu6(x+3)/6: slope 0 below −3, (2x+3)/6 between, 1 above 3
        table.put("HardSwish", ctx -> {
            GraphBuilder g = ctx.graph();
            String x = ctx.input(0);
            String middle = g.op("Add", g.op("Mul", x, g.constScalar(1f / 3f)), g.constScalar(0.5f));
            String upper = g.op("Where", List.of(g.op("Greater", x, g.constScalar(3f)), g.constScalar(1f), middle));
            String slope = g.op("Where", List.of(g.op("Less", x, g.constScalar(-3f)), g.constScalar(0f), upper));
            ctx.addGradient(0, g.op("Mul", ctx.dy(), slope));
        });
        // tanh' = 1 − tanh²
        table.put("Tanh", ctx -> {
            GraphBuilder g = ctx.graph();
            String oneMinus = g.op("Sub", g.constScalar(1f), g.op("Mul", ctx.output(0), ctx.output(0)));
            ctx.addGradient(0, g.op("Mul", ctx.dy(), oneMinus));
        });
        table.put("Softmax", ctx -> softmaxFamily(ctx, false));
        table.put("LogSoftmax", ctx -> softmaxFamily(ctx, true));
        // y = x (x > 0), α(eˣ − 1) otherwise: slope 1, or eˣ·α = y + α
        table.put("Elu", ctx -> exponentialLinear(ctx, ctx.floatAttr("alpha", 1f), 1f));
        // y = γx (x > 0), γα(eˣ − 1) otherwise: slope γ, or y + γα
        table.put("Selu", ctx -> exponentialLinear(ctx, ctx.floatAttr("alpha", 1.67326319217681884765625f),
                ctx.floatAttr("gamma", 1.05070102214813232421875f)));
        // y = ln(1 + eˣ): slope σ(x)
        table.put("Softplus", ctx -> ctx.addGradient(0, ctx.graph().op("Mul", ctx.dy(),
                ctx.graph().op("Sigmoid", ctx.input(0)))));
        // y = x·tanh(s), s = softplus(x): slope tanh(s) + x·σ(x)·(1 − tanh²(s))
        table.put("Mish", ctx -> {
            GraphBuilder g = ctx.graph();
            String x = ctx.input(0);
            String t = g.op("Tanh", g.op("Softplus", x));
            String sech2 = g.op("Sub", g.constScalar(1f), g.op("Mul", t, t));
            String slope = g.op("Add", t, g.op("Mul", g.op("Mul", x, g.op("Sigmoid", x)), sech2));
            ctx.addGradient(0, g.op("Mul", ctx.dy(), slope));
        });
        // y = x (x ≥ 0), slope·x otherwise, the slope broadcast to x
        table.put("PRelu", ctx -> {
            if (ctx.needsGradient(1)) {
                throw ctx.unsupported("its slope depends on the input (only constant slopes are supported)");
            }
            GraphBuilder g = ctx.graph();
            String negative = g.op("Less", ctx.input(0), g.constScalar(0f));
            ctx.addGradient(0, where(g, negative, g.op("Mul", ctx.dy(), ctx.input(1)), ctx.dy()));
        });
        table.put("Gelu", ActivationRules::gelu);
    }

    /** Elu and Selu: slope {@code scale} for x &gt; 0, y + scale·α (the derivative of scale·α(eˣ − 1)) below. */
    private static void exponentialLinear(BackwardContext ctx, float alpha, float scale) {
        GraphBuilder g = ctx.graph();
        String positive = g.op("Greater", ctx.input(0), g.constScalar(0f));
        String below = g.op("Add", ctx.output(0), g.constScalar(scale * alpha));
        String slope = where(g, positive, g.constScalar(scale), below);
        ctx.addGradient(0, g.op("Mul", ctx.dy(), slope));
    }

    /**
     * Gelu (opset 20). Exact: y = x·Φ(x), slope Φ(x) + x·φ(x) with Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π).
     * approximate="tanh": y = ½x(1 + t), t = tanh(u), u = √(2/π)(x + 0.044715x³); slope ½(1 + t) + ½x(1 − t²)·u'
     * with u' = √(2/π)(1 + 3·0.044715x²).
     */
    private static void gelu(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        String x = ctx.input(0);
        String xx = g.op("Mul", x, x);
        String slope;
        String approximate = ctx.stringAttr("approximate", "none");
        if (approximate.equals("none")) {
            String cdf = g.op("Mul", g.op("Add", g.op("Erf", g.op("Mul", x, g.constScalar((float) (1 / Math.sqrt(2))))),
                    g.constScalar(1f)), g.constScalar(0.5f));
            String pdf = g.op("Mul", g.op("Exp", g.op("Mul", xx, g.constScalar(-0.5f))),
                    g.constScalar((float) (1 / Math.sqrt(2 * Math.PI))));
            slope = g.op("Add", cdf, g.op("Mul", x, pdf));
        } else if (approximate.equals("tanh")) {
            float k = (float) Math.sqrt(2 / Math.PI);
            float c = 0.044715f;
            String u = g.op("Mul", g.op("Add", x, g.op("Mul", g.op("Mul", xx, x), g.constScalar(c))), g.constScalar(k));
            String t = g.op("Tanh", u);
            String du = g.op("Add", g.op("Mul", xx, g.constScalar(3 * c * k)), g.constScalar(k));
            String sech2 = g.op("Sub", g.constScalar(1f), g.op("Mul", t, t));
            String half = g.constScalar(0.5f);
            slope = g.op("Add", g.op("Mul", g.op("Add", t, g.constScalar(1f)), half),
                    g.op("Mul", g.op("Mul", g.op("Mul", x, half), sech2), du));
        } else {
            throw ctx.unsupported("Gelu approximate='" + approximate + "' is not an ONNX mode");
        }
        ctx.addGradient(0, g.op("Mul", ctx.dy(), slope));
    }

    /** ReLU passes the gradient where its output is positive ({@link PassMasks}). */
    static void relu(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        ctx.addGradient(0, g.op("Mul", ctx.dy(), PassMasks.of(ctx, ctx.output(0), 0f, null)));
    }

    /**
     * {@code value} where {@code condition} holds, 0 elsewhere, as value × float(condition): ONNX Runtime runs
     * Cast and Mul several times faster than Where (MobileNetV2's gradient: 30 ms instead of 38 ms per image).
     */
    static String masked(GraphBuilder g, String condition, String value) {
        return g.op("Mul", value, PassMasks.asFloat(g, condition));
    }

    /**
     * Where(condition, a, b) for float a and b; Where only exists from opset 9, so older graphs get
     * a·mask + b·(1 − mask) with the boolean mask cast to float.
     */
    static String where(GraphBuilder g, String condition, String a, String b) {
        if (g.opset() >= 9) {
            return g.op("Where", List.of(condition, a, b));
        }
        String mask = PassMasks.asFloat(g, condition);
        String inverse = g.op("Sub", g.constScalar(1f), mask);
        return g.op("Add", g.op("Mul", a, mask), g.op("Mul", b, inverse));
    }

    /**
     * Float 0/1 mask, 1 where min &lt; x &lt; max, the linear part of Clip (ReLU6 when min = 0, max = 6), computed
     * from the output (equivalent as long as min &lt; max); null if unbounded.
     */
    static String clipPassMask(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        String y = ctx.output(0);
        if (ctx.opset() < 11) {
            return PassMasks.of(ctx, y, bound(ctx.floatAttr("min", -Float.MAX_VALUE)),
                    bound(ctx.floatAttr("max", Float.MAX_VALUE)));
        }
        String min = ctx.hasInput(1) ? ctx.input(1) : null;
        String max = ctx.hasInput(2) ? ctx.input(2) : null;
        float[] minValue = min == null ? null : ctx.constantFloats(min);
        float[] maxValue = max == null ? null : ctx.constantFloats(max);
        if ((min == null || minValue != null) && (max == null || maxValue != null)) {
            return PassMasks.of(ctx, y, minValue == null ? null : bound(minValue[0]),
                    maxValue == null ? null : bound(maxValue[0]));
        }
        return PassMasks.compared(g, y, min, max); // bounds computed at run time
    }

    /** A bound of ±Float.MAX_VALUE or ±∞ clamps nothing: no bound. */
    private static Float bound(float value) {
        return Float.isInfinite(value) || Math.abs(value) == Float.MAX_VALUE ? null : value;
    }

    /**
     * Softmax: dx = y ⊙ (dy − Σ dy⊙y); LogSoftmax: dx = dy − softmax(x) ⊙ Σ dy; sums over the softmax axis.
     * Before opset 13 the op flattens to 2-D at {@code axis}; the rule does the same.
     */
    private static void softmaxFamily(BackwardContext ctx, boolean log) {
        GraphBuilder g = ctx.graph();
        long[] shape = ctx.shape(ctx.input(0));
        int rank = shape.length;
        boolean legacy = ctx.opset() < 13;
        int axis = (int) ctx.intAttr("axis", legacy ? 1 : -1);
        if (axis < 0) {
            axis += rank;
        }
        String dy = ctx.dy();
        String y = ctx.output(0);
        int reduceAxis = axis;
        boolean flatten = legacy && !(axis == rank - 1);
        if (flatten) {
            long outer = 1;
            long inner = 1;
            for (int i = 0; i < rank; i++) {
                if (i < axis) {
                    outer *= shape[i];
                } else {
                    inner *= shape[i];
                }
            }
            dy = g.reshape(dy, outer, inner);
            y = g.reshape(y, outer, inner);
            reduceAxis = 1;
        }
        String dx;
        if (log) {
            String softmax = g.op("Exp", y);
            String total = g.reduceSum(dy, new long[]{reduceAxis}, true);
            dx = g.op("Sub", dy, g.op("Mul", softmax, total));
        } else {
            String dot = g.reduceSum(g.op("Mul", dy, y), new long[]{reduceAxis}, true);
            dx = g.op("Mul", y, g.op("Sub", dy, dot));
        }
        ctx.addGradient(0, flatten ? g.reshape(dx, shape) : dx);
    }

}
