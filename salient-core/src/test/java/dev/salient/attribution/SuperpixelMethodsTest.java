package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.image.Layout;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.salient.attribution.GradientMethodsTest.relativeError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * KernelSHAP and LIME over SLIC superpixels: exact Shapley values when every coalition is enumerated (checked against
 * the Shapley formula on the small CNN), the segment weights of a linear model recovered exactly, sampled KernelSHAP
 * converging to the exact values and LIME to its large-sample fit, efficiency, and seeded reproducibility on the
 * real MobileNetV2 whatever the batch size.
 */
class SuperpixelMethodsTest {
    private static final long BUDGET = Batching.DEFAULT_MEMORY_BUDGET;

    private static KernelShap shap(int coalitions, int superpixels, long seed, int batch) {
        return new KernelShap(new SuperpixelSampling(coalitions, superpixels, 200, seed, batch, BUDGET));
    }

    private static Lime lime(int coalitions, int superpixels, double ridge, long seed, int batch) {
        return new Lime(new Lime.Params(new SuperpixelSampling(coalitions, superpixels, 200, seed, batch, BUDGET), 0.25,
                ridge));
    }

    /** Each superpixel's value, read from the map where its first pixel is. */
    static double[] perSuperpixel(float[] map, Superpixels segments, ImageGeometry geo) {
        int[][] members = segments.members();
        double[] v = new double[segments.count()];
        for (int s = 0; s < v.length; s++) {
            assertThat(members[s]).as("superpixel " + s + " has pixels").isNotEmpty();
            int p = members[s][0];
            v[s] = map[geo.index(0, p / geo.width(), p % geo.width())];
            for (int q : members[s]) {
                assertThat(map[geo.index(geo.channels() - 1, q / geo.width(), q % geo.width())])
                        .as("one value per superpixel").isEqualTo((float) v[s]);
            }
        }
        return v;
    }

    /** φ_j = Σ_{S ∌ j} |S|! (M−|S|−1)! / M! · (v(S ∪ {j}) − v(S)), every v from the game. */
    private static double[] shapleyByFormula(SuperpixelGame game) {
        int m = game.players();
        boolean[][] all = new boolean[1 << m][m];
        for (int s = 0; s < all.length; s++) {
            for (int j = 0; j < m; j++) {
                all[s][j] = (s >> j & 1) == 1;
            }
        }
        double[] v = game.values(all, ProgressListener.NONE, "test");
        double[] factorial = new double[m + 1];
        factorial[0] = 1;
        for (int i = 1; i <= m; i++) {
            factorial[i] = factorial[i - 1] * i;
        }
        double[] phi = new double[m];
        for (int j = 0; j < m; j++) {
            for (int s = 0; s < all.length; s++) {
                if ((s >> j & 1) == 0) {
                    int size = Integer.bitCount(s);
                    phi[j] += factorial[size] * factorial[m - size - 1] / factorial[m] * (v[s | 1 << j] - v[s]);
                }
            }
        }
        return phi;
    }

    private static double relative(double[] actual, double[] expected) {
        double d = 0;
        double e = 0;
        for (int i = 0; i < actual.length; i++) {
            d += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            e += expected[i] * expected[i];
        }
        return Math.sqrt(d / e);
    }

    private static DifferentiableModel smallCnn() {
        return DifferentiableModel.open(TestNets.smallCnn(), TestNets.INPUT, TestNets.OUTPUT, new long[]{1, 3, 32, 32},
                EngineOptions.DEFAULT);
    }

    private static AttributionRequest birdOn(DifferentiableModel model, int size, int target) {
        return new AttributionRequest(model, Fixtures.image("bird.bmp", size), target, TargetHead.LOGIT, Layout.NCHW,
                new float[]{0.1f, 0.2f, 0.3f}, new float[]{1, 1, 1});
    }

