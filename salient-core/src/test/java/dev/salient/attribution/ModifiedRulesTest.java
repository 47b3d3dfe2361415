package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.Attributes;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.TestGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guided backprop and deconvnet on x → Conv → Relu (or Clip 0..6) → Conv → Flatten → scores. The second conv is
 * linear, so the gradient arriving at the rectifier for class k is exactly W2[k]; the modified rules then equal
 * plain gradients of hand-modified models:
 * guided(W2) = plain gradient with W2 replaced by max(W2, 0); deconvnet(W2) = plain gradient of the model without
 * the rectifier and with max(W2, 0).
 */
class ModifiedRulesTest {
    private static final int C = 4;   // hidden channels
    private static final int S = 5;   // spatial size
    private static final int K = 3;   // classes

    private static OnnxModel model(float[] w1, float[] w2, String rectifier) {
        TestGraph g = new TestGraph(13, 0);
        String h = g.op("Conv", TestGraph.X, g.floats(w1, C, 1, 3, 3), Attributes.ofInts("pads", 1, 1, 1, 1));
        String act = switch (rectifier) {
            case "Relu" -> g.op("Relu", h);
            case "Clip" -> g.op("Clip", List.of(h, g.floats(new float[]{0f}), g.floats(new float[]{6f})));
            default -> h;
        };
        String z = g.op("Conv", act, g.floats(w2, K, C, S, S));
        g.node("Flatten", "flatten", List.of(z), List.of("scores"));
        return g.build(new TestGraph.Port(TestGraph.X, TestGraph.BATCH, 1, S, S),
                new TestGraph.Port("scores", TestGraph.BATCH, K));
    }

    private static float[] gradient(OnnxModel m, RuleTable rules, float[] x, int k) {
        try (DifferentiableModel dm = DifferentiableModel.open(m, "x", "scores", new long[]{1, 1, S, S},
                EngineOptions.DEFAULT);
             var session = dm.gradientSession(TargetHead.LOGIT, rules, List.of(), 1)) {
            float[] seed = new float[K];
            seed[k] = 1;
            return session.run(x, seed, 1).inputGradient();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Relu", "Clip"})
    void onlyPositiveGradientFlowsThroughTheRectifier(String rectifier) {
        Random r = new Random(7);
        float[] w1 = randoms(r, C * 9);
        float[] w2 = randoms(r, K * C * S * S);
        // class 0: every upstream gradient negative; class 1: every one positive; class 2: mixed signs
        for (int i = 0; i < C * S * S; i++) {
            w2[i] = -Math.abs(w2[i]) - 0.01f;
            w2[C * S * S + i] = Math.abs(w2[C * S * S + i]) + 0.01f;
        }
        float[] x = randoms(r, S * S);
        OnnxModel m = model(w1, w2, rectifier);

        float[] plainNeg = gradient(m, RuleTable.standard(), x, 0);
        float[] guidedNeg = gradient(m, ModifiedRules.guided(), x, 0);
        float[] deconvNeg = gradient(m, ModifiedRules.deconvnet(), x, 0);
        assertThat(maxAbs(plainNeg)).as("plain gradient is non-zero").isGreaterThan(1e-3f);
        assertThat(maxAbs(guidedNeg)).as("guided: negative upstream gradient is blocked").isZero();
        assertThat(maxAbs(deconvNeg)).as("deconvnet: negative upstream gradient is blocked").isZero();

        // positive upstream gradient: guided = plain (the forward mask is the same); deconvnet ignores the mask
        assertThat(gradient(m, ModifiedRules.guided(), x, 1)).containsExactly(gradient(m, RuleTable.standard(), x, 1),
                org.assertj.core.data.Offset.offset(1e-5f));

        float[] w2Clamped = w2.clone();
        for (int i = 0; i < w2Clamped.length; i++) {
            w2Clamped[i] = Math.max(0, w2Clamped[i]);
        }
        for (int k = 0; k < K; k++) {
            assertThat(gradient(m, ModifiedRules.guided(), x, k)).as("guided, class %d", k)
                    .containsExactly(gradient(model(w1, w2Clamped, rectifier), RuleTable.standard(), x, k),
                            org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(gradient(m, ModifiedRules.deconvnet(), x, k)).as("deconvnet, class %d", k)
                    .containsExactly(gradient(model(w1, w2Clamped, "none"), RuleTable.standard(), x, k),
                            org.assertj.core.data.Offset.offset(1e-5f));
        }
        // some units are inactive, so deconvnet really differs from guided on the positive class
        assertThat(gradient(m, ModifiedRules.deconvnet(), x, 1)).isNotEqualTo(gradient(m, ModifiedRules.guided(), x, 1));
    }

    private static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static float[] randoms(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
