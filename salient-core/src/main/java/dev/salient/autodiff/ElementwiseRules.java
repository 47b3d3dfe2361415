package dev.salient.autodiff;

import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

import java.util.List;
import java.util.Map;

/** Arithmetic with numpy broadcasting, and ops that pass the gradient through unchanged. */
final class ElementwiseRules {
    private ElementwiseRules() {}

    static void register(Map<String, GradientRule> table) {
        // d(a+b) = da + db, each summed back over the axes it was broadcast along
        table.put("Add", ctx -> {
            ctx.addGradient(0, toInput(ctx, 0, ctx.dy()));
            ctx.addGradient(1, toInput(ctx, 1, ctx.dy()));
        });
        table.put("Sub", ctx -> {
            ctx.addGradient(0, toInput(ctx, 0, ctx.dy()));
            if (ctx.needsGradient(1)) {
                ctx.addGradient(1, toInput(ctx, 1, ctx.graph().op("Neg", ctx.dy())));
            }
        });
        // d(a·b) = b·da + a·db
        table.put("Mul", ctx -> {
            GraphBuilder g = ctx.graph();
            if (ctx.needsGradient(0)) {
                ctx.addGradient(0, toInput(ctx, 0, g.op("Mul", ctx.dy(), ctx.input(1))));
            }
            if (ctx.needsGradient(1)) {
                ctx.addGradient(1, toInput(ctx, 1, g.op("Mul", ctx.dy(), ctx.input(0))));
            }
        });
        // d(a/b) = da/b − (a/b)/b·db
        table.put("Div", ctx -> {
            GraphBuilder g = ctx.graph();
            if (ctx.needsGradient(0)) {
                ctx.addGradient(0, toInput(ctx, 0, g.op("Div", ctx.dy(), ctx.input(1))));
            }
            if (ctx.needsGradient(1)) {
                String quotient = g.op("Div", ctx.output(0), ctx.input(1));
                ctx.addGradient(1, toInput(ctx, 1, g.op("Neg", g.op("Mul", ctx.dy(), quotient))));
            }
        });
        table.put("Sum", ctx -> {
            for (int i = 0; i < ctx.inputCount(); i++) {
                if (ctx.needsGradient(i)) {
                    ctx.addGradient(i, toInput(ctx, i, ctx.dy()));
                }
            }
        });
        table.put("Neg", ctx -> ctx.addGradient(0, ctx.graph().op("Neg", ctx.dy())));
        // d exp(x) = exp(x) dx
        table.put("Exp", ctx -> ctx.addGradient(0, ctx.graph().op("Mul", ctx.dy(), ctx.output(0))));
        // d log(x) = dx / x
        table.put("Log", ctx -> ctx.addGradient(0, ctx.graph().op("Div", ctx.dy(), ctx.input(0))));
        // d sqrt(x) = dx / (2 sqrt(x))
        table.put("Sqrt", ctx -> {
            GraphBuilder g = ctx.graph();
            ctx.addGradient(0, g.op("Div", g.op("Mul", ctx.dy(), g.constScalar(0.5f)), ctx.output(0)));
        });
        // d(1/x) = −dx / x²
        table.put("Reciprocal", ctx -> {
            GraphBuilder g = ctx.graph();
            String ySquared = g.op("Mul", ctx.output(0), ctx.output(0));
            ctx.addGradient(0, g.op("Neg", g.op("Mul", ctx.dy(), ySquared)));
        });
        GradientRule passThrough = ctx -> ctx.addGradient(0, ctx.dy());
        table.put("Identity", passThrough);
        table.put("Dropout", passThrough); // inference: Dropout is the identity; its mask output is not differentiable
        table.put("Cast", ctx -> ctx.addGradient(0, ctx.graph().op("Cast", List.of(ctx.dy()),
                Attributes.ofInt("to", ctx.elementType(ctx.input(0))))));
        table.put("Constant", ctx -> { });
    }

    /** The gradient of a broadcast operand: the output gradient summed down to that operand's shape. */
    static String toInput(BackwardContext ctx, int input, String gradient) {
        if (!ctx.needsGradient(input)) {
            return null;
        }
        return ctx.graph().reduceToShape(gradient, ctx.shape(ctx.output(0)), ctx.shape(ctx.input(input)));
    }
}
