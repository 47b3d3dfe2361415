package dev.salient.evaluation;

import dev.salient.attribution.ProgressListener;

import java.util.List;

/**
 * A measure of how faithful attribution maps are. It scores a list of cases at once so that costly set-ups (the
 * randomised models of {@link ModelRandomisation}) are made once for all of them.
 */
public interface Metric {
    /** Name in reports and on the command line, e.g. {@code "deletion"}. */
    String name();

    /** The scores each result carries, the headline first. */
    List<Score> scores();

    /**
     * Progress units {@link #evaluate} reports as its total for these cases (forward passes for perturbation
     * metrics), so a caller can add up several metrics into one progress bar.
     */
    int units(List<EvaluationCase> cases);

    /**
     * @param progress told {@code done} of {@link #units} units; when it reports {@code cancelled()} the metric stops
     *                 with a {@link java.util.concurrent.CancellationException}
     * @return one result per case, in order
     */
    List<MetricResult> evaluate(List<EvaluationCase> cases, ProgressListener progress);

    default MetricResult evaluate(EvaluationCase c, ProgressListener progress) {
        return evaluate(List.of(c), progress).get(0);
    }

    /** The headline score. */
    default Score headline() {
        return scores().get(0);
    }
}
