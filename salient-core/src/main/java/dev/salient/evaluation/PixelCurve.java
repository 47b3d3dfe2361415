package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.ProgressListener;

import java.util.List;

/**
 * Shared machinery of {@link Deletion} and {@link Insertion}: the input after the {@code n_i = ⌊i·HW/k⌋} most
 * relevant pixels (all channels) were taken from a second image, for i = 0…k, all through the forward session in
 * batches; the curve of the class probability against i/k and its area.
 */
abstract sealed class PixelCurve extends PerCaseMetric permits Deletion, Insertion {
    /**
     * @param steps     k, points on the curve after the first (≥ 1)
     * @param substrate what removed pixels become (deletion) or what the start image is (insertion)
     * @param blurSigma σ in pixels of the {@link Substrate#BLUR} substrate
     * @param batch     perturbed inputs per forward run
     * @param seed      shuffles pixels of equal relevance ({@link Relevance#mostRelevantFirst})
     * @see Deletion#DEFAULTS
     * @see Insertion#DEFAULTS
     */
    public record Params(int steps, Substrate substrate, double blurSigma, int batch, long seed) {
        public Params {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be at least 1: " + steps);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be at least 1: " + batch);
            }
            if (!(blurSigma > 0)) {
                throw new IllegalArgumentException("blur sigma must be > 0: " + blurSigma);
            }
        }

        public Params withSubstrate(Substrate s) {
            return new Params(steps, s, blurSigma, batch, seed);
        }

        public Params withSteps(int k) {
            return new Params(k, substrate, blurSigma, batch, seed);
        }
    }

    private final Params params;

    PixelCurve(Params params) {
        this.params = params;
    }

    public Params params() {
        return params;
    }

    /** Whether the curve starts from the photo and removes pixels (true) or starts from the substrate. */
    abstract boolean deleting();

    @Override
    int cost(EvaluationCase c) {
        return params.steps() + 1;
    }

    @Override
    public MetricResult evaluate(EvaluationCase c, ProgressListener progress) {
        AttributionRequest r = c.request();
        ImageGeometry g = r.geometry();
        float[] photo = r.input();
        float[] substrate = params.substrate().image(r, params.blurSigma());
        float[] start = deleting() ? photo : substrate;
        float[] source = deleting() ? substrate : photo;
        int[] order = Relevance.mostRelevantFirst(c.relevance().values(), params.seed());
        int pixels = order.length;
        int k = params.steps();
        int w = g.width();
        double[] p = TargetProbability.of(r, k + 1, params.batch(), (i, dst, offset) -> {
            System.arraycopy(start, 0, dst, offset, start.length);
            long n = (long) i * pixels / k;
            for (int j = 0; j < n; j++) {
                int y = order[j] / w;
                int x = order[j] % w;
                for (int ch = 0; ch < g.channels(); ch++) {
                    int idx = g.index(ch, y, x);
                    dst[offset + idx] = source[idx];
                }
            }
        }, progress, name());
        double[] fraction = new double[k + 1];
        for (int i = 0; i <= k; i++) {
            fraction[i] = (double) ((long) i * pixels / k) / pixels;
        }
        Curve curve = new Curve(name(), deleting() ? "fraction of pixels deleted" : "fraction of pixels inserted",
                "probability of the class", fraction, p);
        return new MetricResult(name(), java.util.Map.of("auc", curve.area()), List.of(curve), List.of(), k + 1L);
    }
}
