package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.Batching;
import dev.salient.attribution.ProgressListener;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;

/**
 * The explained class's probability, softmax(F(x))_c, for many perturbed copies of one input: a few batched runs of
 * the model's one reused forward session, with progress and cancellation between batches.
 */
final class TargetProbability {
    /**
     * Writes perturbed input {@code item} into {@code dst} at {@code offset}, every one of its values: the batch
     * buffer is reused from one batch to the next. Items are asked for in increasing order.
     */
    @FunctionalInterface
    interface Inputs {
        void fill(int item, float[] dst, int offset);
    }

    private TargetProbability() {}

    /**
     * @param batch inputs per forward run, or {@link Batching#AUTO}: chosen by measurement within the default budget
     * @return p_c of each of the {@code count} inputs
     */
    static double[] of(AttributionRequest request, int count, int batch, Inputs inputs, ProgressListener progress,
                       String metric) {
        DifferentiableModel model = request.model();
        int n = model.itemSize();
        int classes = model.classes();
        double[] p = new double[count];
        Batching.Plan plan = Batching.plan(model, ChunkKind.FORWARD, batch, Batching.DEFAULT_MEMORY_BUDGET, count);
        progress.progress(0, count);
        float[] buffer = new float[0];
        for (int first = 0; first < count; ) {
            ProgressListener.check(progress, metric);
            int size = plan.next(count - first);
            int items = Math.min(size, count - first);
            // one batch of MobileNetV2 at 16 is 9.6 MB: allocated only when the batch's size changes
            buffer = buffer.length == items * n ? buffer : new float[items * n];
            float[] x = buffer;
            for (int i = 0; i < items; i++) {
                inputs.fill(first + i, x, i * n);
            }
            float[] scores = plan.timed(size, items, () -> model.forward(x, items));
            for (int i = 0; i < items; i++) {
                p[first + i] = softmax(scores, i * classes, classes, request.targetClass());
            }
            first += items;
            progress.progress(first, count);
        }
        return p;
    }

    /** softmax(z)_c of one row of scores. */
    static double softmax(float[] scores, int offset, int classes, int c) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < classes; k++) {
            max = Math.max(max, scores[offset + k]);
        }
        double sum = 0;
        for (int k = 0; k < classes; k++) {
            sum += Math.exp(scores[offset + k] - max);
        }
        return Math.exp(scores[offset + c] - max) / sum;
    }
}
