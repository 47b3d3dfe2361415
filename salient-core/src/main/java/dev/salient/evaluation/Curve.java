package dev.salient.evaluation;

import java.util.Arrays;

/**
 * A curve a metric traced, e.g. the class probability against the fraction of pixels deleted.
 *
 * @param name   e.g. {@code "deletion"}
 * @param xLabel what x measures
 * @param yLabel what y measures
 * @param x      increasing abscissae
 * @param y      one value per x
 */
public record Curve(String name, String xLabel, String yLabel, double[] x, double[] y) {
    public Curve {
        if (x.length != y.length || x.length == 0) {
            throw new IllegalArgumentException("a curve needs as many y as x values (and at least one): "
                    + x.length + " vs " + y.length);
        }
        x = x.clone();
        y = y.clone();
    }

    @Override
    public double[] x() {
        return x.clone();
    }

    @Override
    public double[] y() {
        return y.clone();
    }

    /** Area under the curve by the trapezoidal rule: Σ_i (x_{i+1} − x_i)(y_i + y_{i+1})/2. */
    public double area() {
        double a = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            a += (x[i + 1] - x[i]) * (y[i] + y[i + 1]) / 2;
        }
        return a;
    }

    /** Mean of the y values. */
    public double meanY() {
        return Arrays.stream(y).average().orElse(Double.NaN);
    }
}
