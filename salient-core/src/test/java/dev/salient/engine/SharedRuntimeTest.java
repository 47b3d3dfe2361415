package dev.salient.engine;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Salient creates ONNX Runtime's environment with one shared thread pool (the library and the tests all ask
 * {@link SharedRuntime} for it), and models on that pool compute what a model with threads of its own computes.
 */
class SharedRuntimeTest {
    @Test
    void sharedPoolAndOwnThreadsGiveTheSameGradient() {
        assertThat(SharedRuntime.sharedPool()).isTrue();
        OnnxModel model = OnnxModel.load(SharedData.mobileNetV2());
        long[] shape = {1, 3, 224, 224};
        float[] x = new float[3 * 224 * 224];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 251) / 250f;
        }
        float[] seed = new float[1001];
        seed[17] = 1f;
        try (DifferentiableModel pooled = DifferentiableModel.open(model, "input", "logits", shape, EngineOptions.DEFAULT);
             DifferentiableModel own = DifferentiableModel.open(model, "input", "logits", shape, new EngineOptions(1, 2))) {
            float[] a;
            float[] b;
            try (var sa = pooled.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1);
                 var sb = own.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1)) {
                a = sa.run(x, seed, 1).inputGradient();
                b = sb.run(x, seed, 1).inputGradient();
            }
            double diff = 0;
            double norm = 0;
            for (int i = 0; i < a.length; i++) {
                diff += (a[i] - b[i]) * (double) (a[i] - b[i]);
                norm += a[i] * (double) a[i];
            }
            assertThat(norm).isPositive();
            assertThat(Math.sqrt(diff / norm)).isLessThan(1e-5);
            float[] fa = pooled.forward(x, 1);
            float[] fb = own.forward(x, 1);
            assertThat(Arrays.equals(fa, fb) || maxAbsDiff(fa, fb) < 1e-4).isTrue();
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
