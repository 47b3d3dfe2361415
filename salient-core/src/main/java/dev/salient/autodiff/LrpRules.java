package dev.salient.autodiff;

import ai.onnx.proto.OnnxMl;
import dev.salient.graph.GraphBuilder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Layer-wise relevance propagation (Bach et al. 2015; Montavon et al. 2019) as backward rules: what flows back
 * through the graph is the relevance R itself, not a gradient, so the input "gradient" is the input relevance. Each
 * rule is Zennit's (0.5.1) in the modified-gradient form: with z' the layer's output under modified inputs and
 * weights, s = R / (z' + ε·sign z') (sign 0 = +1), and R_in = Σ x' ⊙ W'ᵀs, where W'ᵀs is the exact backward rule of
 * the op applied to s with the modified weights. Biases stay in z' (Zennit's {@code zero_params=None}), so they absorb
 * relevance; with zero biases and ε → 0 every rule conserves Σ R_in = Σ R_out.
 *
 * <p>Rules are records, so two tables built with the same rules and parameters are equal ({@link RuleTable}) and
 * share a gradient session.
 */
public final class LrpRules {
    /** Zennit's default stabiliser of every rule other than ε. */
    public static final float STABILIZER = 1e-6f;

    /** Rectifiers and other elementwise activations: relevance passes unchanged (Zennit's Pass). */
    private static final Set<String> ACTIVATIONS = Set.of("Relu", "Clip", "LeakyRelu", "Elu", "Selu", "Celu",
            "Gelu", "Sigmoid", "Tanh", "Softplus", "HardSigmoid");
    /** Parameter-free linear ops whose relevance splits by contribution (Zennit's Norm, ε = the stabiliser). */
    private static final Set<String> PROPORTIONAL = Set.of("Add", "Sum", "GlobalAveragePool", "AveragePool",
            "BatchNormalization");
    private static final Set<String> CONVOLUTIONS = Set.of("Conv", "ConvTranspose");
    private static final Set<String> LAYERS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

    private LrpRules() {}

    /** Rule assignments, after Zennit's composites of the same names. */
    public enum Composite {
        /** First layer flat, other convolutions z⁺, dense layers ε (Zennit's EpsilonPlusFlat). */
        EPSILON_PLUS_FLAT,
        /** First convolution z^B with the pixel bounds, other convolutions γ, dense layers ε (EpsilonGammaBox). */
        EPSILON_GAMMA_BOX,
        /** Convolutions z⁺, dense layers ε (Zennit's EpsilonPlus). */
        EPSILON_PLUS,
        /** ε on every layer (Captum's LRP default; with ε → 0 on a ReLU network this is gradient × input). */
        EPSILON
    }

