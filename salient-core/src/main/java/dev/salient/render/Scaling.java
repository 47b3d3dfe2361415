package dev.salient.render;

import java.util.Arrays;

/**
 * How raw attribution values become display intensities: [0, 1] for unsigned scalings (magnitude only),
 * [−1, 1] for signed ones (for a diverging colour map). NaN becomes 0.
 */
public sealed interface Scaling
        permits Scaling.Sensitivity, Scaling.Percentile, Scaling.SignedSensitivity, Scaling.SignedPercentile {

    /** The intensities, one per value. */
    float[] apply(float[] values);

    /** Whether the output keeps the sign, i.e. lies in [−1, 1] rather than [0, 1]. */
    boolean signed();

    /** The original demo: t = clamp(|v| · factor, 0, 1). A fixed factor, so maps are comparable across images. */
    record Sensitivity(double factor) implements Scaling {
        public Sensitivity {
            requirePositive(factor, "factor");
        }

        @Override
        public float[] apply(float[] values) {
            return scaled(values, factor, false);
        }

        @Override
        public boolean signed() {
            return false;
        }
    }

    /**
     * t = clamp(|v| / P, 0, 1) with P the given percentile of |v| over the map (e.g. 99: the top 1 % saturate).
     * Adapts to each map's magnitude; one outlier pixel cannot wash out the rest.
     */
    record Percentile(double percentile) implements Scaling {
        public Percentile {
            requirePercentile(percentile);
        }

        @Override
        public float[] apply(float[] values) {
            return scaled(values, reciprocal(percentileOfMagnitude(values, percentile)), false);
        }

        @Override
        public boolean signed() {
            return false;
        }
    }

    /** t = clamp(v · factor, −1, 1): like {@link Sensitivity} but keeping the sign. */
    record SignedSensitivity(double factor) implements Scaling {
        public SignedSensitivity {
            requirePositive(factor, "factor");
        }

        @Override
        public float[] apply(float[] values) {
            return scaled(values, factor, true);
        }

        @Override
        public boolean signed() {
            return true;
        }
    }

    /** t = clamp(v / P, −1, 1) with P the given percentile of |v|: like {@link Percentile} but keeping the sign. */
    record SignedPercentile(double percentile) implements Scaling {
        public SignedPercentile {
            requirePercentile(percentile);
        }

        @Override
        public float[] apply(float[] values) {
            return scaled(values, reciprocal(percentileOfMagnitude(values, percentile)), true);
        }

        @Override
        public boolean signed() {
            return true;
        }
    }

    /**
     * The p-th percentile (0..100) of |v|, interpolating linearly between order statistics at rank
     * {@code p/100 · (n − 1)} (NumPy's default). If it is 0 (a sparse map: fewer than 1 − p/100 of the values are
     * non-zero) the largest |v| is used instead, so the few non-zero pixels still show.
     */
    public static double percentileOfMagnitude(float[] values, double p) {
        if (values.length == 0) {
            return 0;
        }
        float[] magnitudes = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            magnitudes[i] = Float.isNaN(v) ? 0 : Math.abs(v);
        }
        Arrays.sort(magnitudes);
        double rank = p / 100 * (magnitudes.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, magnitudes.length - 1);
        double value = magnitudes[lo] + (rank - lo) * (magnitudes[hi] - magnitudes[lo]);
        return value > 0 ? value : magnitudes[magnitudes.length - 1];
    }

    private static double reciprocal(double scale) {
        return scale > 0 && Double.isFinite(scale) ? 1 / scale : 0; // all-zero map: everything 0
    }

    private static float[] scaled(float[] values, double factor, boolean signed) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (Double.isNaN(v)) {
                continue;
            }
            double t = signed ? v * factor : Math.abs(v) * factor;
            out[i] = (float) Math.max(signed ? -1 : 0, Math.min(1, t));
        }
        return out;
    }

    private static void requirePositive(double v, String name) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be positive and finite, was " + v);
        }
    }

    private static void requirePercentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], was " + p);
        }
    }
}
