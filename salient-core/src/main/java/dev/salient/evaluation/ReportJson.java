package dev.salient.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

/**
 * The JSON form of metric results and reports, one shape for the command line's {@code results.json} and the web
 * API: a result is {@code {"metric", "scores": {name: value}, "curves": [{"name", "xLabel", "yLabel", "x": [...],
 * "y": [...]}], "flags": [...], "cost"}}; non-finite numbers are written as null.
 */
public final class ReportJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportJson() {}

    public static ObjectNode result(MetricResult r) {
        ObjectNode o = JSON.createObjectNode().put("metric", r.metric());
        ObjectNode scores = o.putObject("scores");
        r.scores().forEach((k, v) -> number(scores, k, v));
        ArrayNode curves = o.putArray("curves");
        for (Curve c : r.curves()) {
            ObjectNode cn = curves.addObject().put("name", c.name()).put("xLabel", c.xLabel()).put("yLabel", c.yLabel());
            ArrayNode x = cn.putArray("x");
            ArrayNode y = cn.putArray("y");
            for (double v : c.x()) {
                x.add(v);
            }
            for (double v : c.y()) {
                if (Double.isFinite(v)) {
                    y.add(v);
                } else {
                    y.addNull();
                }
            }
        }
        ArrayNode flags = o.putArray("flags");
        r.flags().forEach(flags::add);
        o.put("cost", r.cost());
        return o;
    }

    /** A metric's description: name, scores with their direction and meaning. */
    public static ObjectNode metric(Metric m) {
        ObjectNode o = JSON.createObjectNode().put("name", m.name());
        ArrayNode scores = o.putArray("scores");
        for (Score s : m.scores()) {
            scores.addObject().put("name", s.name()).put("higherIsBetter", s.higherIsBetter()).put("meaning", s.meaning());
        }
        return o;
    }

    /**
     * A whole report: {@code {"metrics": [...], "methods": [{"method", "means": {metric: {score: mean}},
     * "failsSanityCheck"}], "results": [{"photo", "method", "class", "metrics": {name: result}}], "millis"}}.
     */
    public static ObjectNode report(EvaluationReport report) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode metrics = root.putArray("metrics");
        report.metrics().forEach(m -> metrics.add(metric(m)));
        ArrayNode methods = root.putArray("methods");
        for (String method : report.methods()) {
            ObjectNode mo = methods.addObject().put("method", method);
            ObjectNode means = mo.putObject("means");
            for (Metric m : report.metrics()) {
                ObjectNode scores = means.putObject(m.name());
                for (Score s : m.scores()) {
                    number(scores, s.name(), report.mean(method, m.name(), s.name()));
                }
            }
            mo.put("failsSanityCheck", report.failsSanityCheck(method));
        }
        ArrayNode results = root.putArray("results");
        for (int i = 0; i < report.cases().size(); i++) {
            EvaluationCase c = report.cases().get(i);
            ObjectNode ro = results.addObject().put("photo", c.photo()).put("method", c.methodName())
                    .put("class", c.request().targetClass());
            ObjectNode byMetric = ro.putObject("metrics");
            for (Map.Entry<String, java.util.List<MetricResult>> e : report.results().entrySet()) {
                byMetric.set(e.getKey(), result(e.getValue().get(i)));
            }
        }
        ObjectNode millis = root.putObject("millis");
        report.millis().forEach(millis::put);
        return root;
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }
}
