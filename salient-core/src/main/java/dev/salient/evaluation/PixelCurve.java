package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.Batching;
import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.ProgressListener;
import dev.salient.attribution.Rounds;
import dev.salient.render.AttributionMap;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Shared machinery of {@link Deletion} and {@link Insertion}: the input after the {@code n_i = ⌊i·N/k⌋} most
 * relevant of its N units (pixels, or square patches of pixels, all channels) were taken from a second image, for
 * i = 0…k, all through the forward session in batches; the curve of the class probability against the fraction of
 * pixels taken, and its area. A patch's relevance is the mean over its pixels.
 */
abstract sealed class PixelCurve extends PerCaseMetric permits Deletion, Insertion {
    /**
     * @param steps     k, points on the curve after the first (≥ 1)
     * @param substrate what removed pixels become (deletion) or what the start image is (insertion)
     * @param blurSigma σ in pixels of the {@link Substrate#BLUR} substrate
     * @param batch     perturbed inputs per forward run; {@link Batching#AUTO}: measured
     * @param seed      shuffles pixels of equal relevance ({@link Relevance#mostRelevantFirst})
     * @param patch     side of the square units removed together, in pixels (1: single pixels); patches tile the
     *                  input from its top-left corner, those at the right and bottom edges cut short
     * @see Deletion#DEFAULTS
     * @see Insertion#DEFAULTS
     */
    public record Params(int steps, Substrate substrate, double blurSigma, int batch, long seed, int patch) {
        public Params {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be at least 1: " + steps);
            }
            if (batch < 0) {
                throw new IllegalArgumentException("batch must be 0 (measured) or more: " + batch);
            }
            if (patch < 1) {
                throw new IllegalArgumentException("patch must be at least 1 pixel: " + patch);
            }
            if (!(blurSigma > 0)) {
                throw new IllegalArgumentException("blur sigma must be > 0: " + blurSigma);
            }
        }

        public Params withSubstrate(Substrate s) {
            return new Params(steps, s, blurSigma, batch, seed, patch);
        }

        public Params withSteps(int k) {
            return new Params(k, substrate, blurSigma, batch, seed, patch);
        }

        public Params withBatch(int size) {
            return new Params(steps, substrate, blurSigma, size, seed, patch);
        }

