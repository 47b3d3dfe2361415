package dev.salient.evaluation;

import dev.salient.attribution.ProgressListener;

import java.util.ArrayList;
import java.util.List;

/** A metric that looks at one case at a time; progress counts its forward passes over all cases. */
abstract class PerCaseMetric implements Metric {
    /** Forward passes (progress units) {@link #evaluate(EvaluationCase, ProgressListener)} takes for a case. */
    abstract int cost(EvaluationCase c);

    @Override
    public int units(List<EvaluationCase> cases) {
        return Math.max(1, cases.stream().mapToInt(this::cost).sum());
    }

    @Override
    public List<MetricResult> evaluate(List<EvaluationCase> cases, ProgressListener progress) {
        int total = units(cases);
        List<MetricResult> out = new ArrayList<>();
        int before = 0;
        progress.progress(0, total);
        for (EvaluationCase c : cases) {
            ProgressListener.check(progress, name());
            int offset = before;
            out.add(evaluate(c, new ProgressListener() {
                @Override
                public void progress(int done, int ignoredTotal) {
                    progress.progress(offset + done, total);
                }

                @Override
                public boolean cancelled() {
                    return progress.cancelled();
                }
            }));
            before += cost(c);
            progress.progress(Math.min(before, total), total);
        }
        progress.progress(total, total);
        return out;
    }

    /** Scores one case; progress counts its forward passes, 0 to {@link #cost}. */
    @Override
    public abstract MetricResult evaluate(EvaluationCase c, ProgressListener progress);
}