    @Test
    void enumeratingEveryCoalitionGivesTheShapleyValuesAndSampledOnesConvergeToThem() {
        try (DifferentiableModel model = smallCnn()) {
            AttributionRequest request = birdOn(model, 32, 3);
            SuperpixelGame game = new SuperpixelSampling(1, 16, 200, 0, 64, BUDGET).game(request);
            int m = game.players();
            assertThat(m).as("superpixels of the 32×32 bird").isBetween(9, 14);
            double[] exact = shapleyByFormula(game);
            Attribution enumerated = shap((1 << m) - 2, 16, 0, 64).attribute(request);
            assertThat(enumerated.diagnostic("exact")).isEqualTo(1.0);
            double[] phi = perSuperpixel(enumerated.values(), game.segments(), request.geometry());
            System.out.printf("KernelSHAP, all %d coalitions of M=%d superpixels: %.2e relative L2 to the Shapley "
                    + "formula%n", (1 << m) - 2, m, relative(phi, exact));
            assertThat(relative(phi, exact)).isLessThan(1e-5);

            StringBuilder line = new StringBuilder("KernelSHAP sampled, relative L2 to exact Shapley (mean of 4 seeds):");
            double previous = Double.MAX_VALUE;
            for (int n : new int[]{16, 64, 256}) {
                double error = 0;
                for (long seed = 0; seed < 4; seed++) {
                    Attribution a = shap(n, 16, seed, 64).attribute(request);
                    assertThat(a.diagnostic("exact")).isEqualTo(0.0);
                    error += relative(perSuperpixel(a.values(), game.segments(), request.geometry()), exact) / 4;
                }
                line.append(String.format(" n=%d %.3f", n, error));
                assertThat(error).as("n = " + n).isLessThan(previous);
                previous = error;
            }
            System.out.println(line);
            assertThat(previous).isLessThan(0.1);
        }
    }

    @Test
    void limeConvergesToItsLargeSampleFit() {
        try (DifferentiableModel model = smallCnn()) {
            AttributionRequest request = birdOn(model, 32, 3);
            float[] reference = lime(8192, 8, 1, 99, 64).attribute(request).values();
            StringBuilder line = new StringBuilder("LIME, relative L2 to its fit on 8192 coalitions (mean of 4 seeds):");
            double previous = Double.MAX_VALUE;
            for (int n : new int[]{32, 128, 512}) {
                double error = 0;
                for (long seed = 0; seed < 4; seed++) {
                    error += relativeError(lime(n, 8, 1, seed, 64).attribute(request).values(), reference) / 4;
                }
                line.append(String.format(" n=%d %.3f", n, error));
                assertThat(error).as("n = " + n).isLessThan(previous);
                previous = error;
            }
            System.out.println(line);
            assertThat(previous).isLessThan(0.15);
        }
    }

    /**
     * On a linear model v(z) = v(∅) + Σ_j z_j g_j with g_j = v({j}) − v(∅), so the Shapley values and an unpenalised
     * LIME fit are both g, from any sample that spans the superpixels.
     */
    @Test
    void bothRecoverTheSegmentWeightsOfALinearModel() {
        try (DifferentiableModel model = DifferentiableModel.open(TestNets.linear(), TestNets.INPUT, TestNets.OUTPUT,
                new long[]{1, 3, 16, 16}, EngineOptions.DEFAULT)) {
            AttributionRequest request = birdOn(model, 16, 2);
            SuperpixelGame game = new SuperpixelSampling(1, 12, 200, 0, 16, BUDGET).game(request);
            int m = game.players();
            boolean[][] singles = new boolean[m + 1][m];
            for (int j = 0; j < m; j++) {
                singles[j + 1][j] = true;
            }
            double[] v = game.values(singles, ProgressListener.NONE, "test");
            double[] g = new double[m];
            for (int j = 0; j < m; j++) {
                g[j] = v[j + 1] - v[0];
            }
            double[] shap = perSuperpixel(shap(200, 12, 5, 16).attribute(request).values(), game.segments(),
                    request.geometry());
            double[] lime = perSuperpixel(lime(200, 12, 0, 5, 16).attribute(request).values(), game.segments(),
                    request.geometry());
            System.out.printf("linear model, M=%d: KernelSHAP %.2e, LIME %.2e relative L2 to the segment weights%n",
                    m, relative(shap, g), relative(lime, g));
            assertThat(relative(shap, g)).isLessThan(1e-4);
            assertThat(relative(lime, g)).isLessThan(1e-4);
        }
    }

