package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;

import dev.salient.engine.ChunkKind;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Pixel-gradient methods on MobileNetV2 and a real photo. */
class GradientMethodsTest {
    private static DifferentiableModel model;
    private static float[] bird;
    private static int chickadee;

    @BeforeAll
    static void load() {
        model = Fixtures.mobileNetV2();
        bird = Fixtures.image("bird.bmp");
        chickadee = Fixtures.top1(model.forward(bird, 1));
    }

    private static AttributionRequest request(TargetHead head) {
        return new AttributionRequest(model, bird, chickadee, head);
    }

    @Test
    void gradientTimesInputIsTheElementwiseProduct() {
        Attribution g = new VanillaGradient().attribute(request(TargetHead.LOGIT));
        Attribution gx = new GradientTimesInput().attribute(request(TargetHead.LOGIT));
        assertThat(g.shape()).containsExactly(3, 224, 224);
        assertThat(gx.inputShaped()).isTrue();
        for (int i = 0; i < bird.length; i++) {
            assertThat(gx.values()[i]).isEqualTo(bird[i] * g.values()[i]);
        }
        assertThat(g.diagnostic("targetScore")).isEqualTo(model.forward(bird, 1)[chickadee], org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void headsDiffer() {
        float[] logit = new VanillaGradient().attribute(request(TargetHead.LOGIT)).values();
        float[] prob = new VanillaGradient().attribute(request(TargetHead.PROBABILITY)).values();
        assertThat(prob).isNotEqualTo(logit);
    }

    @Test
    void smoothGradWithoutNoiseIsTheVanillaGradient() {
        float[] vanilla = new VanillaGradient().attribute(request(TargetHead.LOGIT)).values();
        SmoothGrad sg = new SmoothGrad(new SmoothGrad.Params(4, 0.0, 1, SmoothGrad.Variant.PLAIN, 4,
                Batching.DEFAULT_MEMORY_BUDGET));
        float[] smooth = sg.attribute(request(TargetHead.LOGIT)).values();
        assertThat(relativeError(smooth, vanilla)).isLessThan(1e-5);
    }

    @Test
    void smoothGradIsReproducibleWithASeedAndVariesAcrossSeeds() {
        List<int[]> progress = new ArrayList<>();
        ProgressListener record = (done, total) -> progress.add(new int[]{done, total});
        float[] a = smooth(SmoothGrad.Variant.PLAIN, 11, 3).attribute(request(TargetHead.LOGIT), record).values();
        float[] b = smooth(SmoothGrad.Variant.PLAIN, 11, 3).attribute(request(TargetHead.LOGIT)).values();
        float[] otherChunks = smooth(SmoothGrad.Variant.PLAIN, 11, 2).attribute(request(TargetHead.LOGIT)).values();
        float[] c = smooth(SmoothGrad.Variant.PLAIN, 12, 3).attribute(request(TargetHead.LOGIT)).values();
        assertThat(b).containsExactly(a);
        assertThat(relativeError(otherChunks, a)).as("chunk size does not change the noise").isLessThan(1e-4);
        assertThat(relativeError(c, a)).as("another seed").isGreaterThan(1e-2);
        // progress after each round: one chunk of 3 per lane, as far as the memory budget lets a round go
        int chunk = fixedChunk(3, Batching.DEFAULT_MEMORY_BUDGET, 6);
        List<Integer> rounds = new ArrayList<>(List.of(0));
        for (int done = 0; done < 6; ) {
            done = Math.min(6, done + chunk * model.lanes());
            rounds.add(done);
        }
        assertThat(progress).extracting(p -> p[0]).containsExactlyElementsOf(rounds);
        assertThat(progress).allSatisfy(p -> assertThat(p[1]).isEqualTo(6));

        float[] squared = smooth(SmoothGrad.Variant.SQUARED, 11, 3).attribute(request(TargetHead.LOGIT)).values();
        float[] var = smooth(SmoothGrad.Variant.VARGRAD, 11, 3).attribute(request(TargetHead.LOGIT)).values();
        for (int i = 0; i < a.length; i += 97) {
            assertThat(squared[i]).isGreaterThanOrEqualTo(0f);
            assertThat(var[i]).isGreaterThanOrEqualTo(0f);
            // E[g²] = Var[g] + E[g]²
            assertThat((double) squared[i]).isCloseTo(var[i] + (double) a[i] * a[i],
                    org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, Math.abs(squared[i]))));
        }
    }

    @Test
    void cancellationStopsBetweenChunks() {
        int[] calls = {0};
        ProgressListener cancelAfterFirst = new ProgressListener() {
            @Override
            public void progress(int done, int total) {
                calls[0]++;
            }

            @Override
            public boolean cancelled() {
                return calls[0] >= 2;
            }
        };
        assertThatThrownBy(() -> smooth(SmoothGrad.Variant.PLAIN, 1, 2).attribute(request(TargetHead.LOGIT),
                cancelAfterFirst)).isInstanceOf(CancellationException.class);
        assertThat(calls[0]).isEqualTo(2); // start + first chunk, then stopped
    }

