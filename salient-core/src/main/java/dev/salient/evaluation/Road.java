package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.Batching;
import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.ProgressListener;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ROAD, RemOve And Debias (Rong, Leemann, Borisov, Kasneci &amp; Kasneci 2022, "A Consistent and Efficient Evaluation
 * Strategy for Attribution Methods"): a fraction q of the pixels is removed, most relevant first (MoRF) or least
 * relevant first (LeRF), and imputed by {@link NoisyLinearImputer noisy linear imputation} instead of a constant,
 * so that the removal's shape leaks no class information; p_c is tracked at q = 10 %, 20 %, …, 90 %.
 * morf = mean_q p_c(MoRF_q) (lower is better), lerf = mean_q p_c(LeRF_q) (higher is better), and the headline
 * gap = lerf − morf (higher is better).
 */
public final class Road extends PerCaseMetric {
    /**
     * @param fractions removal fractions, each in (0, 1)
     * @param noise     standard deviation of the imputation noise as a fraction of the input's value range
     *                  (max − min); the default 0.0025 is ROAD's 0.01 on ImageNet-normalised tensors, whose range
     *                  is about 4
     * @param batch     imputed inputs per forward run; {@link Batching#AUTO}: measured
     * @param seed      noise and tie-breaking seed
     */
    public record Params(double[] fractions, double noise, int batch, long seed) {
        public Params {
            fractions = fractions.clone();
            if (fractions.length == 0) {
                throw new IllegalArgumentException("ROAD needs at least one removal fraction");
            }
            for (double f : fractions) {
                if (!(f > 0 && f < 1)) {
                    throw new IllegalArgumentException("ROAD removal fractions must lie in (0, 1): " + f);
                }
            }
            if (!(noise >= 0)) {
                throw new IllegalArgumentException("ROAD noise must be ≥ 0: " + noise);
            }
            if (batch < 0) {
                throw new IllegalArgumentException("batch must be 0 (measured) or more: " + batch);
            }
        }

        @Override
        public double[] fractions() {
            return fractions.clone();
        }
    }

    public static final Params DEFAULTS = new Params(new double[]{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9},
            0.0025, Batching.DEFAULT_BATCH, 0);

    private final Params params;

    public Road(Params params) {
        this.params = params;
    }

    public Road() {
        this(DEFAULTS);
    }

    @Override
    public String name() {
        return "road";
    }

    @Override
    public List<Score> scores() {
        return List.of(new Score("gap", true, "LeRF minus MoRF mean probability"),
                new Score("morf", false, "mean probability, most relevant pixels imputed"),
                new Score("lerf", true, "mean probability, least relevant pixels imputed"));
    }

    @Override
    int cost(EvaluationCase c) {
        return 2 * params.fractions().length;
    }

    @Override
    public MetricResult evaluate(EvaluationCase c, ProgressListener progress) {
        AttributionRequest r = c.request();
        ImageGeometry g = r.geometry();
        float[] x = r.input();
        double[] q = params.fractions();
        int[] order = Relevance.mostRelevantFirst(c.relevance().values(), params.seed());
        int pixels = order.length;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        NoisyLinearImputer imputer = new NoisyLinearImputer(params.noise() * (max - min));
        int f = q.length;
        double[] p = TargetProbability.of(r, 2 * f, params.batch(), (i, dst, offset) -> {
            boolean morf = i < f;
            int removedCount = (int) Math.min(pixels - 1L, Math.round(q[i % f] * pixels));
            boolean[] removed = new boolean[pixels];
            for (int j = 0; j < removedCount; j++) {
                removed[morf ? order[j] : order[pixels - 1 - j]] = true;
            }
            float[] imputed = imputer.impute(x, g, removed, new SplittableRandom(params.seed() * 1_000_003L + i));
            System.arraycopy(imputed, 0, dst, offset, imputed.length);
        }, progress, name());
        Curve morf = new Curve("road-morf", "fraction of pixels imputed (most relevant first)",
                "probability of the class", q, Arrays.copyOfRange(p, 0, f));
        Curve lerf = new Curve("road-lerf", "fraction of pixels imputed (least relevant first)",
                "probability of the class", q, Arrays.copyOfRange(p, f, 2 * f));
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("gap", lerf.meanY() - morf.meanY());
        scores.put("morf", morf.meanY());
        scores.put("lerf", lerf.meanY());
        return new MetricResult(name(), scores, List.of(morf, lerf), List.of(), 2L * f);
    }
}
