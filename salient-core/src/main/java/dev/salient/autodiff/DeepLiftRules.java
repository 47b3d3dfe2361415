package dev.salient.autodiff;

import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

import java.util.List;
import java.util.Set;

/**
 * DeepLIFT's rescale rule (Shrikumar et al. 2017) as backward rules, in Captum's (0.6.0) form. The graph runs a
 * paired batch: the first half the inputs, the second half their references, item i's reference at i + batch/2.
 * Linear ops keep their exact gradient; a nonlinearity y = f(x) passes back dy·Δy/Δx, with Δ the difference
 * between an item and its reference and both halves sharing the multiplier, or its exact gradient where
 * |Δx| &lt; 10⁻¹⁰. MaxPool follows Captum's maxpool rule: with m = max(y, y_ref), the input half routes dy·(m − y_ref),
 * the reference half dy·(y − m), each through its own argmax, and their sum divided by Δx is both halves' multiplier.
 * Then (x − x_ref) ⊙ the first half's input "gradient" sums to F(x) − F(x_ref) (summation to delta).
 */
public final class DeepLiftRules {
    /** Captum's threshold below which |Δx| counts as no change. */
    public static final float EPSILON = 1e-10f;
    private static final Set<String> NONLINEAR = Set.of("Relu", "Clip", "LeakyRelu", "Elu", "Selu", "Celu", "Gelu",
            "Sigmoid", "Tanh", "Softplus", "HardSigmoid");
    private static final RuleTable ACTIVATIONS_ONLY = activations();
    private static final RuleTable RESCALE = ACTIVATIONS_ONLY.with("MaxPool", DeepLiftRules::maxPool)
            .named("deeplift-rescale");

    private DeepLiftRules() {}

    /** The standard table with the rescale rule on every elementwise nonlinearity and Captum's on MaxPool. */
    public static RuleTable rescale() {
        return RESCALE;
    }

    /**
     * The rescale rule on elementwise nonlinearities only, MaxPool keeping its gradient (winner takes all). This is
     * what Captum 0.6.0 computed on the peers' cnn_small under torch 1.13 (2.7e-5 relative L2), though its code has
     * the maxpool rule: its hook on MaxPool did not take effect there. It does not sum to the delta.
     */
    public static RuleTable rescaleActivationsOnly() {
        return ACTIVATIONS_ONLY;
    }

    private static RuleTable activations() {
        RuleTable table = RuleTable.standard();
        for (String op : NONLINEAR) {
            table = table.with(op, DeepLiftRules::rescaleRule);
        }
        return table.named("deeplift-rescale-activations");
    }

    private static void rescaleRule(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        String deltaIn = pairedDifference(ctx, ctx.input(0));
        String deltaOut = pairedDifference(ctx, ctx.output(0));
        String rescaled = g.op("Div", g.op("Mul", ctx.dy(), deltaOut), deltaIn);
        ctx.addGradient(0, orExact(ctx, deltaIn, rescaled));
    }

    private static void maxPool(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        String y = ctx.output(0);
        long[] shape = ctx.shape(y);
        String own = half(g, y, shape, 0);
        String reference = half(g, y, shape, 1);
        String crossMax = g.op("Max", own, reference);
        String deltaOut = g.op("Concat", List.of(g.op("Sub", crossMax, reference), g.op("Sub", own, crossMax)),
                Attributes.ofInt("axis", 0));
        String routed = ctx.delegate(exact(ctx), g.op("Mul", ctx.dy(), deltaOut), -1, null)[0];
        long[] inShape = ctx.shape(ctx.input(0));
        String summed = g.op("Add", half(g, routed, inShape, 0), half(g, routed, inShape, 1));
        String both = g.op("Concat", List.of(summed, summed), Attributes.ofInt("axis", 0));
        String deltaIn = pairedDifference(ctx, ctx.input(0));
        ctx.addGradient(0, orExact(ctx, deltaIn, g.op("Div", both, deltaIn)));
    }

    /** {@code rescaled} where |Δx| ≥ ε, the exact gradient elsewhere (where Δx ≈ 0 the quotient is undefined). */
    private static String orExact(BackwardContext ctx, String deltaIn, String rescaled) {
        GraphBuilder g = ctx.graph();
        String exact = ctx.delegate(exact(ctx), ctx.dy(), -1, null)[0];
        String unchanged = g.op("Less", g.op("Abs", deltaIn), g.constScalar(EPSILON));
        return ActivationRules.where(g, unchanged, exact, rescaled);
    }

    /** [t_in − t_ref, t_in − t_ref]: each item's difference from its reference, for both halves of the batch. */
    private static String pairedDifference(BackwardContext ctx, String tensor) {
        GraphBuilder g = ctx.graph();
        long[] shape = ctx.shape(tensor);
        if (shape.length == 0 || shape[0] % 2 != 0) {
            throw ctx.unsupported("DeepLIFT runs inputs and references as one batch of even size, not "
                    + (shape.length == 0 ? "a scalar" : shape[0]));
        }
        String delta = g.op("Sub", half(g, tensor, shape, 0), half(g, tensor, shape, 1));
        return g.op("Concat", List.of(delta, delta), Attributes.ofInt("axis", 0));
    }

    /** The first (0) or second (1) half of a tensor along the batch axis. */
    private static String half(GraphBuilder g, String tensor, long[] shape, int which) {
        long h = shape[0] / 2;
        return g.slice(tensor, new long[]{which * h}, new long[]{(which + 1) * h}, new long[]{0}, new long[]{1});
    }

    private static GradientRule exact(BackwardContext ctx) {
        return StandardRules.TABLE.rule(ctx.node().getOpType());
    }
}