    private static SmoothGrad smooth(SmoothGrad.Variant v, long seed, int batch) {
        return new SmoothGrad(new SmoothGrad.Params(6, 0.15, seed, v, batch, Batching.DEFAULT_MEMORY_BUDGET));
    }

    @Test
    void integratedGradientsGapShrinksWithSteps() {
        IntegratedGradients.Rule rule = IntegratedGradients.Rule.valueOf(
                System.getProperty("salient.igRule", "GAUSS_LEGENDRE"));
        double[] gaps = new double[3];
        int[] steps = {16, 32, 128};
        for (int i = 0; i < steps.length; i++) {
            IntegratedGradients ig = new IntegratedGradients(new IntegratedGradients.Params(steps[i],
                    rule, new IntegratedGradients.Baseline.Black(), Batching.DEFAULT_BATCH,
                    Batching.DEFAULT_MEMORY_BUDGET));
            Attribution a = ig.attribute(request(TargetHead.LOGIT));
            gaps[i] = a.diagnostic("completenessGap");
            System.out.printf("IG " + rule + " m=%d: gap %.5f (sum %.4f, f(x) %.4f, f(x') %.4f)%n", steps[i], gaps[i],
                    a.diagnostic("attributionSum"), a.diagnostic("targetScore"), a.diagnostic("baselineScore"));
        }
        assertThat(gaps[2]).isLessThan(0.01);
        assertThat(gaps[2]).isLessThan(gaps[0]);
        assertThat(gaps[1]).isLessThan(gaps[0]);
    }

    @Test
    void chunkSizeFollowsTheMemoryBudget() {
        long perItem = Batching.bytesPerItem(model);
        assertThat(perItem).isBetween(20L << 20, 400L << 20); // MobileNetV2: tens of MB of activations per image
        // the budget holds a round: one chunk per lane
        assertThat(fixedChunk(16, 4 * perItem * model.lanes(), 100)).isEqualTo(4);
        assertThat(fixedChunk(16, 4 * perItem, 100)).isEqualTo(Math.max(1, 4 / model.lanes()));
        assertThat(fixedChunk(16, 1, 100)).isEqualTo(1);
        assertThat(fixedChunk(8, Long.MAX_VALUE, 3)).isEqualTo(3);
        assertThat(fixedChunk(2, Long.MAX_VALUE, 100)).isEqualTo(2);
        assertThatThrownBy(() -> fixedChunk(-1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The chunk size a gradient plan with a requested size gives (no measuring: the size is kept within limits). */
    private static int fixedChunk(int requested, long budget, int samples) {
        return Batching.plan(model, ChunkKind.gradient(TargetHead.LOGIT, RuleTable.standard(), List.of()), requested,
                budget, samples).next(samples);
    }

    @Test
    void gaussLegendreNodesIntegratePolynomialsExactly() {
        double[][] q = IntegratedGradients.quadrature(IntegratedGradients.Rule.GAUSS_LEGENDRE, 5);
        for (int p = 0; p <= 9; p++) {
            double s = 0;
            for (int k = 0; k < 5; k++) {
                s += q[1][k] * Math.pow(q[0][k], p);
            }
            assertThat(s).as("∫ a^%d", p).isCloseTo(1.0 / (p + 1), org.assertj.core.data.Offset.offset(1e-12));
        }
        double[][] t = IntegratedGradients.quadrature(IntegratedGradients.Rule.TRAPEZOID, 3);
        assertThat(t[0]).containsExactly(0, 0.5, 1);
        assertThat(t[1]).containsExactly(0.25, 0.5, 0.25);
    }

    @Test
    void baselines() {
        long[] shape = {3, 224, 224};
        float[] blurred = new IntegratedGradients.Baseline.Blurred(4).of(bird, shape, dev.salient.image.Layout.NCHW);
        assertThat(relativeError(blurred, bird)).isBetween(0.01, 0.5);
        float[] noise = new IntegratedGradients.Baseline.UniformNoise(3).of(bird, shape, dev.salient.image.Layout.NCHW);
        assertThat(noise).containsExactly(new IntegratedGradients.Baseline.UniformNoise(3).of(bird, shape, dev.salient.image.Layout.NCHW));
        assertThat(new IntegratedGradients.Baseline.Black().of(bird, shape, dev.salient.image.Layout.NCHW)).containsOnly(0f);
    }

    static double relativeError(float[] actual, float[] expected) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < actual.length; i++) {
            d += (actual[i] - expected[i]) * (double) (actual[i] - expected[i]);
            n += expected[i] * (double) expected[i];
        }
        return Math.sqrt(d / n);
    }
}
