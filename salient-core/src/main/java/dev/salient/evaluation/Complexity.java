package dev.salient.evaluation;

import dev.salient.attribution.ProgressListener;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Complexity as the Gini index of |r| (Hurley &amp; Rickard 2009, "Comparing Measures of Sparsity"; used for
 * attributions by Chalasani et al. 2020): with c_(1) ≤ … ≤ c_(N) the sorted |r|,
 * G = 1 − 2 Σ_k (c_(k)/‖c‖₁)·(N − k + ½)/N, 0 for a flat map and → 1 when one pixel holds all relevance. A cheap
 * figure of how concentrated (higher) or diffuse (lower) a map is; no model evaluation.
 */
public final class Complexity extends PerCaseMetric {
    @Override
    public String name() {
        return "complexity";
    }

    @Override
    public List<Score> scores() {
        return List.of(new Score("gini", true, "Gini index of |map|: 0 flat, 1 all relevance in one pixel"));
    }

    @Override
    int cost(EvaluationCase c) {
        return 0;
    }

    /** The Gini index of the absolute values (0 for an all-zero map). */
    public static double gini(float[] values) {
        int n = values.length;
        double[] c = new double[n];
        double l1 = 0;
        for (int i = 0; i < n; i++) {
            c[i] = Math.abs(values[i]);
            l1 += c[i];
        }
        if (l1 == 0) {
            return 0;
        }
        Arrays.sort(c);
        double s = 0;
        for (int k = 1; k <= n; k++) {
            s += c[k - 1] / l1 * (n - k + 0.5) / n;
        }
        return 1 - 2 * s;
    }

    @Override
    public MetricResult evaluate(EvaluationCase c, ProgressListener progress) {
        ProgressListener.check(progress, name());
        return new MetricResult(name(), Map.of("gini", gini(c.relevance().values())), List.of(), List.of(), 0);
    }
}