    @Test
    void onMobileNetSeededMapsRepeatAcrossBatchSizesDifferAcrossSeedsAndShapIsEfficient() {
        DifferentiableModel model = Fixtures.mobileNetV2();
        float[] bird = Fixtures.image("bird.bmp");
        AttributionRequest request = new AttributionRequest(model, bird, Fixtures.top1(model.forward(bird, 1)),
                TargetHead.LOGIT, Layout.NCHW);
        Attribution a = shap(40, 50, 3, 16).attribute(request);
        assertThat(shap(40, 50, 3, 16).attribute(request).values()).containsExactly(a.values());
        assertThat(relativeError(shap(40, 50, 3, 7).attribute(request).values(), a.values()))
                .as("batch 7").isLessThan(1e-4);
        assertThat(relativeError(shap(40, 50, 4, 16).attribute(request).values(), a.values()))
                .as("another seed").isGreaterThan(1e-2);
        Superpixels segments = Superpixels.slic(request, 50, 200);
        double sum = Arrays.stream(perSuperpixel(a.values(), segments, request.geometry())).sum();
        double delta = a.diagnostic("targetScore") - a.diagnostic("baselineScore");
        System.out.printf("KernelSHAP on MobileNetV2 (M=%d, 40 coalitions): Σφ = %.5f, F(x) − F(black) = %.5f%n",
                segments.count(), sum, delta);
        assertThat(sum).isCloseTo(delta, org.assertj.core.data.Offset.offset(1e-4 * Math.abs(delta)));

        Attribution l = lime(40, 50, 1, 3, 16).attribute(request);
        assertThat(lime(40, 50, 1, 3, 16).attribute(request).values()).containsExactly(l.values());
        assertThat(relativeError(lime(40, 50, 1, 3, 7).attribute(request).values(), l.values()))
                .as("batch 7").isLessThan(1e-4);
        assertThat(relativeError(lime(40, 50, 1, 4, 16).attribute(request).values(), l.values()))
                .as("another seed").isGreaterThan(1e-2);
    }

    /** Progress counts every forward pass up to the total; a cancel between chunks stops each method. */
    @Test
    void progressReachesTheTotalAndCancellingStops() {
        try (DifferentiableModel model = smallCnn()) {
            AttributionRequest request = birdOn(model, 32, 3);
            List<AttributionMethod> methods = List.of(shap(40, 16, 0, 8), lime(40, 16, 1, 0, 8),
                    new Xrai(new Xrai.Params(6, Xrai.PathBaselines.BLACK_AND_WHITE, new double[]{50, 500}, 2, 4,
                            BUDGET)));
            for (AttributionMethod method : methods) {
                int[] last = new int[2];
                method.attribute(request, (done, total) -> {
                    assertThat(done).as(method.name()).isBetween(last[0], total);
                    last[0] = done;
                    last[1] = total;
                });
                assertThat(last[0]).as(method.name() + " finished").isEqualTo(last[1]).isGreaterThanOrEqualTo(12);
                int[] calls = new int[1];
                ProgressListener cancelAfterFirstChunk = new ProgressListener() {
                    @Override
                    public void progress(int done, int total) {
                        calls[0]++;
                    }

                    @Override
                    public boolean cancelled() {
                        return calls[0] > 1;
                    }
                };
                assertThatThrownBy(() -> method.attribute(request, cancelAfterFirstChunk)).as(method.name())
                        .isInstanceOf(java.util.concurrent.CancellationException.class);
                assertThat(calls[0]).as(method.name() + " stopped early").isLessThan(5);
            }
        }
    }

    /** One superpixel gets the whole difference; more superpixels than pixels is still a partition of the image. */
    @Test
    void theParameterLimitsRun() {
        try (DifferentiableModel model = DifferentiableModel.open(TestNets.linear(), TestNets.INPUT, TestNets.OUTPUT,
                new long[]{1, 3, 16, 16}, EngineOptions.DEFAULT)) {
            AttributionRequest request = birdOn(model, 16, 1);
            Attribution one = shap(5, 1, 0, 4).attribute(request);
            assertThat(one.diagnostic("superpixels")).isEqualTo(1.0);
            assertThat((double) one.values()[0]).isCloseTo(one.diagnostic("targetScore") - one.diagnostic("baselineScore"),
                    org.assertj.core.data.Offset.offset(1e-5));
            for (AttributionMethod method : List.<AttributionMethod>of(shap(50, 500, 0, 16), lime(50, 500, 1, 0, 16),
                    lime(50, 1, 1, 0, 16))) {
                Attribution a = method.attribute(request);
                for (float v : a.values()) {
                    assertThat(Float.isFinite(v)).as(method.name()).isTrue();
                }
            }
            Superpixels many = Superpixels.slic(request, 500, 200);
            assertThat(many.count()).isLessThanOrEqualTo(256);
            assertThat(Arrays.stream(many.members()).mapToInt(m -> m.length).sum()).isEqualTo(256);
        }
    }
}
