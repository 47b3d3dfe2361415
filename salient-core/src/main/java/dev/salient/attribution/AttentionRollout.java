package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.GradientResult;
import dev.salient.engine.InnerTensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Attention maps of a vision transformer, read from its attention probabilities: the outputs of the Softmax nodes
 * shaped [1, heads, T, T] (or torchvision's [heads, T, T] at batch 1, the batch folded into the heads) with
 * T = extra + H·W tokens ({@link SpatialLayers} reads the grid from T), in network order, as inner tensors. The map
 * is the class token's row of R over the grid tokens, [H, W].
 *
 * <p>Attention rollout (Abnar &amp; Zuidema 2020), class-agnostic: Â_l = rownorm(½·mean_heads(A_l) + ½·I),
 * R = Â_L ⋯ Â_1. Gradient-weighted rollout (Chefer, Gur &amp; Wolf 2021, their gradient·attention rule):
 * Ā_l = mean_heads((∇A_l ⊙ A_l)⁺), R₀ = I, R_l = R_{l−1} + Ā_l·R_{l−1}, ∇A_l the gradient of the class's target.
 * Both read values and gradients from one inner-only gradient pass (rollout ignores the gradients).
 */
public final class AttentionRollout extends GradientMethod {
    private static final MethodTraits TRAITS = new MethodTraits(MethodTraits.MapKind.LAYER, false,
            MethodTraits.Scale.PER_MAP, false, MethodTraits.Cost.ONE_GRADIENT, MethodTraits.Needs.ATTENTION);

    public static final MethodDescription DESCRIPTION = new MethodDescription("attention-rollout",
            "Attention rollout", "class token's row of Π_l rownorm(½·mean_heads(A_l) + ½·I) over the patch tokens "
            + "(Abnar & Zuidema 2020; class-agnostic)", List.of(), TRAITS,
            values -> new AttentionRollout(false));

    public static final MethodDescription GRADIENT_DESCRIPTION = new MethodDescription("attention-gradient-rollout",
            "Gradient attention rollout", "class token's row of R_l = R_{l−1} + mean_heads((∇A_l ⊙ A_l)⁺)·R_{l−1}, "
            + "R₀ = I, over the patch tokens (Chefer, Gur & Wolf 2021)", List.of(), TRAITS,
            values -> new AttentionRollout(true));

    /**
     * One attention-probability tensor.
     *
     * @param name   tensor name
     * @param heads  attention heads
     * @param tokens T
     */
    public record Attention(String name, int heads, int tokens) {}

    private final boolean gradientWeighted;

    /** @param gradientWeighted Chefer et al.'s rule instead of plain rollout */
    public AttentionRollout(boolean gradientWeighted) {
        this.gradientWeighted = gradientWeighted;
    }

    @Override
    public String name() {
        return (gradientWeighted ? GRADIENT_DESCRIPTION : DESCRIPTION).name();
    }

    /**
     * The model's attention probabilities in network order: Softmax outputs that feed the scores, shaped
     * [1, heads, T, T] or [heads, T, T] at batch 1, T a token grid's count; all with the same T.
     *
     * @throws NotApplicableException when there are none (not a transformer)
     */
    public static List<Attention> attentions(DifferentiableModel model) {
        List<Attention> found = new ArrayList<>();
        for (OnnxMl.NodeProto n : model.model().graph().getNodeList()) {
            if (!n.getOpType().equals("Softmax") || !model.shapes().knows(n.getOutput(0))) {
                continue;
            }
            long[] s = model.shapes().at(n.getOutput(0), 1);
            int r = s.length;
            boolean square = r >= 3 && s[r - 1] == s[r - 2] && SpatialLayers.TokenGrid.of(s[r - 1]) != null;
            if (square && (r == 3 || (r == 4 && s[0] == 1))) {
                found.add(new Attention(n.getOutput(0), (int) s[r - 3], (int) s[r - 1]));
            }
        }
        if (found.isEmpty()) {
            throw new NotApplicableException("the model has no attention probabilities (a Softmax output "
                    + "[1, heads, T, T] or [heads, T, T] over T = extra + H·W tokens): attention methods need a "
                    + "vision transformer");
        }
        int tokens = found.get(found.size() - 1).tokens();
        return found.stream().filter(a -> a.tokens() == tokens).toList();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        List<Attention> attentions = attentions(request.model());
        GradientResult r = innerOnly(request, attentions.stream().map(Attention::name).toList());
        int tokens = attentions.get(0).tokens();
        double[] rollout = identity(tokens);
        for (Attention a : attentions) {
            InnerTensor t = r.inner().get(a.name());
            double[] layer = gradientWeighted ? meanPositive(t.value(), t.gradient(), a.heads(), tokens)
                    : meanWithIdentity(t.value(), a.heads(), tokens);
            double[] product = multiply(layer, rollout, tokens);
            if (gradientWeighted) {
                for (int i = 0; i < product.length; i++) {
                    product[i] += rollout[i];
                }
            }
            rollout = product;
        }
        SpatialLayers.TokenGrid grid = SpatialLayers.TokenGrid.of(tokens);
        if (grid.extra() == 0) {
            throw new NotApplicableException("attention over " + tokens + " tokens, all of them patches: "
                    + name() + " reads the class token's row, and the model has none");
        }
        int cells = grid.side() * grid.side();
        float[] map = new float[cells];
        for (int i = 0; i < cells; i++) {
            // row 0: the class token (the first extra token)
            map[i] = (float) rollout[grid.extra() + i];
        }
        progress.progress(1, 1);
        return new Attribution(map, new long[]{grid.side(), grid.side()}, false,
                Map.of("targetScore", (double) r.target()[0], "layers", (double) attentions.size()));
    }

    /** rownorm(½·mean_heads(A) + ½·I), T×T row-major. */
    static double[] meanWithIdentity(float[] attention, int heads, int tokens) {
        double[] m = new double[tokens * tokens];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < m.length; i++) {
                m[i] += 0.5 * attention[h * m.length + i] / heads;
            }
        }
        for (int row = 0; row < tokens; row++) {
            m[row * tokens + row] += 0.5;
            double sum = 0;
            for (int col = 0; col < tokens; col++) {
                sum += m[row * tokens + col];
            }
            for (int col = 0; col < tokens; col++) {
                m[row * tokens + col] /= sum;
            }
        }
        return m;
    }

    /** mean_heads((∇A ⊙ A)⁺), T×T row-major. */
    static double[] meanPositive(float[] attention, float[] gradient, int heads, int tokens) {
        double[] m = new double[tokens * tokens];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < m.length; i++) {
                int k = h * m.length + i;
                m[i] += Math.max(0, (double) attention[k] * gradient[k]) / heads;
            }
        }
        return m;
    }

    static double[] identity(int tokens) {
        double[] m = new double[tokens * tokens];
        for (int i = 0; i < tokens; i++) {
            m[i * tokens + i] = 1;
        }
        return m;
    }

    /** a·b for T×T row-major matrices. */
    static double[] multiply(double[] a, double[] b, int tokens) {
        double[] c = new double[tokens * tokens];
        for (int i = 0; i < tokens; i++) {
            for (int k = 0; k < tokens; k++) {
                double aik = a[i * tokens + k];
                if (aik == 0) {
                    continue;
                }
                for (int j = 0; j < tokens; j++) {
                    c[i * tokens + j] += aik * b[k * tokens + j];
                }
            }
        }
        return c;
    }
}
