package dev.salient.evaluation;

import ai.onnx.proto.OnnxMl;
import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.ProgressListener;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.graph.OnnxModel;
import dev.salient.graph.TensorData;
import dev.salient.image.Layout;
import dev.salient.render.ChannelAggregation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Rectangle;
import java.util.*;
import java.util.concurrent.CancellationException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Metric arithmetic on hand-built models whose answer is known in closed form. The linear model has
 * z_1 = w·x + b and z_0 = 0, so p_1 = σ(z_1), and gradient × input gives each pixel p its exact contribution
 * s_p = Σ_c x_cp w_cp: deleting a set D of pixels (to black, 0) leaves p_1 = σ(b + Σ_{p∉D} s_p).
 */
class MetricArithmeticTest {
    private static final int H = 6;
    private static final int W = 6;
    private static final int PIXELS = H * W;
    private static final float BIAS = 0.5f;
    private static DifferentiableModel linear;
    private static float[] weights;
    private static float[] x;
    private static double[] contribution;

    @BeforeAll
    static void build() {
        Random random = new Random(7);
        int n = TinyModels.CHANNELS * PIXELS;
        weights = new float[n * 2];
        x = new float[n];
        for (int i = 0; i < n; i++) {
            weights[i * 2 + 1] = (float) (random.nextGaussian() * 0.4);
            x[i] = random.nextFloat();
        }
        linear = TinyModels.linear(H, W, weights, new float[]{0, BIAS});
        contribution = new double[PIXELS];
        for (int p = 0; p < PIXELS; p++) {
            for (int c = 0; c < TinyModels.CHANNELS; c++) {
                contribution[p] += (double) x[c * PIXELS + p] * weights[(c * PIXELS + p) * 2 + 1];
            }
        }
    }

    @AfterAll
    static void close() {
        linear.close();
    }

    private static AttributionRequest request() {
        return new AttributionRequest(linear, x, 1, TargetHead.LOGIT, Layout.NCHW);
    }

