package dev.salient.evaluation;

import dev.salient.attribution.ProgressListener;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pointing game (Zhang, Lin, Brandt, Shen &amp; Sclaroff 2016, "Top-down Neural Attention by Excitation
 * Backprop"): a map hits when its hottest point, carried back into the photo, lies within {@code tolerance} photo
 * pixels of a marked box of the object: hit = [min_box dist(argmax r, box) ≤ 15 px]; accuracy = hits/(hits +
 * misses) over photos, <b>higher is better</b>. Where several pixels share the maximum, the hottest point is their
 * mean position. No model evaluation; a case without boxes is reported without scores.
 */
public final class PointingGame extends PerCaseMetric {
    /** The paper's tolerance, in photo pixels. */
    public static final double DEFAULT_TOLERANCE = 15;

    private final double tolerance;

    public PointingGame(double tolerance) {
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("pointing-game tolerance must be ≥ 0 pixels: " + tolerance);
        }
        this.tolerance = tolerance;
    }

    public PointingGame() {
        this(DEFAULT_TOLERANCE);
    }

    @Override
    public String name() {
        return "pointing-game";
    }

    @Override
    public List<Score> scores() {
        return List.of(new Score("hit", true, "100 if the hottest point is within " + (int) tolerance
                        + " px of the object's box, else 0"),
                new Score("distance", false, "photo pixels from the hottest point to the nearest box"));
    }

    @Override
    int cost(EvaluationCase c) {
        return 0;
    }

    /** The hottest point of a w-wide map, (x, y) in input pixels: the mean position of the maximal values. */
    static double[] hottest(float[] relevance, int w) {
        float max = Relevance.max(relevance);
        double sx = 0;
        double sy = 0;
        int n = 0;
        for (int i = 0; i < relevance.length; i++) {
            if (relevance[i] == max) {
                sx += i % w;
                sy += i / w;
                n++;
            }
        }
        return new double[]{sx / n, sy / n};
    }

    @Override
    public MetricResult evaluate(EvaluationCase c, ProgressListener progress) {
        ProgressListener.check(progress, name());
        if (c.truth() == null) {
            return new MetricResult(name(), Map.of(), List.of(), List.of("no object boxes for " + c.photo()), 0);
        }
        var map = c.relevance();
        double[] point = hottest(map.values(), map.width());
        double[] inPhoto = c.truth().toPhoto(point[0], point[1], map.width(), map.height());
        double distance = c.truth().boxes().distance(inPhoto[0], inPhoto[1]);
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("hit", distance <= tolerance ? 100.0 : 0.0);
        scores.put("distance", distance);
        scores.put("x", inPhoto[0]);
        scores.put("y", inPhoto[1]);
        return new MetricResult(name(), scores, List.of(), List.of(), 0);
    }
}
