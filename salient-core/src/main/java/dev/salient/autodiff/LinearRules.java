package dev.salient.autodiff;

import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

import java.util.List;
import java.util.Map;

/** Matrix products and inference-mode batch normalisation. */
final class LinearRules {
    private LinearRules() {}

    static void register(Map<String, GradientRule> table) {
        table.put("Gemm", LinearRules::gemm);
        table.put("MatMul", LinearRules::matMul);
        table.put("BatchNormalization", LinearRules::batchNormalization);
    }

    /**
     * Y = α·op(A)·op(B) + β·C. dA = α·dY·op(B)ᵀ (transposed back when transA), dB = α·op(A)ᵀ·dY
     * (transposed back when transB), dC = β·dY summed to C's shape.
     */
    private static void gemm(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        float alpha = ctx.floatAttr("alpha", 1f);
        float beta = ctx.floatAttr("beta", 1f);
        long transA = ctx.intAttr("transA", 0);
        long transB = ctx.intAttr("transB", 0);
        String dy = ctx.dy();
        String a = ctx.input(0);
        String b = ctx.input(1);
        if (ctx.needsGradient(0)) {
            String da = transA == 0
                    ? gemm(g, dy, b, alpha, 0, 1 - transB)
                    : gemm(g, b, dy, alpha, transB, 1);
            ctx.addGradient(0, da);
        }
        if (ctx.needsGradient(1)) {
            String db = transB == 0
                    ? gemm(g, a, dy, alpha, 1 - transA, 0)
                    : gemm(g, dy, a, alpha, 1, transA);
            ctx.addGradient(1, db);
        }
        if (ctx.hasInput(2) && ctx.needsGradient(2)) {
            String scaled = beta == 1f ? dy : g.op("Mul", dy, g.constScalar(beta));
            ctx.addGradient(2, g.reduceToShape(scaled, ctx.shape(ctx.output(0)), ctx.shape(ctx.input(2))));
        }
    }

    private static String gemm(GraphBuilder g, String a, String b, float alpha, long transA, long transB) {
        return g.op("Gemm", List.of(a, b), Attributes.ofFloat("alpha", alpha), Attributes.ofInt("transA", transA),
                Attributes.ofInt("transB", transB));
    }

    /**
     * Y = A·B with numpy-style batch broadcasting; 1-D operands are promoted to matrices as numpy does.
     * dA = dY·Bᵀ, dB = Aᵀ·dY, each summed over broadcast batch axes.
     */
    private static void matMul(BackwardContext ctx) {
        GraphBuilder g = ctx.graph();
        long[] aShape = ctx.shape(ctx.input(0));
        long[] bShape = ctx.shape(ctx.input(1));
        String a = ctx.input(0);
        String b = ctx.input(1);
        long[] a2 = aShape;
        long[] b2 = bShape;
        if (aShape.length == 1) {
            a2 = new long[]{1, aShape[0]};
            a = g.reshape(a, a2);
        }
        if (bShape.length == 1) {
            b2 = new long[]{bShape[0], 1};
            b = g.reshape(b, b2);
        }
        int rank = Math.max(a2.length, b2.length);
        long[] y2 = new long[rank];
        for (int i = 0; i < rank - 2; i++) {
            long da = i - (rank - a2.length) >= 0 ? a2[i - (rank - a2.length)] : 1;
            long db = i - (rank - b2.length) >= 0 ? b2[i - (rank - b2.length)] : 1;
            y2[i] = Math.max(da, db);
        }
        y2[rank - 2] = a2[a2.length - 2];
        y2[rank - 1] = b2[b2.length - 1];
        String dy = g.reshape(ctx.dy(), y2);
        if (ctx.needsGradient(0)) {
            String da = g.op("MatMul", dy, g.transpose(b, swapLast(b2.length)));
            da = g.reduceToShape(da, y2.clone(), a2);
            ctx.addGradient(0, aShape.length == 1 ? g.reshape(da, aShape) : da);
        }
        if (ctx.needsGradient(1)) {
            long[] dbShape = y2.clone();
            dbShape[rank - 2] = b2[b2.length - 2];
            String db = g.op("MatMul", g.transpose(a, swapLast(a2.length)), dy);
            db = g.reduceToShape(db, dbShape, b2);
            ctx.addGradient(1, bShape.length == 1 ? g.reshape(db, bShape) : db);
        }
    }

    private static long[] swapLast(int rank) {
        long[] perm = new long[rank];
        for (int i = 0; i < rank; i++) {
            perm[i] = i;
        }
        perm[rank - 1] = rank - 2;
        perm[rank - 2] = rank - 1;
        return perm;
    }

    /** Inference: y = γ(x − μ)/√(σ² + ε) + β, so dx = dy·γ/√(σ² + ε) per channel. */
    private static void batchNormalization(BackwardContext ctx) {
        if (ctx.intAttr("training_mode", 0) != 0 || ctx.node().getOutputCount() > 1
                && !ctx.node().getOutput(1).isEmpty()) {
            throw ctx.unsupported("training-mode batch normalisation is not supported (export the model in eval mode)");
        }
        for (int i = 1; i < 5; i++) {
            if (ctx.needsGradient(i)) {
                throw ctx.unsupported("its parameters depend on the input");
            }
        }
        GraphBuilder g = ctx.graph();
        long[] x = ctx.shape(ctx.input(0));
        String std = g.op("Sqrt", g.op("Add", ctx.input(4), g.constScalar(ctx.floatAttr("epsilon", 1e-5f))));
        String factor = g.op("Div", ctx.input(1), std);
        long[] channelShape = new long[x.length - 1];
        java.util.Arrays.fill(channelShape, 1);
        channelShape[0] = x[1];
        ctx.addGradient(0, g.op("Mul", ctx.dy(), g.reshape(factor, channelShape)));
    }
}