    private static EvaluationCase gradientTimesInput() {
        return EvaluationCase.explain("tiny", AttributionMethods.create("gradient-x-input"), request(),
                ChannelAggregation.SIGNED_MEAN, null, ProgressListener.NONE);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** Pixels by decreasing contribution (all distinct here). */
    private static Integer[] byContribution() {
        Integer[] order = new Integer[PIXELS];
        for (int p = 0; p < PIXELS; p++) {
            order[p] = p;
        }
        Arrays.sort(order, (a, b) -> Double.compare(contribution[b], contribution[a]));
        return order;
    }

    @Test
    void deletionCurveOfGradientTimesInputOnALinearModelIsTheSigmoidOfTheRemainingContributions() {
        int k = 8; // n_i = ⌊36·i/8⌋ = 0, 4, 9, 13, 18, 22, 27, 31, 36
        MetricResult r = new Deletion(Deletion.DEFAULTS.withSteps(k).withSubstrate(Substrate.BLACK)).evaluate(gradientTimesInput(), ProgressListener.NONE);
        Curve curve = r.curves().get(0);
        Integer[] order = byContribution();
        double[] expected = new double[k + 1];
        double[] fraction = new double[k + 1];
        for (int i = 0; i <= k; i++) {
            int deleted = PIXELS * i / k;
            double z = BIAS;
            for (int j = deleted; j < PIXELS; j++) {
                z += contribution[order[j]];
            }
            expected[i] = sigmoid(z);
            fraction[i] = (double) deleted / PIXELS;
        }
        assertThat(curve.x()).containsExactly(fraction, within(1e-12));
        assertThat(curve.y()).containsExactly(expected, within(2e-6));
        double auc = 0;
        for (int i = 0; i < k; i++) {
            auc += (fraction[i + 1] - fraction[i]) * (expected[i] + expected[i + 1]) / 2;
        }
        assertThat(r.score("auc")).isCloseTo(auc, within(2e-6));
        assertThat(r.cost()).isEqualTo(k + 1);
    }

    @Test
    void deletionByPatchesRemovesWholePatchesInTheOrderOfTheirMeanRelevance() {
        // 4-pixel patches on a 6×6 input: a 2×2 grid of a 4×4, a 2×4, a 4×2 and a 2×2 patch (edges cut short)
        int side = 4;
        MetricResult r = new Deletion(Deletion.DEFAULTS.withSteps(4).withPatch(side).withSubstrate(Substrate.BLACK))
                .evaluate(gradientTimesInput(), ProgressListener.NONE);
        double[] total = new double[4];
        double[] mean = new double[4];
        int[] size = new int[4];
        for (int p = 0; p < PIXELS; p++) {
            int u = p / W / side * 2 + p % W / side;
            total[u] += contribution[p];
            size[u]++;
        }
        Integer[] order = {0, 1, 2, 3};
        for (int u = 0; u < 4; u++) {
            mean[u] = total[u] / size[u];
        }
        Arrays.sort(order, (a, b) -> Double.compare(mean[b], mean[a]));
        double z = BIAS + Arrays.stream(contribution).sum();
        int removed = 0;
        Curve curve = r.curves().get(0);
        assertThat(curve.y()[0]).isCloseTo(sigmoid(z), within(2e-6));
        for (int i = 1; i <= 4; i++) {
            z -= total[order[i - 1]];
            removed += size[order[i - 1]];
            assertThat(curve.y()[i]).as("step %d", i).isCloseTo(sigmoid(z), within(2e-6));
            assertThat(curve.x()[i]).isEqualTo((double) removed / PIXELS);
        }
    }

    @Test
    void insertionCurveOnALinearModelAddsTheContributionsInOrder() {
        int k = 12;
        Insertion insertion = new Insertion(Insertion.DEFAULTS.withSteps(k).withSubstrate(Substrate.BLACK));
        Curve curve = insertion.evaluate(gradientTimesInput(), ProgressListener.NONE).curves().get(0);
        Integer[] order = byContribution();
        for (int i = 0; i <= k; i++) {
            double z = BIAS;
            for (int j = 0; j < PIXELS * i / k; j++) {
                z += contribution[order[j]];
            }
            assertThat(curve.y()[i]).as("step %d", i).isCloseTo(sigmoid(z), within(2e-6));
        }
    }

    @Test
    void gradientTimesInputIsTheBestPossibleDeletionOrderOnALinearModelAndBeatsRandom() {
        // removing the largest contributions first minimises every partial sum, hence every point of the curve
        Deletion deletion = new Deletion(Deletion.DEFAULTS.withSteps(PIXELS).withSubstrate(Substrate.BLACK));
        EvaluationCase best = gradientTimesInput();
        double bestAuc = deletion.evaluate(best, ProgressListener.NONE).score("auc");
        for (long seed = 1; seed <= 5; seed++) {
            float[] shuffled = new float[PIXELS * TinyModels.CHANNELS];
            Random random = new Random(seed);
            for (int i = 0; i < shuffled.length; i++) {
                shuffled[i] = random.nextFloat();
            }
            Attribution other = new Attribution(shuffled, new long[]{3, H, W}, true, Map.of());
            double auc = deletion.evaluate(best.withMap(Baselines.random(), other), ProgressListener.NONE).score("auc");
            assertThat(bestAuc).isLessThan(auc);
        }
        double random = deletion.evaluate(best.withMap(Baselines.random(), Baselines.random().attribute(request())),
                ProgressListener.NONE).score("auc");
        assertThat(bestAuc).isLessThan(random);
    }

    @Test
    void averageDropMasksThePhotoByThePositivePartOfTheMap() {
        MetricResult r = new AverageDrop().evaluate(gradientTimesInput(), ProgressListener.NONE);
        double max = Arrays.stream(contribution).max().orElseThrow();
        double zMasked = BIAS;
        double z = BIAS;
        for (int p = 0; p < PIXELS; p++) {
            zMasked += Math.max(0, contribution[p]) / max * contribution[p];
            z += contribution[p];
        }
        double y = sigmoid(z);
        double o = sigmoid(zMasked);
        assertThat(r.score("original")).isCloseTo(y, within(2e-6));
        assertThat(r.score("masked")).isCloseTo(o, within(2e-6));
        assertThat(r.score("drop")).isCloseTo(100 * Math.max(0, y - o) / y, within(1e-3));
        assertThat(r.score("increase")).isEqualTo(o > y ? 100.0 : 0.0);
    }

    @Test
    void roadOnAFlatPhotoImputesThePhotoItselfSoNothingChanges() {
        float[] flat = new float[x.length];
        Arrays.fill(flat, 0.4f);
        AttributionRequest r = new AttributionRequest(linear, flat, 1, TargetHead.LOGIT, Layout.NCHW);
        EvaluationCase c = EvaluationCase.explain("flat", AttributionMethods.create("gradient"), r,
                ChannelAggregation.SIGNED_MEAN, null, ProgressListener.NONE);
        MetricResult result = new Road(new Road.Params(new double[]{0.25, 0.5, 0.75}, 0, 4, 0))
                .evaluate(c, ProgressListener.NONE);
        double p = TargetProbability.softmax(linear.forward(flat, 1), 0, 2, 1);
        assertThat(result.curves()).hasSize(2);
        for (Curve curve : result.curves()) {
            double[] flatCurve = new double[curve.y().length];
            Arrays.fill(flatCurve, p);
            assertThat(curve.y()).containsExactly(flatCurve, within(1e-6));
        }
        assertThat(result.score("gap")).isCloseTo(0, within(1e-6));
        assertThat(result.cost()).isEqualTo(6);
    }

    @Test
    void linearImputationReproducesALinearRampInsideTheImageAndSolvesItsEquations() {
        ImageGeometry g = new ImageGeometry(3, 10, 12, Layout.NCHW);
        float[] ramp = new float[g.size()];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 10; y++) {
                for (int xx = 0; xx < 12; xx++) {
                    ramp[g.index(c, y, xx)] = 0.3f + 0.1f * c + 0.05f * y - 0.02f * xx;
                }
            }
        }
        boolean[] removed = new boolean[120];
        for (int y = 3; y <= 6; y++) {
            for (int xx = 4; xx <= 8; xx++) {
                removed[y * 12 + xx] = true;
            }
        }
        removed[12 + 1] = true;
        removed[8 * 12 + 10] = true;
        float[] imputed = new NoisyLinearImputer(0).impute(ramp, g, removed, new SplittableRandom(1));
        assertThat(imputed).containsExactly(ramp, within(1e-5f));

