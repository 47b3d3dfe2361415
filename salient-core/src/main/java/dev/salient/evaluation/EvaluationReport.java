package dev.salient.evaluation;

import dev.salient.attribution.ProgressListener;

import java.util.*;

/**
 * Every metric run over every case, and the summaries a report shows: each method's mean score over the photos,
 * the methods ranked by a score, the sanity-check verdict.
 *
 * @param metrics the metrics, in report order
 * @param cases   the explained photos, one per photo and method
 * @param results per metric name, one result per case (same order as {@code cases})
 * @param millis  per metric name, the wall time it took
 */
public record EvaluationReport(List<Metric> metrics, List<EvaluationCase> cases, Map<String, List<MetricResult>> results,
                               Map<String, Double> millis) {
    public EvaluationReport {
        metrics = List.copyOf(metrics);
        cases = List.copyOf(cases);
        results = Collections.unmodifiableMap(new LinkedHashMap<>(results));
        millis = Collections.unmodifiableMap(new LinkedHashMap<>(millis));
    }

    /**
     * Runs every metric over every case. Progress counts the metrics' units ({@link Metric#units}) all together;
     * cancellation stops between forward batches.
     */
    public static EvaluationReport run(List<EvaluationCase> cases, List<Metric> metrics, ProgressListener progress) {
        int[] units = metrics.stream().mapToInt(m -> m.units(cases)).toArray();
        int total = Arrays.stream(units).sum();
        Map<String, List<MetricResult>> results = new LinkedHashMap<>();
        Map<String, Double> millis = new LinkedHashMap<>();
        int before = 0;
        for (int k = 0; k < metrics.size(); k++) {
            Metric m = metrics.get(k);
            int offset = before;
            int own = units[k];
            long t0 = System.nanoTime();
            results.put(m.name(), m.evaluate(cases, new ProgressListener() {
                @Override
                public void progress(int done, int ignored) {
                    progress.progress(offset + Math.min(done, own), total);
                }

                @Override
                public boolean cancelled() {
                    return progress.cancelled();
                }
            }));
            millis.put(m.name(), (System.nanoTime() - t0) / 1e6);
            before += units[k];
            progress.progress(before, total);
        }
        return new EvaluationReport(metrics, cases, results, millis);
    }

    /** Method names in the order they first appear among the cases. */
    public List<String> methods() {
        return cases.stream().map(EvaluationCase::methodName).distinct().toList();
    }

    /** Photo names in order. */
    public List<String> photos() {
        return cases.stream().map(EvaluationCase::photo).distinct().toList();
    }

    /** The result of {@code metric} for one photo and method, or null. */
    public MetricResult result(String metric, String photo, String method) {
        List<MetricResult> r = results.get(metric);
        for (int i = 0; r != null && i < cases.size(); i++) {
            if (cases.get(i).photo().equals(photo) && cases.get(i).methodName().equals(method)) {
                return r.get(i);
            }
        }
        return null;
    }

    /** Mean of a score over the photos a method has it for (NaN when none has). */
    public double mean(String method, String metric, String score) {
        List<MetricResult> r = results.get(metric);
        if (r == null) {
            return Double.NaN;
        }
        double sum = 0;
        int n = 0;
        for (int i = 0; i < cases.size(); i++) {
            Double v = cases.get(i).methodName().equals(method) ? r.get(i).scores().get(score) : null;
            if (v != null && Double.isFinite(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Methods from best to worst by their mean of a metric's headline score (methods without it last). */
    public List<String> ranking(Metric metric) {
        Score s = metric.headline();
        Comparator<String> byMean = Comparator.comparingDouble(m -> {
            double v = mean(m, metric.name(), s.name());
            return Double.isNaN(v) ? Double.POSITIVE_INFINITY : s.higherIsBetter() ? -v : v;
        });
        return methods().stream().sorted(byMean).toList();
    }

    /**
     * Whether a method fails the model-randomisation sanity check: the mean over its photos of the cascade's mean
     * ρ(|r|, |r'|) is at least {@link ModelRandomisation#FAIL_THRESHOLD}. False when the check was not run.
     */
    public boolean failsSanityCheck(String method) {
        double v = mean(method, "sanity-check", "cascade");
        return !Double.isNaN(v) && v >= ModelRandomisation.FAIL_THRESHOLD;
    }

    /** Total single-image model evaluations a metric took. */
    public long cost(String metric) {
        return results.getOrDefault(metric, List.of()).stream().mapToLong(MetricResult::cost).sum();
    }
}