    /**
     * The standard table with every layer, activation and proportional op replaced as the composite says, its graphs
     * built with BatchNormalization merged into the layer before it (Zennit's MergeBatchNorm canonizer); one that
     * follows no Conv or Gemm keeps the proportional rule.
     *
     * @param low  per-channel lowest model-space input value (z^B only; may be null for other composites)
     * @param high per-channel highest model-space input value
     */
    public static RuleTable composite(Composite composite, float epsilon, float gamma, float[] low, float[] high) {
        GradientRule dense = new Epsilon(epsilon);
        ByLayer layers = switch (composite) {
            case EPSILON_PLUS_FLAT -> new ByLayer(new Flat(STABILIZER), new Flat(STABILIZER), new ZPlus(STABILIZER),
                    dense);
            case EPSILON_GAMMA_BOX -> new ByLayer(new ZBox(low, high, STABILIZER), dense,
                    new Gamma(gamma, STABILIZER), dense);
            case EPSILON_PLUS -> new ByLayer(new ZPlus(STABILIZER), dense, new ZPlus(STABILIZER), dense);
            case EPSILON -> new ByLayer(dense, dense, dense, dense);
        };
        RuleTable table = RuleTable.standard();
        for (String op : ACTIVATIONS) {
            table = table.with(op, new Pass());
        }
        for (String op : PROPORTIONAL) {
            table = table.with(op, new Epsilon(STABILIZER));
        }
        for (String op : LAYERS) {
            table = table.with(op, layers);
        }
        return table.named("lrp-" + composite.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
                .foldingBatchNorm(true);
    }

    /**
     * Picks a layer's rule by its kind and depth ({@link BackwardContext#layerDepth()}): the first weight layer of the
     * graph gets {@code firstConvolution} or {@code firstDense}, later ones {@code convolution} or {@code dense}.
     */
    public record ByLayer(GradientRule firstConvolution, GradientRule firstDense, GradientRule convolution,
                          GradientRule dense) implements GradientRule {
        @Override
        public void backward(BackwardContext ctx) {
            boolean convolutional = CONVOLUTIONS.contains(ctx.node().getOpType());
            GradientRule rule = ctx.layerDepth() <= 1
                    ? (convolutional ? firstConvolution : firstDense)
                    : (convolutional ? convolution : dense);
            // a layer whose weights are computed (attention's MatMul) has no weights to modify: ε on both operands
            if (!(rule instanceof Epsilon) && ctx.needsGradient(1)) {
                rule = new Epsilon(STABILIZER);
            }
            rule.backward(ctx);
        }
    }

    /** R_in = R_out. */
    public record Pass() implements GradientRule {
        @Override
        public void backward(BackwardContext ctx) {
            ctx.addGradient(0, ctx.dy());
        }
    }

    /**
     * LRP-ε on any op that is linear in each input: R_i = x_i ⊙ ∂(s·z)/∂x_i, s = R / (z + ε·sign z), z the op's own
     * output (bias included). Zennit's Epsilon on layers, its Norm (ε = stabiliser) on sums and pooling: a residual
     * addition splits relevance in proportion to the contributions a_i / Σ a.
     */
    public record Epsilon(float epsilon) implements GradientRule {
        @Override
        public void backward(BackwardContext ctx) {
            GraphBuilder g = ctx.graph();
            String s = g.op("Div", ctx.dy(), stabilized(g, ctx.output(0), epsilon));
            String[] gradients = ctx.delegate(exact(ctx), s, -1, null);
            for (int i = 0; i < gradients.length; i++) {
                if (gradients[i] != null) {
                    ctx.addGradient(i, g.op("Mul", ctx.input(i), gradients[i]));
                }
            }
        }
    }

    /**
     * LRP-α1β0 (z⁺), as Zennit's ZPlus: z = f(x⁺; W⁺, b⁺) + f(x⁻; W⁻), s = R / stab(z),
     * R_in = x⁺ ⊙ W⁺ᵀs + x⁻ ⊙ W⁻ᵀs.
     *
     * <p>Two forms cost less and give the same numbers. z ≥ 0 (both products are), so stab(z) = z + ε, and for a
     * convolution ε joins the bias, which ONNX Runtime folds once: no extra pass. Where the input is ≥ 0 by the
     * graph's construction (a ReLU's or ReLU6's output: 35 of MobileNetV2's 52 z⁺ layers), x⁻ = 0 and its
     * convolution and transposed convolution are left out.
     */
    public record ZPlus(float stabilizer) implements GradientRule {
        @Override
        public void backward(BackwardContext ctx) {
            GraphBuilder g = ctx.graph();
            String x = ctx.input(0);
            String wp = positive(g, ctx.input(1));
            String bias = ctx.hasInput(2) ? positive(g, ctx.input(2)) : null;
            boolean stabilizerInBias = CONVOLUTIONS.contains(ctx.node().getOpType());
            if (stabilizerInBias) {
                bias = withStabilizer(ctx, bias, stabilizer);
            }
            boolean nonNegative = ctx.nonNegative(x);
            String xp = nonNegative ? x : positive(g, x);
            String xn = nonNegative ? null : negative(g, x);
            String wn = nonNegative ? null : negative(g, ctx.input(1));
            String z = layer(ctx, xp, wp, bias);
            if (!nonNegative) {
                z = g.op("Add", z, layer(ctx, xn, wn, null));
            }
            if (!stabilizerInBias) {
                z = g.op("Add", z, g.constScalar(stabilizer));
            }
            String s = g.op("Div", ctx.dy(), z);
            String relevance = g.op("Mul", xp, transposed(ctx, wp, s));
            if (!nonNegative) {
                relevance = g.op("Add", relevance, g.op("Mul", xn, transposed(ctx, wn, s)));
            }
            ctx.addGradient(0, relevance);
        }
    }

    /**
     * LRP-γ, as Zennit's generalised Gamma: where z &gt; 0, relevance follows the positive contributions
     * z⁺ = f(x⁺; W + γW⁺, b + γb⁺) + f(x⁻; W + γW⁻); where z &lt; 0, the negative ones
     * z⁻ = f(x⁺; W + γW⁻, b + γb⁻) + f(x⁻; W + γW⁺); R_in = Σ x' ⊙ W'ᵀ([z ≷ 0]·R / stab(z^±)).
     *
     * <p>Computed in a cheaper form with the same numbers: z⁺ = z + γ(x⁺W⁺ + x⁻W⁻ + b⁺) ≥ z, so where z &gt; 0,
     * stab(z⁺) = z⁺ + ε, and likewise stab(z⁻) = z⁻ − ε where z &lt; 0; for a convolution ±ε joins the bias. Where
     * the input is ≥ 0 by the graph's construction, x⁻ = 0 and its two convolutions and two transposed ones are left
     * out.
     */
    public record Gamma(float gamma, float stabilizer) implements GradientRule {
        @Override
        public void backward(BackwardContext ctx) {
            GraphBuilder g = ctx.graph();
            String x = ctx.input(0);
            String w = ctx.input(1);
            String bias = ctx.hasInput(2) ? ctx.input(2) : null;
            String gammaW = g.constScalar(gamma);
            String up = g.op("Add", w, g.op("Mul", gammaW, positive(g, w)));
            String down = g.op("Add", w, g.op("Mul", gammaW, negative(g, w)));
            String upBias = bias == null ? null : g.op("Add", bias, g.op("Mul", gammaW, positive(g, bias)));
            String downBias = bias == null ? null : g.op("Add", bias, g.op("Mul", gammaW, negative(g, bias)));
            boolean stabilizerInBias = CONVOLUTIONS.contains(ctx.node().getOpType());
            if (stabilizerInBias) {
                upBias = withStabilizer(ctx, upBias, stabilizer);
                downBias = withStabilizer(ctx, downBias, -stabilizer);
            }
            boolean nonNegative = ctx.nonNegative(x);
            String xp = nonNegative ? x : positive(g, x);
            String xn = nonNegative ? null : negative(g, x);
            String zUp = layer(ctx, xp, up, upBias);
            String zDown = layer(ctx, xp, down, downBias);
            if (!nonNegative) {
                zUp = g.op("Add", zUp, layer(ctx, xn, down, null));
                zDown = g.op("Add", zDown, layer(ctx, xn, up, null));
            }
            if (!stabilizerInBias) {
                zUp = g.op("Add", zUp, g.constScalar(stabilizer));
                zDown = g.op("Add", zDown, g.constScalar(-stabilizer));
            }
            String z = ctx.output(0);
            String zero = g.constScalar(0f);
            // Where, not a 0/1 mask: outside its side a denominator may be 0, and 0 · ∞ would be NaN
            String sUp = ActivationRules.where(g, g.op("Greater", z, zero), g.op("Div", ctx.dy(), zUp), zero);
            String sDown = ActivationRules.where(g, g.op("Less", z, zero), g.op("Div", ctx.dy(), zDown), zero);
            String positiveInputs = g.op("Add", transposed(ctx, up, sUp), transposed(ctx, down, sDown));
            if (nonNegative) {
                ctx.addGradient(0, g.op("Mul", x, positiveInputs));
                return;
            }
            String negativeInputs = g.op("Add", transposed(ctx, down, sUp), transposed(ctx, up, sDown));
            ctx.addGradient(0, g.op("Add", g.op("Mul", xp, positiveInputs), g.op("Mul", xn, negativeInputs)));
        }
    }

    /**
     * The flat rule (Lapuschkin et al. 2019), as Zennit's Flat: inputs and weights all 1, no bias:
     * R_in = 1ᵀ(R / stab(f(1; 1))), relevance spread evenly over each output's receptive field.
     */
    public record Flat(float stabilizer) implements GradientRule {
        @Override
        public void backward(BackwardContext ctx) {
            GraphBuilder g = ctx.graph();
            String ones = ones(g, unbatched(ctx.shape(ctx.input(0))));
            String onesWeight = ones(g, ctx.shape(ctx.input(1)));
            String z = layer(ctx, ones, onesWeight, null);
            String s = g.op("Div", ctx.dy(), stabilized(g, z, stabilizer));
            ctx.addGradient(0, transposed(ctx, onesWeight, s));
        }

        private static String ones(GraphBuilder g, long[] shape) {
            float[] values = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact))];
            Arrays.fill(values, 1f);
            return g.constFloats(values, shape);
        }
    }

    /**
     * The z^B rule (Montavon et al. 2017) for inputs boxed in [l, h], as Zennit's ZBox: z = f(x; W) − f(l; W⁺)
     * − f(h; W⁻) (the biases b − b⁺ − b⁻ cancel), s = R / stab(z), R_in = x ⊙ Wᵀs − l ⊙ W⁺ᵀs − h ⊙ W⁻ᵀs.
     *
     * @param low  lowest value per channel (axis 1 of the layer's input); one value for all channels if length 1
     * @param high highest value per channel
     */
    public record ZBox(float[] low, float[] high, float stabilizer) implements GradientRule {
        public ZBox {
            if (low == null || high == null || low.length != high.length || low.length == 0) {
                throw new IllegalArgumentException("z^B needs as many low as high bounds, at least one");
            }
            low = low.clone();
            high = high.clone();
        }

        @Override
        public void backward(BackwardContext ctx) {
            GraphBuilder g = ctx.graph();
            String x = ctx.input(0);
            String w = ctx.input(1);
            long[] shape = unbatched(ctx.shape(x));
            String l = bound(g, low, shape, ctx);
            String h = bound(g, high, shape, ctx);
            String wp = positive(g, w);
            String wn = negative(g, w);
            String z = g.op("Sub", g.op("Sub", layer(ctx, x, w, null), layer(ctx, l, wp, null)),
                    layer(ctx, h, wn, null));
            String s = g.op("Div", ctx.dy(), stabilized(g, z, stabilizer));
            String own = ctx.delegate(exact(ctx), s, -1, null)[0];
            ctx.addGradient(0, g.op("Sub", g.op("Sub", g.op("Mul", x, own), g.op("Mul", l, transposed(ctx, wp, s))),
                    g.op("Mul", h, transposed(ctx, wn, s))));
        }

        /** The bound as a constant of the input's shape (batch 1), channel values along axis 1. */
        private static String bound(GraphBuilder g, float[] perChannel, long[] shape, BackwardContext ctx) {
            int size = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
            long channels = shape.length > 1 ? shape[1] : 1;
            if (perChannel.length != 1 && perChannel.length != channels) {
                throw ctx.unsupported("z^B has " + perChannel.length + " channel bounds for an input of "
                        + channels + " channels");
            }
            long inner = size / channels;
            float[] values = new float[size];
            for (int i = 0; i < size; i++) {
                values[i] = perChannel.length == 1 ? perChannel[0] : perChannel[(int) (i / inner)];
            }
            return g.constFloats(values, shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ZBox other && Arrays.equals(low, other.low) && Arrays.equals(high, other.high)
                    && Float.compare(stabilizer, other.stabilizer) == 0;
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Arrays.hashCode(low) + Arrays.hashCode(high)) + Float.hashCode(stabilizer);
        }

        @Override
        public String toString() {
            return "ZBox[low=" + Arrays.toString(low) + ", high=" + Arrays.toString(high) + ", stabilizer="
                    + stabilizer + "]";
        }
    }

    /** b + ε per output channel (axis 1 of a convolution's output), or ε alone for a layer without bias. */
    private static String withStabilizer(BackwardContext ctx, String bias, float epsilon) {
        GraphBuilder g = ctx.graph();
        if (bias != null) {
            return g.op("Add", bias, g.constScalar(epsilon));
        }
        float[] values = new float[Math.toIntExact(ctx.shape(ctx.output(0))[1])];
        Arrays.fill(values, epsilon);
        return g.constFloats(values, values.length);
    }

    private static GradientRule exact(BackwardContext ctx) {
        return StandardRules.TABLE.rule(ctx.node().getOpType());
    }

    /** z + ε·sign(z), with sign(0) = +1 (Zennit's stabiliser). */
    static String stabilized(GraphBuilder g, String z, float epsilon) {
        return g.op("Add", z, ActivationRules.where(g, g.op("Less", z, g.constScalar(0f)),
                g.constScalar(-epsilon), g.constScalar(epsilon)));
    }

    private static String positive(GraphBuilder g, String t) {
        return g.op("Relu", t);
    }

    private static String negative(GraphBuilder g, String t) {
        return g.op("Min", t, g.constScalar(0f));
    }

    /** The node's own op (same attributes) on other inputs, weights and bias. */
    private static String layer(BackwardContext ctx, String x, String weight, String bias) {
        List<String> inputs = new ArrayList<>(List.of(x, weight));
        if (bias != null) {
            inputs.add(bias);
        }
        return ctx.graph().op(ctx.node().getOpType(), inputs,
                ctx.node().getAttributeList().toArray(new OnnxMl.AttributeProto[0]));
    }

    /** Wᵀs: the exact backward rule of the node for output gradient s, with the weights replaced. */
    private static String transposed(BackwardContext ctx, String weight, String s) {
        return ctx.delegate(exact(ctx), s, 1, weight)[0];
    }

    private static long[] unbatched(long[] shape) {
        long[] one = shape.clone();
        one[0] = 1;
        return one;
    }
}
