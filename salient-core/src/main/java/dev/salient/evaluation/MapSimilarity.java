package dev.salient.evaluation;

import dev.salient.attribution.IntegratedGradients;
import dev.salient.image.Layout;

import java.util.Arrays;

/**
 * How alike two maps of the same size are, as the sanity check of {@link ModelRandomisation} measures it: Spearman's
 * rank correlation and the structural similarity index (SSIM).
 */
public final class MapSimilarity {
    /** SSIM's constants for values in [0, 1] (Wang et al. 2004): C1 = (0.01·L)², C2 = (0.03·L)², L = 1. */
    private static final double C1 = 1e-4;
    private static final double C2 = 9e-4;
    /** SSIM's Gaussian window: σ = 1.5, truncated at ⌈3σ⌉ = 5 pixels (11 × 11), edges clamped. */
    private static final IntegratedGradients.Baseline.Blurred WINDOW = new IntegratedGradients.Baseline.Blurred(1.5);
    private static final int WINDOW_RADIUS = 5;

    private MapSimilarity() {}

    /**
     * Spearman's ρ: Pearson's correlation of the ranks, ties given their average rank; 0 when either map is constant.
     */
    public static double spearman(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("maps differ in size: " + a.length + " vs " + b.length);
        }
        return pearson(ranks(a), ranks(b));
    }

    /** Spearman's ρ of |a| and |b|. */
    public static double spearmanOfMagnitudes(float[] a, float[] b) {
        return spearman(abs(a), abs(b));
    }

    /**
     * Mean SSIM (Wang, Bovik, Sheikh &amp; Simoncelli 2004) of |a| and |b|, each scaled to [0, 1] by its maximum:
     * SSIM = (2μ_aμ_b + C1)(2σ_ab + C2) / ((μ_a² + μ_b² + C1)(σ_a² + σ_b² + C2)) under a Gaussian window (σ 1.5),
     * averaged over the window positions that lie inside the h × w map (as scikit-image crops its border).
     */
    public static double ssim(float[] a, float[] b, int h, int w) {
        float[] x = scaled(abs(a));
        float[] y = scaled(abs(b));
        float[] xx = new float[x.length];
        float[] yy = new float[x.length];
        float[] xy = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            xx[i] = x[i] * x[i];
            yy[i] = y[i] * y[i];
            xy[i] = x[i] * y[i];
        }
        long[] plane = {1, h, w};
        float[] mx = WINDOW.of(x, plane, Layout.NCHW);
        float[] my = WINDOW.of(y, plane, Layout.NCHW);
        float[] sxx = WINDOW.of(xx, plane, Layout.NCHW);
        float[] syy = WINDOW.of(yy, plane, Layout.NCHW);
        float[] sxy = WINDOW.of(xy, plane, Layout.NCHW);
        int r = WINDOW_RADIUS;
        int y0 = Math.min(r, (h - 1) / 2);
        int x0 = Math.min(r, (w - 1) / 2);
        double sum = 0;
        int n = 0;
        for (int yy0 = y0; yy0 < h - y0; yy0++) {
            for (int xx0 = x0; xx0 < w - x0; xx0++) {
                int i = yy0 * w + xx0;
                double ux = mx[i];
                double uy = my[i];
                double vx = sxx[i] - ux * ux;
                double vy = syy[i] - uy * uy;
                double cov = sxy[i] - ux * uy;
                sum += (2 * ux * uy + C1) * (2 * cov + C2) / ((ux * ux + uy * uy + C1) * (vx + vy + C2));
                n++;
            }
        }
        return sum / n;
    }

    private static float[] abs(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.abs(v[i]);
        }
        return out;
    }

    private static float[] scaled(float[] v) {
        float max = Relevance.max(v);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = max > 0 ? v[i] / max : 0;
        }
        return out;
    }

    /** 1-based ranks, ties averaged. */
    static double[] ranks(float[] values) {
        int n = values.length;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = values[i] + 0.0; // −0 + 0 = +0: the two zeros tie
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (p, q) -> Double.compare(v[p], v[q]));
        double[] rank = new double[n];
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            double average = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                rank[order[k]] = average;
            }
            i = j + 1;
        }
        return rank;
    }

    private static double pearson(double[] a, double[] b) {
        int n = a.length;
        double ma = Arrays.stream(a).average().orElse(0);
        double mb = Arrays.stream(b).average().orElse(0);
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < n; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
    }
}