        // on a noisy photo with a removed border pixel, each imputed value is the weighted mean of its neighbours
        Random random = new Random(3);
        float[] photo = new float[g.size()];
        for (int i = 0; i < photo.length; i++) {
            photo[i] = random.nextFloat();
        }
        removed[0] = true;
        float[] v = new NoisyLinearImputer(0).impute(photo, g, removed, new SplittableRandom(1));
        for (int p = 0; p < 120; p++) {
            if (!removed[p]) {
                continue;
            }
            int y = p / 12;
            int xx = p % 12;
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                double weight = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int ny = y + dy;
                        int nx = xx + dx;
                        if ((dy == 0 && dx == 0) || ny < 0 || ny >= 10 || nx < 0 || nx >= 12) {
                            continue;
                        }
                        double w = dy != 0 && dx != 0 ? 1.0 / 12 : 1.0 / 6;
                        sum += w * v[g.index(c, ny, nx)];
                        weight += w;
                    }
                }
                assertThat((double) v[g.index(c, y, xx)]).isCloseTo(sum / weight, within(1e-5));
            }
            assertThat(v[g.index(0, y, xx)]).isNotEqualTo(photo[g.index(0, y, xx)]);
        }
        // noise is added to imputed pixels only
        float[] noisy = new NoisyLinearImputer(0.1).impute(photo, g, removed, new SplittableRandom(1));
        for (int p = 0; p < 120; p++) {
            boolean changed = noisy[g.index(1, p / 12, p % 12)] != v[g.index(1, p / 12, p % 12)];
            assertThat(changed).isEqualTo(removed[p]);
        }
    }

    @Test
    void giniIsZeroForAFlatMapAndOneMinusOneOverNForASinglePixel() {
        float[] flat = new float[100];
        Arrays.fill(flat, -2f);
        assertThat(Complexity.gini(flat)).isCloseTo(0, within(1e-12));
        float[] one = new float[100];
        one[42] = -5f;
        assertThat(Complexity.gini(one)).isCloseTo(1 - 1 / 100.0, within(1e-12));
        // two equal spikes among four: sorted |c| = 0, 0, 1, 1 → 1 − 2·(½·1.5/4 + ½·0.5/4) = 0.5
        assertThat(Complexity.gini(new float[]{0, 3, 0, -3})).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void spearmanAndSsimOnMapsWithKnownAnswers() {
        float[] a = {1, 1, 2};
        float[] b = {1, 2, 3};
        // ranks (1.5, 1.5, 3) and (1, 2, 3): covariance 1.5, variances 1.5 and 2
        assertThat(MapSimilarity.spearman(a, b)).isCloseTo(1.5 / Math.sqrt(3), within(1e-12));
        float[] m = new float[64];
        float[] cubed = new float[64];
        float[] reversed = new float[64];
        Random random = new Random(5);
        for (int i = 0; i < 64; i++) {
            m[i] = random.nextFloat() - 0.5f;
            cubed[i] = m[i] * m[i] * m[i];
            reversed[i] = -m[i];
        }
        assertThat(MapSimilarity.spearman(m, cubed)).isCloseTo(1, within(1e-12));
        assertThat(MapSimilarity.spearman(m, reversed)).isCloseTo(-1, within(1e-12));
        assertThat(MapSimilarity.spearmanOfMagnitudes(m, reversed)).isCloseTo(1, within(1e-12));
        assertThat(MapSimilarity.ssim(m, m, 8, 8)).isCloseTo(1, within(1e-9));
        assertThat(MapSimilarity.ssim(m, new float[64], 8, 8)).isLessThan(0.1);
    }

    @Test
    void pointingGameCarriesTheHottestPixelIntoThePhotoAndAllowsFifteenPixels() {
        float[] map = new float[3 * PIXELS];
        for (int c = 0; c < 3; c++) {
            map[c * PIXELS + W + 4] = 1; // (x 4, y 1): centre (4.5, 1.5) → photo (45, 7.5) on a 60×30 photo
        }
        Attribution a = new Attribution(map, new long[]{3, H, W}, true, Map.of());
        Rectangle whole = new Rectangle(0, 0, 60, 30);
        PointingGame game = new PointingGame();
        for (double[] box : new double[][]{{55, 0, 60, 30}, {60, 0, 61, 30}, {60.5, 0, 70, 30}}) {
            GroundTruth truth = new GroundTruth(new ObjectBoxes(60, 30,
                    List.of(new ObjectBoxes.Box("thing", box[0], box[1], box[2], box[3]))), whole);
            EvaluationCase c = EvaluationCase.of("p", Baselines.random(), request(), a, ChannelAggregation.SIGNED_MEAN,
                    truth);
            MetricResult r = game.evaluate(c, ProgressListener.NONE);
            assertThat(r.score("x")).isEqualTo(45.0);
            assertThat(r.score("y")).isEqualTo(7.5);
            assertThat(r.score("distance")).isEqualTo(box[0] - 45);
            assertThat(r.score("hit")).isEqualTo(box[0] - 45 <= 15 ? 100.0 : 0.0);
        }
        // a centre crop: the model saw x 15..45 of the photo
        GroundTruth cropped = new GroundTruth(new ObjectBoxes(60, 30,
                List.of(new ObjectBoxes.Box("thing", 37, 0, 38, 30))), new Rectangle(15, 0, 30, 30));
        MetricResult r = game.evaluate(EvaluationCase.of("p", Baselines.random(), request(), a,
                ChannelAggregation.SIGNED_MEAN, cropped), ProgressListener.NONE);
        assertThat(r.score("x")).isEqualTo(15 + 4.5 * 5);
        assertThat(r.score("distance")).isEqualTo(0.0);
        assertThat(game.evaluate(gradientTimesInput(), ProgressListener.NONE).scores()).isEmpty();
    }

    @Test
    void ranksMostRelevantFirstWithTiesInASeededShuffleAndNaNLast() {
        float[] r = {0.5f, -1f, 2f, 0.5f, Float.NaN, -0f, 0f};
        int[] order = Relevance.mostRelevantFirst(r, 0);
        assertThat(order[0]).isEqualTo(2);
        assertThat(new int[]{order[1], order[2]}).containsExactlyInAnyOrder(0, 3);
        assertThat(new int[]{order[3], order[4]}).containsExactlyInAnyOrder(5, 6);
        assertThat(order[5]).isEqualTo(1);
        assertThat(order[6]).isEqualTo(4);
        assertThat(Relevance.mostRelevantFirst(r, 0)).containsExactly(order);
        float[] flat = new float[1000];
        int[] a = Relevance.mostRelevantFirst(flat, 1);
        assertThat(a).isNotEqualTo(Relevance.mostRelevantFirst(flat, 2));
        assertThat(Arrays.stream(a).limit(100).average().orElseThrow()).as("not row order").isGreaterThan(200);
    }

    @Test
    void layerMapsAreUpsampledToTheInput() {
        Attribution coarse = new Attribution(new float[]{1, 2, 3, 4}, new long[]{2, 2}, false, Map.of());
        var map = Relevance.of(coarse, new ImageGeometry(3, 4, 4, Layout.NCHW), ChannelAggregation.SIGNED_MEAN);
        assertThat(map.width()).isEqualTo(4);
        assertThat(map.get(0, 0)).isEqualTo(1f);
        assertThat(map.get(3, 3)).isEqualTo(4f);
        assertThat(map.get(1, 0)).isCloseTo(1.25f, within(1e-6f)); // a quarter of the way from 1 to 2
    }

    @Test
    void batchesReportProgressAndStopWhenCancelled() {
        Deletion deletion = new Deletion(new PixelCurve.Params(8, Substrate.BLACK, 5, 2, 0, 1));
        List<int[]> seen = new ArrayList<>();
        deletion.evaluate(List.of(gradientTimesInput(), gradientTimesInput()), (done, total) -> seen.add(new int[]{done, total}));
        assertThat(seen.get(seen.size() - 1)).containsExactly(18, 18);
        assertThat(seen).allSatisfy(p -> assertThat(p[0]).isBetween(0, 18));
        int[] calls = {0};
        assertThatThrownBy(() -> deletion.evaluate(gradientTimesInput(), new ProgressListener() {
            @Override
            public void progress(int done, int total) {
                calls[0]++;
            }

            @Override
            public boolean cancelled() {
                return calls[0] > 1;
            }
        })).isInstanceOf(CancellationException.class);
        assertThat(calls[0]).isLessThan(5);
    }

    @Test
    void randomisationRedrawsLayersFromTheTopWithTheirOwnMeanAndStdTheSameAtEveryDepth() {
        Random random = new Random(11);
        int in = 3 * 4 * 4;
        float[] w1 = new float[in * 16];
        float[] w2 = new float[16 * 2];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) (0.2 + 0.5 * random.nextGaussian());
        }
        for (int i = 0; i < w2.length; i++) {
            w2[i] = (float) random.nextGaussian();
        }
        try (DifferentiableModel m = TinyModels.twoLayer(4, 4, w1, new float[16], w2, new float[2])) {
            OnnxModel model = m.model();
            List<ModelRandomisation.Layer> layers = ModelRandomisation.layers(model);
            assertThat(layers).extracting(ModelRandomisation.Layer::op).containsExactly("Gemm", "Gemm");
            ModelRandomisation check = new ModelRandomisation(new ModelRandomisation.Params(2, 3));
            assertThat(check.depths(2)).containsExactly(1, 2);
            OnnxModel top = check.randomised(model, layers, 1);
            OnnxModel all = check.randomised(model, layers, 2);
            String first = layers.get(0).initializers().get(0);
            String second = layers.get(1).initializers().get(0);
            assertThat(floats(top, first)).containsExactly(w1);
            assertThat(floats(top, second)).isNotEqualTo(w2).containsExactly(floats(all, second));
            float[] redrawn = floats(all, first);
            assertThat(redrawn).isNotEqualTo(w1);
            assertThat(mean(redrawn)).isCloseTo(mean(w1), within(0.05));
            assertThat(std(redrawn)).isCloseTo(std(w1), within(0.05));
        }
    }

    @Test
    void sanityCheckPassesTheGradientOfALinearModelAndFlagsAMapThatIgnoresTheModel() {
        int side = 16;
        Random random = new Random(13);
        float[] w = new float[3 * side * side * 2];
        float[] photo = new float[3 * side * side];
        for (int i = 0; i < photo.length; i++) {
            w[2 * i + 1] = (float) random.nextGaussian();
            photo[i] = random.nextFloat();
        }
        try (DifferentiableModel m = TinyModels.linear(side, side, w, new float[]{0, 0})) {
            AttributionRequest r = new AttributionRequest(m, photo, 1, TargetHead.LOGIT, Layout.NCHW);
            List<EvaluationCase> cases = List.of(
                    EvaluationCase.explain("p", AttributionMethods.create("gradient"), r, ChannelAggregation.SIGNED_MEAN,
                            null, ProgressListener.NONE),
                    EvaluationCase.explain("p", Baselines.random(), r, ChannelAggregation.SIGNED_MEAN, null,
                            ProgressListener.NONE));
            EvaluationReport report = EvaluationReport.run(cases, List.of(new ModelRandomisation()), ProgressListener.NONE);
            MetricResult gradient = report.result("sanity-check", "p", "gradient");
            MetricResult baseline = report.result("sanity-check", "p", "random");
            // the gradient of a linear model is its weight column: redrawn weights, an unrelated map
            assertThat(Math.abs(gradient.score("spearman-abs"))).isLessThan(0.3);
            assertThat(gradient.flags()).isEmpty();
            assertThat(baseline.score("spearman-abs")).isEqualTo(1.0);
            assertThat(baseline.flags()).singleElement().asString().contains("fails the sanity check");
            assertThat(report.failsSanityCheck("random")).isTrue();
            assertThat(report.failsSanityCheck("gradient")).isFalse();
            assertThat(gradient.curves().get(0).x()).containsExactly(0, 1);
        }
    }

    private static float[] floats(OnnxModel model, String initializer) {
        OnnxMl.TensorProto t = model.initializers().get(initializer);
        return TensorData.floats(t);
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f;
        }
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float f : v) {
            s += (f - m) * (f - m);
        }
        return Math.sqrt(s / v.length);
    }
}
