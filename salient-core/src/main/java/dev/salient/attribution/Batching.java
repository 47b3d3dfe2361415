package dev.salient.attribution;

import dev.salient.engine.DifferentiableModel;
import dev.salient.graph.TensorShapes;

import java.util.Arrays;

/**
 * Chunk sizes for many-sample methods. A chunk is one run of one reused gradient session; its size is the smaller
 * of the requested batch and what fits a memory budget, estimated from the model's tensor shapes.
 *
 * <p>Measured on MobileNetV2 1.0/224 (2 shared cores, ONNX Runtime CPU, logit head, standard rules), per-image
 * time of a gradient run at batch 1 / 4 / 8 / 16: see {@link #DEFAULT_BATCH}. Larger batches did not reliably pay
 * on this machine, so the default is small.
 */
public final class Batching {
    /** Default cap on the memory one chunk may use: 512 MB. */
    public static final long DEFAULT_MEMORY_BUDGET = 512L << 20;

    /**
     * Default chunk size, chosen by measurement (test BatchTimingBenchmark, MobileNetV2 1.0/224, logit head,
     * per-image gradient time at batch 1 / 4 / 8 / 16, 2 cores shared with other builds):
     * quietest run (load average ≈ 3.5): 60.5 / 45.2 / 47.3 / 64.7 ms; under heavier load (≈ 5 and ≈ 7):
     * 142 / 170 / 329 / 526 ms and 214 / 164 / 267 / 147 ms. Batch 4 was fastest in the quiet run and best or
     * near-best under load; it also keeps progress and cancellation fine-grained and fits the default budget
     * (estimate ≈ 108 MB per item → 4 items in 512 MB). After the engine's mask and convolution speed-ups, on an
     * otherwise idle machine: 39.6 / 35.5 / 28.2 / 34.5, 31.2 / 24.8 / 26.3 / 28.8 and 26.3 / 27.7 / 35.6 / 35.3 ms
     * — this VM's timings vary by ±30 % run to run and no batch size wins consistently, so 4 stays.
     * Re-measure with {@code -Dsalient.bench=true}.
     */
    public static final int DEFAULT_BATCH = 4;

    private Batching() {}

    /**
     * Estimated bytes one batch item needs in a gradient run: every batch-dependent tensor of the forward pass,
     * held once as a value and once more as its gradient in the backward pass, 4 bytes each.
     */
    public static long bytesPerItem(DifferentiableModel model) {
        boolean batchable = model.maxBatch() > 1;
        long elements = 0;
        for (String t : model.shapes().names()) {
            long[] one = model.shapes().at(t, 1);
            // a graph that fixes batch 1 has no batch-dependent tensors to tell apart: count them all
            if (!batchable || !Arrays.equals(one, model.shapes().at(t, 2))) {
                elements += TensorShapes.elementCount(one);
            }
        }
        return Math.max(1, elements) * 4L * 2L;
    }

    /**
     * @param requested the caller's batch size (≥ 1)
     * @param budget    memory budget in bytes
     * @param samples   how many items the method needs in all
     * @return the chunk size: ≥ 1, ≤ requested, ≤ samples, ≤ the model's {@link DifferentiableModel#maxBatch}, and
     *         within the budget when possible
     */
    public static int chunkSize(DifferentiableModel model, int requested, long budget, int samples) {
        if (requested < 1) {
            throw new IllegalArgumentException("batch size must be at least 1: " + requested);
        }
        long fit = Math.max(1, budget / bytesPerItem(model));
        long chunk = Math.min(Math.min(requested, fit), Math.min(Math.max(1, samples), model.maxBatch()));
        return (int) Math.max(1, chunk);
    }
}
