package dev.salient.evaluation;

/**
 * One number a metric reports.
 *
 * @param name           key in {@link MetricResult#scores()}, e.g. {@code "auc"}
 * @param higherIsBetter whether a more faithful map scores higher
 * @param meaning        one line for reports
 */
public record Score(String name, boolean higherIsBetter, String meaning) {}