        public Params withPatch(int side) {
            return new Params(steps, substrate, blurSigma, batch, seed, side);
        }
    }

    /** The last pixel order of each map still in use ({@link #pixelOrder}); maps are compared by their values. */
    private static final Map<AttributionMap, PixelOrder> ORDERS = Collections.synchronizedMap(new WeakHashMap<>());

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
        int k = params.steps();
        Steps steps = steps(c);
        double[] p = TargetProbability.of(c.request(), k + 1, params.batch(), steps, progress, name());
        double[] fraction = new double[k + 1];
        for (int i = 0; i <= k; i++) {
            fraction[i] = (double) steps.takenAt[i] / steps.order.length;
        }
        Curve curve = new Curve(name(), deleting() ? "fraction of pixels deleted" : "fraction of pixels inserted",
                "probability of the class", fraction, p);
        return new MetricResult(name(), Map.of("auc", curve.area()), List.of(curve), List.of(), k + 1L);
    }

    /** The k + 1 inputs of the curve for a case: pixels ordered by the map, photo and substrate. */
    Steps steps(EvaluationCase c) {
        AttributionRequest r = c.request();
        ImageGeometry g = r.geometry();
        float[] photo = r.input();
        float[] substrate = params.substrate().image(r, params.blurSigma());
        PixelOrder pixelOrder = pixelOrder(c.relevance());
        int[] order = pixelOrder.pixels();
        int[] taken = pixelOrder.taken();
        int units = taken.length - 1;
        int k = params.steps();
        int[] takenAt = new int[k + 1];
        for (int i = 0; i <= k; i++) {
            takenAt[i] = taken[(int) ((long) i * units / k)];
        }
        return deleting() ? new Steps(photo, substrate, order, takenAt, g)
                : new Steps(substrate, photo, order, takenAt, g);
    }

    /**
     * The pixels of a map in the order they are taken, sorted once per map, patch side and seed: kept while the map
     * is in use (weakly), so deletion and insertion of a map share it (its sort was 2 % of their time, JFR).
     */
    private PixelOrder pixelOrder(AttributionMap relevance) {
        PixelOrder known = ORDERS.get(relevance);
        if (known != null && known.side() == params.patch() && known.seed() == params.seed()) {
            return known;
        }
        int w = relevance.width();
        int h = relevance.height();
        int side = params.patch();
        int columns = (w + side - 1) / side;
        int units = columns * ((h + side - 1) / side);
        int[] unitOrder = Relevance.mostRelevantFirst(patchMeans(relevance.values(), w, h, side), params.seed());
        int[] order = new int[w * h];
        int[] taken = new int[units + 1];
        int next = 0;
        for (int u = 0; u < units; u++) {
            int y0 = unitOrder[u] / columns * side;
            int x0 = unitOrder[u] % columns * side;
            for (int y = y0; y < Math.min(y0 + side, h); y++) {
                for (int x = x0; x < Math.min(x0 + side, w); x++) {
                    order[next++] = y * w + x;
                }
            }
            taken[u + 1] = next;
        }
        PixelOrder made = new PixelOrder(side, params.seed(), order, taken);
        ORDERS.put(relevance, made);
        return made;
    }

    /**
     * Pixels (y·W + x) in the order they are taken, and how many of them the first u units hold; read only, shared.
     *
     * @param side patch side the units have
     * @param seed shuffle of equal relevances
     */
    private record PixelOrder(int side, long seed, int[] pixels, int[] taken) {}

    /**
     * The curve's inputs x^(i): {@code start} with the first {@code takenAt[i]} pixels of {@code order} (all channels)
     * from {@code source}. Each is built from the one before, x^(i) = x^(i−1) with pixels takenAt[i−1]…takenAt[i]−1
     * replaced, so a curve writes each pixel once instead of Σ_i takenAt[i] times (≈ 25·HW for 50 steps; that rebuild
     * was 4–5 % of deletion's time on MobileNetV2, JFR).
     */
    static final class Steps implements Rounds.Inputs {
        final float[] start;
        final float[] source;
        /** Pixel indices y·W + x in the order they are taken. */
        final int[] order;
        /** How many pixels of {@code order} input i has taken. */
        final int[] takenAt;
        final ImageGeometry geometry;
        /** {@code start} with the first {@code applied} pixels of {@code order} from {@code source}. */
        private final float[] current;
        private int applied;

        Steps(float[] start, float[] source, int[] order, int[] takenAt, ImageGeometry geometry) {
            this.start = start;
            this.source = source;
            this.order = order;
            this.takenAt = takenAt;
            this.geometry = geometry;
            this.current = start.clone();
        }

        @Override
        public void fill(int item, float[] dst, int offset) {
            int n = takenAt[item];
            if (n < applied) { // asked for an earlier step: start over
                System.arraycopy(start, 0, current, 0, current.length);
                applied = 0;
            }
            int w = geometry.width();
            for (int j = applied; j < n; j++) {
                int y = order[j] / w;
                int x = order[j] % w;
                for (int ch = 0; ch < geometry.channels(); ch++) {
                    int idx = geometry.index(ch, y, x);
                    current[idx] = source[idx];
                }
            }
            applied = n;
            System.arraycopy(current, 0, dst, offset, current.length);
        }
    }

    /** The mean relevance of each side × side patch (row-major over the patch grid); the map itself for side 1. */
    static float[] patchMeans(float[] relevance, int w, int h, int side) {
        if (side == 1) {
            return relevance;
        }
        int columns = (w + side - 1) / side;
        int rows = (h + side - 1) / side;
        double[] sum = new double[columns * rows];
        int[] count = new int[columns * rows];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int u = y / side * columns + x / side;
                sum[u] += relevance[y * w + x];
                count[u]++;
            }
        }
        float[] mean = new float[sum.length];
        for (int u = 0; u < mean.length; u++) {
            mean[u] = (float) (sum[u] / count[u]);
        }
        return mean;
    }
}
