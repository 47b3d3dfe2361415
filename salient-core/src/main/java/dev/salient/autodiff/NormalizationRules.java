package dev.salient.autodiff;

import ai.onnx.proto.OnnxMl;
import dev.salient.graph.GraphBuilder;
import dev.salient.graph.TensorShapes;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.LongStream;

/**
 * Normalisation over the items' own statistics (layer, instance and group normalisation): y = γ·x̂ + β with
 * x̂ = (x − μ)·σ⁻¹, μ and σ² the mean and variance over the normalised axes. Unlike inference-mode batch
 * normalisation, μ and σ depend on x, so the gradient has the two correction terms of {@link #throughNormalization}.
 * Scale and bias must be constants (weights).
 */
final class NormalizationRules {
    private NormalizationRules() {}

    static void register(Map<String, GradientRule> table) {
        table.put("LayerNormalization", new GradientRule() {
            @Override
            public void backward(BackwardContext ctx) {
                layerNormalization(ctx);
            }

            /** Exposes the Mean and InvStdDev outputs ONNX Runtime computes anyway, so the rule need not recompute them. */
            @Override
            public OnnxMl.NodeProto prepareForward(OnnxMl.NodeProto node, ForwardRewriter rewriter) {
                OnnxMl.NodeProto.Builder b = node.toBuilder();
                while (b.getOutputCount() < 3) {
                    b.addOutput("");
                }
                String[] hints = {null, "layernorm_mean", "layernorm_inv_std"};
                for (int k = 1; k < 3; k++) {
                    if (b.getOutput(k).isEmpty()) {
                        b.setOutput(k, rewriter.freshName(hints[k]));
                    }
                }
                return b.build();
            }
        });
        table.put("InstanceNormalization", NormalizationRules::instanceNormalization);
        table.put("GroupNormalization", NormalizationRules::groupNormalization);
    }

    /**
     * The gradient through x̂ = (x − μ)·σ⁻¹ over {@code axes}, given g = dy·γ:
     * dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)).
     */
    static String throughNormalization(GraphBuilder g, String grad, String normalized, String invStd, long[] axes) {
        String meanGrad = g.reduceMean(grad, axes, true);
        String meanProjection = g.reduceMean(g.op("Mul", grad, normalized), axes, true);
        String centred = g.op("Sub", g.op("Sub", grad, meanGrad), g.op("Mul", normalized, meanProjection));
        return g.op("Mul", centred, invStd);
    }

    private static void requireConstantAffine(BackwardContext ctx) {
        if (ctx.needsGradient(1) || ctx.needsGradient(2)) {
            throw ctx.unsupported("its scale or bias depends on the input (only constant weights are supported)");
        }
    }

    /** LayerNormalization (opset 17): statistics over the axes from {@code axis} to the last, γ and β over the same. */
    private static void layerNormalization(BackwardContext ctx) {
        requireConstantAffine(ctx);
        if (ctx.outputGradient(1) != null || ctx.outputGradient(2) != null) {
            throw ctx.unsupported("its Mean and InvStdDev outputs feed the target (training graphs are not supported)");
        }
        GraphBuilder g = ctx.graph();
        String x = ctx.input(0);
        int rank = ctx.shape(x).length;
        int axis = ShapeRules.normalizeAxis(ctx.intAttr("axis", -1), rank);
        long[] axes = LongStream.range(axis, rank).toArray();
        String invStd = ctx.output(2);
        String normalized = g.op("Mul", g.op("Sub", x, ctx.output(1)), invStd);
        String grad = g.op("Mul", ctx.dy(), ctx.input(1));
        ctx.addGradient(0, throughNormalization(g, grad, normalized, invStd, axes));
    }

    /** InstanceNormalization: statistics over the spatial axes of each item and channel; γ, β per channel [C]. */
    private static void instanceNormalization(BackwardContext ctx) {
        requireConstantAffine(ctx);
        GraphBuilder g = ctx.graph();
        String x = ctx.input(0);
        long[] shape = ctx.shape(x);
        long[] axes = LongStream.range(2, shape.length).toArray();
        Statistics s = Statistics.of(g, x, axes, ctx.floatAttr("epsilon", 1e-5f));
        long[] channelShape = new long[shape.length - 1];
        Arrays.fill(channelShape, 1);
        channelShape[0] = shape[1];
        String grad = g.op("Mul", ctx.dy(), g.reshape(ctx.input(1), channelShape));
        ctx.addGradient(0, throughNormalization(g, grad, s.normalized(), s.invStd(), axes));
    }

    /**
     * GroupNormalization: statistics over each group of C/G channels (and the spatial axes) of each item, computed
     * on x viewed as [N, G, C/G·spatial]. γ and β are per group [G] at opsets 18–20 and per channel [C] from 21.
     */
    private static void groupNormalization(BackwardContext ctx) {
        requireConstantAffine(ctx);
        GraphBuilder g = ctx.graph();
        String x = ctx.input(0);
        long[] shape = ctx.shape(x);
        long groups = ctx.intAttr("num_groups", 0);
        if (groups <= 0 || shape[1] % groups != 0) {
            throw ctx.unsupported("num_groups " + groups + " does not divide the " + shape[1] + " channels");
        }
        long perGroup = TensorShapes.elementCount(Arrays.copyOfRange(shape, 1, shape.length)) / groups;
        long[] grouped = {shape[0], groups, perGroup};
        long[] axes = {2};
        Statistics s = Statistics.of(g, g.reshape(x, grouped), axes, ctx.floatAttr("epsilon", 1e-5f));
        String grad;
        if (ctx.opset() >= 21) {
            long[] channelShape = new long[shape.length - 1];
            Arrays.fill(channelShape, 1);
            channelShape[0] = shape[1];
            grad = g.reshape(g.op("Mul", ctx.dy(), g.reshape(ctx.input(1), channelShape)), grouped);
        } else {
            grad = g.op("Mul", g.reshape(ctx.dy(), grouped), g.reshape(ctx.input(1), groups, 1));
        }
        String dx = throughNormalization(g, grad, s.normalized(), s.invStd(), axes);
        ctx.addGradient(0, g.reshape(dx, shape));
    }

    /** x̂ and σ⁻¹ = 1/√(mean((x − μ)²) + ε) over {@code axes}, recomputed in the gradient graph. */
    private record Statistics(String normalized, String invStd) {
        static Statistics of(GraphBuilder g, String x, long[] axes, float epsilon) {
            String centred = g.op("Sub", x, g.reduceMean(x, axes, true));
            String variance = g.reduceMean(g.op("Mul", centred, centred), axes, true);
            String invStd = g.op("Reciprocal", g.op("Sqrt", g.op("Add", variance, g.constScalar(epsilon))));
            return new Statistics(g.op("Mul", centred, invStd), invStd);
        }
    }
}
