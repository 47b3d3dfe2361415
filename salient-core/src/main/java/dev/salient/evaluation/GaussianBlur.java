package dev.salient.evaluation;

import dev.salient.attribution.ImageGeometry;

/**
 * Separable Gaussian blur, kernel truncated at ⌈3σ⌉ and normalised, edges clamped: the blurred-photo substrate of
 * {@link Insertion} (RISE's σ = 5) and the local statistics of {@link Ssim} (σ = 1.5, 11 taps).
 *
 * @param sigma standard deviation in pixels (&gt; 0)
 */
record GaussianBlur(double sigma) {
    GaussianBlur {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("blur sigma must be a number > 0: " + sigma);
        }
    }

    double[] kernel() {
        int radius = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /** Blurs one h × w plane (row-major). */
    double[] plane(double[] p, int h, int w) {
        double[] k = kernel();
        int r = k.length / 2;
        double[] tmp = new double[p.length];
        double[] out = new double[p.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double acc = 0;
                for (int i = -r; i <= r; i++) {
                    acc += k[i + r] * p[y * w + Math.min(Math.max(x + i, 0), w - 1)];
                }
                tmp[y * w + x] = acc;
            }
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double acc = 0;
                for (int i = -r; i <= r; i++) {
                    acc += k[i + r] * tmp[Math.min(Math.max(y + i, 0), h - 1) * w + x];
                }
                out[y * w + x] = acc;
            }
        }
        return out;
    }

    /** Blurs each channel of an image stored in {@code g}'s layout. */
    float[] image(float[] x, ImageGeometry g) {
        int h = g.height();
        int w = g.width();
        float[] out = new float[x.length];
        double[] p = new double[h * w];
        for (int c = 0; c < g.channels(); c++) {
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    p[y * w + xx] = x[g.index(c, y, xx)];
                }
            }
            double[] b = plane(p, h, w);
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    out[g.index(c, y, xx)] = (float) b[y * w + xx];
                }
            }
        }
        return out;
    }
}
