package dev.salient.autodiff;

import dev.salient.graph.GraphBuilder;

import java.util.List;

/**
 * Rule tables that replace the exact backward pass of rectifiers, for visualisation methods.
 * Both override {@code Relu} and {@code Clip} (ReLU6, as in MobileNetV2); every other op keeps its exact rule.
 * <ul>
 *   <li>{@link #guided()} — guided backpropagation (Springenberg et al. 2015): dx = relu(dy)·[forward pass
 *       open], i.e. only positive gradient flows, and only where the unit was active (for Clip: min &lt; x &lt; max).</li>
 *   <li>{@link #deconvnet()} — deconvnet (Zeiler &amp; Fergus 2014): dx = relu(dy), whatever the forward pass did.</li>
 * </ul>
 * The names ("guided", "deconvnet") are for display; sessions are cached by the tables' rules, not their names.
 */
public final class ModifiedRules {
    private static final RuleTable GUIDED = RuleTable.standard()
            .with("Relu", ModifiedRules::guidedRelu)
            .with("Clip", ModifiedRules::guidedClip)
            .named("guided");
    private static final RuleTable DECONVNET = RuleTable.standard()
            .with("Relu", ModifiedRules::positiveOnly)
            .with("Clip", ModifiedRules::positiveOnly)
            .named("deconvnet");

    private ModifiedRules() {}

    public static RuleTable guided() {
        return GUIDED;
    }

    public static RuleTable deconvnet() {
        return DECONVNET;
    }

    private static void guidedRelu(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        ctx.addGradient(0, g.op("Mul", g.op("Relu", ctx.dy()), PassMasks.of(ctx, ctx.output(0), 0f, null)));
    }

    private static void guidedClip(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        String positive = g.op("Relu", ctx.dy());
        String open = ActivationRules.clipPassMask(ctx);
        ctx.addGradient(0, open == null ? positive : g.op("Mul", positive, open));
    }

    private static void positiveOnly(BackwardContext ctx) {
        ctx.addGradient(0, ctx.graph().op("Relu", ctx.dy()));
    }
}
