package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ProgressListener;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Average drop and increase in confidence (Chattopadhay, Sarkar, Howlader &amp; Balasubramanian 2018, "Grad-CAM++"):
 * the photo is multiplied by the map, M = max(0, r)/max(r) per pixel (pixel values scaled towards black:
 * x' = b + M·(x − b), b the model's black), and the class probability Y_c of the photo compared with O_c of x'.
 * Per photo drop = 100·max(0, Y_c − O_c)/Y_c (lower is better) and increase = 100·[O_c &gt; Y_c] (higher is
 * better); their means over photos are the paper's Average Drop % and Increase in Confidence %.
 */
public final class AverageDrop extends PerCaseMetric {
    /** Both inputs, photo and masked photo, in one forward run. */
    private static final int BATCH = 2;

    @Override
    public String name() {
        return "average-drop";
    }

    @Override
    public List<Score> scores() {
        return List.of(new Score("drop", false, "% of the class probability lost when the photo is masked by the map"),
                new Score("increase", true, "100 if masking by the map raised the probability, else 0"));
    }

    @Override
    int cost(EvaluationCase c) {
        return 2;
    }

    /** The mask M = max(0, r)/max(r) (all zeros when no value is positive). */
    static float[] mask(float[] relevance) {
        float max = Relevance.max(relevance);
        float[] m = new float[relevance.length];
        if (max > 0) {
            for (int i = 0; i < m.length; i++) {
                m[i] = Math.max(0, relevance[i]) / max;
            }
        }
        return m;
    }

    @Override
    public MetricResult evaluate(EvaluationCase c, ProgressListener progress) {
        AttributionRequest r = c.request();
        var g = r.geometry();
        float[] x = r.input();
        float[] black = r.blackImage();
        float[] m = mask(c.relevance().values());
        int w = g.width();
        double[] p = TargetProbability.of(r, 2, BATCH, (i, dst, offset) -> {
            System.arraycopy(x, 0, dst, offset, x.length);
            if (i == 1) {
                for (int y = 0; y < g.height(); y++) {
                    for (int xx = 0; xx < w; xx++) {
                        float mv = m[y * w + xx];
                        for (int ch = 0; ch < g.channels(); ch++) {
                            int idx = g.index(ch, y, xx);
                            dst[offset + idx] = black[idx] + mv * (x[idx] - black[idx]);
                        }
                    }
                }
            }
        }, progress, name());
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("drop", 100 * Math.max(0, p[0] - p[1]) / p[0]);
        scores.put("increase", p[1] > p[0] ? 100.0 : 0.0);
        scores.put("original", p[0]);
        scores.put("masked", p[1]);
        return new MetricResult(name(), scores, List.of(), List.of(), 2);
    }
}
