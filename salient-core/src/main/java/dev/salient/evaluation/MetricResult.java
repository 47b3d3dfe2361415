package dev.salient.evaluation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a metric found for one case.
 *
 * @param metric the metric's name
 * @param scores named numbers: those of {@link Metric#scores()} in its order, then any details (the probabilities
 *               behind average drop, the hottest point of the pointing game); a metric that could not be computed
 *               for this case, e.g. the pointing game without boxes, reports none and says why in {@code flags}
 * @param curves the curves behind the scores, if any
 * @param flags  warnings for people, e.g. that a map failed the sanity check
 * @param cost   single-image model evaluations it took: forward passes for perturbation metrics, recomputed maps
 *               for the model-randomisation check, 0 for metrics of the map alone
 */
public record MetricResult(String metric, Map<String, Double> scores, List<Curve> curves, List<String> flags,
                           long cost) {
    public MetricResult {
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        curves = List.copyOf(curves);
        flags = List.copyOf(flags);
    }

    /** @throws IllegalArgumentException naming the scores there are */
    public double score(String name) {
        Double v = scores.get(name);
        if (v == null) {
            throw new IllegalArgumentException("metric " + metric + " has no score '" + name + "' (has "
                    + scores.keySet() + ")");
        }
        return v;
    }
}
