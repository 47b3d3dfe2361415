package dev.salient.autodiff;

import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

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
        // d erf(x) = (2/√π)·e^(−x²) dx
        table.put("Erf", ctx -> {
            GraphBuilder g = ctx.graph();
            String x = ctx.input(0);
            String gauss = g.op("Exp", g.op("Neg", g.op("Mul", x, x)));
            ctx.addGradient(0, g.op("Mul", ctx.dy(), g.op("Mul", gauss, g.constScalar((float) (2 / Math.sqrt(Math.PI))))));
        });
        table.put("Pow", ElementwiseRules::pow);
        // d|x| = sign(x) dx (0 at 0, as PyTorch)
        table.put("Abs", ctx -> {
            GraphBuilder g = ctx.graph();
            String x = ctx.input(0);
            String sign = g.opset() >= 9 ? g.op("Sign", x)
                    : g.op("Sub", PassMasks.asFloat(g, g.op("Greater", x, g.constScalar(0f))),
                    PassMasks.asFloat(g, g.op("Less", x, g.constScalar(0f))));
            ctx.addGradient(0, g.op("Mul", ctx.dy(), sign));
        });
        table.put("Max", ElementwiseRules::extreme);
        table.put("Min", ElementwiseRules::extreme);
        // y = cond ? a : b: dy goes to a where cond holds and to b elsewhere (cond is boolean: no gradient)
        table.put("Where", ctx -> {
            GraphBuilder g = ctx.graph();
            String zero = g.constScalar(0f);
            if (ctx.needsGradient(1)) {
                ctx.addGradient(1, toInput(ctx, 1, ActivationRules.where(g, ctx.input(0), ctx.dy(), zero)));
            }
            if (ctx.needsGradient(2)) {
                ctx.addGradient(2, toInput(ctx, 2, ActivationRules.where(g, ctx.input(0), zero, ctx.dy())));
            }
        });
        // y = x broadcast to a shape: dx = dy summed over the broadcast axes
        table.put("Expand", ctx -> ctx.addGradient(0, toInput(ctx, 0, ctx.dy())));
        GradientRule passThrough = ctx -> ctx.addGradient(0, ctx.dy());
        table.put("Identity", passThrough);
        table.put("Dropout", passThrough); // inference: Dropout is the identity; its mask output is not differentiable
        table.put("Cast", ctx -> ctx.addGradient(0, ctx.graph().op("Cast", List.of(ctx.dy()),
                Attributes.ofInt("to", ctx.elementType(ctx.input(0))))));
        table.put("Constant", ctx -> { });
    }

    /**
     * d xᵖ = p·xᵖ⁻¹ dx for an exponent p that does not depend on the input (x² → 2x dx). A constant p is folded into
     * the graph; an exponent computed at run time (from weights) is used as it comes.
     */
    private static void pow(BackwardContext ctx) {
        if (ctx.needsGradient(1)) {
            throw ctx.unsupported("its exponent depends on the input (only constant exponents are supported)");
        }
        GraphBuilder g = ctx.graph();
        String x = ctx.input(0);
        String exponent = ctx.input(1);
        float[] p = ctx.constantNumbers(exponent);
        String slope;
        if (p != null && IntStream.range(0, p.length).allMatch(k -> p[k] == p[0])) {
            float v = p[0];
            if (v == 1f) {
                slope = null;
            } else if (v == 0f) {
                slope = g.op("Mul", x, g.constScalar(0f));
            } else if (v == 2f) {
                slope = g.op("Add", x, x);
            } else {
                slope = g.op("Mul", g.op("Pow", x, g.constScalar(v - 1f)), g.constScalar(v));
            }
        } else {
            String e = ctx.elementType(exponent) == ctx.elementType(x) ? exponent
                    : g.op("Cast", List.of(exponent), Attributes.ofInt("to", ctx.elementType(x)));
            slope = g.op("Mul", g.op("Pow", x, g.op("Sub", e, g.constScalar(1f))), e);
        }
        ctx.addGradient(0, toInput(ctx, 0, slope == null ? ctx.dy() : g.op("Mul", ctx.dy(), slope)));
    }

    /**
     * Max and Min (any number of broadcast inputs): the gradient goes to the inputs equal to the output, split
     * evenly where several tie (as PyTorch's maximum): dxᵢ = dy·[xᵢ = y] / Σⱼ[xⱼ = y], summed to xᵢ's shape.
     */
    private static void extreme(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        if (ctx.inputCount() == 1) {
            ctx.addGradient(0, ctx.dy());
            return;
        }
        String[] masks = new String[ctx.inputCount()];
        for (int i = 0; i < masks.length; i++) {
            masks[i] = equalMask(g, ctx.input(i), ctx.output(0));
        }
        String share = g.op("Div", ctx.dy(), g.op("Sum", List.of(masks)));
        for (int i = 0; i < masks.length; i++) {
            if (ctx.needsGradient(i)) {
                ctx.addGradient(i, toInput(ctx, i, g.op("Mul", share, masks[i])));
            }
        }
    }

    /** Float 0/1 mask of a = b, broadcast (Equal takes floats from opset 11; before it, neither a &lt; b nor a &gt; b). */
    static String equalMask(GraphBuilder g, String a, String b) {
        if (g.opset() >= 11) {
            return PassMasks.asFloat(g, g.op("Equal", a, b));
        }
        return PassMasks.asFloat(g, g.op("Not", g.op("Or", g.op("Less", a, b), g.op("Greater", a, b))));
    }

    /** The gradient of a broadcast operand: the output gradient summed down to that operand's shape. */
    static String toInput(BackwardContext ctx, int input, String gradient) {
        if (!ctx.needsGradient(input)) {
            return null;
        }
        return ctx.graph().reduceToShape(gradient, ctx.shape(ctx.output(0)), ctx.shape(ctx.input(input)));
    }
}
