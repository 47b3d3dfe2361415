package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.image.Layout;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** GradientSHAP on the small seeded CNN: reproducible by seed whatever the chunk size, and converging as n grows. */
class GradientShapTest {
    private static final long BUDGET = Batching.DEFAULT_MEMORY_BUDGET;

    @Test
    void sameSeedSameMapWhateverTheChunkSizeOtherSeedOtherMap() {
        try (DifferentiableModel dm = open()) {
            AttributionRequest request = request(dm);
            float[] a = shap(GradientShap.BaselineSet.NOISE, 24, 0.1, 7, 16).attribute(request).values();
            float[] same = shap(GradientShap.BaselineSet.NOISE, 24, 0.1, 7, 16).attribute(request).values();
            float[] chunked = shap(GradientShap.BaselineSet.NOISE, 24, 0.1, 7, 5).attribute(request).values();
            float[] other = shap(GradientShap.BaselineSet.NOISE, 24, 0.1, 8, 16).attribute(request).values();
            assertThat(same).containsExactly(a);
            assertThat(GradientMethodsTest.relativeError(chunked, a)).as("chunks of 5").isLessThan(1e-5);
            assertThat(GradientMethodsTest.relativeError(other, a)).as("another seed").isGreaterThan(1e-2);
        }
    }

    /**
     * With the black photo as the only baseline and no noise, the expectation is Integrated Gradients from black: the
     * Monte Carlo error against 64-node Gauss–Legendre IG falls roughly as 1/√n.
     */
    @Test
    void convergesToIntegratedGradientsAsSamplesGrow() {
        try (DifferentiableModel dm = open()) {
            AttributionRequest request = request(dm);
            float[] ig = new IntegratedGradients(new IntegratedGradients.Params(64,
                    IntegratedGradients.Rule.GAUSS_LEGENDRE, new IntegratedGradients.Baseline.Black(), 16, BUDGET))
                    .attribute(request).values();
            double few = GradientMethodsTest.relativeError(
                    shap(GradientShap.BaselineSet.BLACK, 16, 0, 3, 16).attribute(request).values(), ig);
            double many = GradientMethodsTest.relativeError(
                    shap(GradientShap.BaselineSet.BLACK, 1024, 0, 3, 64).attribute(request).values(), ig);
            System.out.printf("GradientSHAP (black, σ 0) against IG: n=16 %.3e, n=1024 %.3e relative L2%n", few, many);
            assertThat(many).isLessThan(few / 3).isLessThan(0.1);
        }
    }

    private static GradientShap shap(GradientShap.BaselineSet set, int samples, double noise, long seed, int batch) {
        return new GradientShap(new GradientShap.Params(samples, set, 5, noise, seed, batch, BUDGET));
    }

    private static DifferentiableModel open() {
        return DifferentiableModel.open(TestNets.smallCnn(), TestNets.INPUT, TestNets.OUTPUT, new long[]{1, 3, 32, 32},
                EngineOptions.DEFAULT);
    }

    private static AttributionRequest request(DifferentiableModel dm) {
        // a black away from 0: the bias-free convolutions make the net homogeneous along rays from 0, where every
        // point of the path has the same gradient and any n would match IG exactly
        return new AttributionRequest(dm, TestNets.gaussian(3 * 32 * 32, 4), 2, TargetHead.LOGIT, Layout.NCHW,
                new float[]{0.8f, -0.6f, 0.4f});
    }
}
