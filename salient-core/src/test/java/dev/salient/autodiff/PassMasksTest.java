package dev.salient.autodiff;

import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.GradientResult;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.TestGraph;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static dev.salient.testing.TestGraph.X;
import static dev.salient.testing.TestGraph.f;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rectifier masks are exact at and next to their kinks, where finite differences cannot look: for
 * f(x) = Σ w ⊙ rect(x), the gradient must be w where the rectifier passes its input and 0 where it clamps,
 * for inputs exactly at the bounds, one ulp inside them, tiny and huge. On 16 channels the masks take their
 * blocked form (1×1 convolutions); on 3 channels the plain comparisons; both must agree with the definition.
 */
class PassMasksTest {
    /** Values at, just inside and far from the kinks of ReLU6. */
    private static final float[] RELU6_PROBES = {0f, -0f, -1e-30f, -3f, 6f, 7f, Float.MAX_VALUE, -Float.MAX_VALUE,
            Math.nextDown(6f), Math.nextUp(0f) * 0x1p100f, 1e-20f, 1e-10f, 3f, 5.5f, Float.MIN_NORMAL * 0x1p100f, 1f};
    private static final float[] RELU_PROBES = {0f, -0f, -1f, Float.MIN_NORMAL, 1e-30f, 1f, 1e30f, Float.MAX_VALUE,
            -Float.MAX_VALUE, 2f, Math.nextUp(Float.MIN_NORMAL), 3e-38f, -1e-38f, 5f, 1e-20f, 0.5f};

    @Test
    void relu6MaskIsExactAtTheKinks() {
        for (long channels : new long[]{16, 3}) {
            check("Clip 0..6, " + channels + " channels", channels, RELU6_PROBES, 13,
                    g -> g.op("Clip", List.of(X, g.scalar(0f), g.scalar(6f))), x -> x > 0 && x < 6);
            check("Clip 0..6 attributes, " + channels + " channels", channels, RELU6_PROBES, 10,
                    g -> g.op("Clip", X, f("min", 0f), f("max", 6f)), x -> x > 0 && x < 6);
        }
    }

    @Test
    void reluMaskIsExactAtTheKink() {
        for (long channels : new long[]{16, 3}) {
            check("Relu, " + channels + " channels", channels, RELU_PROBES, 13, g -> g.op("Relu", X), x -> x > 0);
        }
    }

    @Test
    void upperOnlyClipMaskIsExactAtTheKink() {
        float[] probes = {0.3f, Math.nextDown(0.3f), Math.nextUp(0.3f), -1e30f, -Float.MAX_VALUE, 0f, 1f, 0.29f,
                -5f, 0.2999f, 2f, 100f, -0.3f, 1e-30f, 0.15f, 0.31f};
        for (long channels : new long[]{16, 3}) {
            check("Clip max 0.3, " + channels + " channels", channels, probes, 13,
                    g -> g.op("Clip", List.of(X, "", g.scalar(0.3f))), x -> x < 0.3f);
        }
    }

    @Test
    void sessionGraphsUseBlockedMasksAndExportedGraphsComparisons() {
        OnnxModel model = model(16, 13, g -> g.op("Clip", List.of(X, g.scalar(0f), g.scalar(6f))));
        try (DifferentiableModel dm = open(model, 16)) {
            GradientGraphSpec spec = new GradientGraphSpec(X, model.graph().getOutput(0).getName(), TargetHead.LOGIT,
                    List.of(), RuleTable.standard(), 1);
            List<String> session = GradientGraphBuilder.build(model, dm.types(), dm.shapes(), spec).getGraph()
                    .getNodeList().stream().map(n -> n.getOpType()).toList();
            assertThat(session).doesNotContain("Greater", "Less", "And", "Cast").contains("Conv", "Tanh");
            List<String> exported = dm.gradientGraph(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1, true).getGraph()
                    .getNodeList().stream().map(n -> n.getOpType()).toList();
            assertThat(exported).contains("Greater", "Less").doesNotContain("Tanh");
        }
    }

    private interface Passes {
        boolean test(float x);
    }

    private static OnnxModel model(long channels, int opset, Function<TestGraph, String> rectifier) {
        TestGraph g = new TestGraph(opset, 5);
        float[] w = new float[Math.toIntExact(channels * 4)];
        for (int i = 0; i < w.length; i++) {
            w[i] = 1 + i;
        }
        String weighted = g.op("Mul", rectifier.apply(g), g.floats(w, 1, channels, 2, 2));
        return g.build(g.op("Flatten", weighted, TestGraph.i("axis", 1)), new long[]{1, channels, 2, 2});
    }

    private static DifferentiableModel open(OnnxModel model, long channels) {
        return DifferentiableModel.open(model, X, model.graph().getOutput(0).getName(), new long[]{1, channels, 2, 2},
                EngineOptions.DEFAULT);
    }

    private static void check(String name, long channels, float[] probes, int opset,
                              Function<TestGraph, String> rectifier, Passes passes) {
        OnnxModel model = model(channels, opset, rectifier);
        int n = Math.toIntExact(channels * 4);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = probes[i % probes.length];
        }
        float[] seeds = new float[n];
        Arrays.fill(seeds, 1f);
        try (DifferentiableModel dm = open(model, channels);
             var session = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1)) {
            GradientResult r = session.run(x, seeds, 1);
            for (int i = 0; i < n; i++) {
                float expected = passes.test(x[i]) ? 1 + i : 0;
                assertThat(r.inputGradient()[i]).as("%s: x = %s", name, x[i]).isCloseTo(expected,
                        org.assertj.core.data.Offset.offset(1e-6f * (1 + i)));
            }
        }
    }
}
