package dev.salient.evaluation;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.Batching;
import dev.salient.attribution.ProgressListener;
import dev.salient.attribution.Rounds;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;

/**
 * The explained class's probability, softmax(F(x))_c, for many perturbed copies of one input: a few batched runs of
 * the model's forward sessions in rounds ({@link Rounds}), with progress and cancellation between rounds.
 */
final class TargetProbability {

    private TargetProbability() {}

    /**
     * @param batch inputs per forward run, or {@link Batching#AUTO}: chosen by measurement within the default budget
     * @return p_c of each of the {@code count} inputs
     */
    /**
     * @param inputs writes perturbed input {@code item}, every one of its values; items are asked for in increasing
     *               order on the calling thread ({@link Rounds}), so each may be built from the one before
     */
    static double[] of(AttributionRequest request, int count, int batch, Rounds.Inputs inputs, ProgressListener progress,
                       String metric) {
        DifferentiableModel model = request.model();
        int classes = model.classes();
        double[] p = new double[count];
        Batching.Plan plan = Batching.plan(model, ChunkKind.FORWARD, batch, Batching.DEFAULT_MEMORY_BUDGET, count);
        Rounds.forward(plan, count, inputs,
                (k, scores, offset) -> p[k] = softmax(scores, offset, classes, request.targetClass()), progress, metric);
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
