package dev.salient.attribution;

import dev.salient.engine.DifferentiableModel;

import java.util.Arrays;

/**
 * Chunk sizes for many-sample methods. A chunk is one run of one reused gradient session; its size is the smaller
 * of the requested batch and what fits a memory budget, estimated from the model's tensor shapes.
 *
 * <p>Measured on MobileNetV2 1.0/224 (2 shared cores, ONNX Runtime CPU, logit head, standard rules), per-image
 * time of a gradient run at batch 1 / 4 / 8 / 16: see {@link #DEFAULT_BATCH}.
 */
public final class Batching {
    /** Default cap on the memory one chunk may use: 512 MB. */
    public static final long DEFAULT_MEMORY_BUDGET = 512L << 20;

    /**
     * Default chunk size, chosen by measurement (BatchTimingBenchmark, MobileNetV2, 2 cores): per-image gradient
     * time 1 → 59 ms, 4 → 45 ms, 8 → 44 ms, 16 → 46 ms. Batches of 4–16 amortise per-run overhead equally well;
     * 8 is the knee and keeps memory (≈ 8 × 100 MB estimated) within the default budget.
     */
    public static final int DEFAULT_BATCH = 8;

    private Batching() {}

    /**
     * Estimated bytes one batch item needs in a gradient run: every batch-dependent tensor of the forward pass,
     * held once as a value and about twice more in the backward pass (its gradient and a temporary), 4 bytes each.
     */
    public static long bytesPerItem(DifferentiableModel model) {
        long elements = 0;
        for (String t : model.shapes().names()) {
            long[] one = model.shapes().at(t, 1);
            long[] two = model.shapes().at(t, 2);
            if (!Arrays.equals(one, two)) {
                elements += Arrays.stream(one).reduce(1, Math::multiplyExact);
            }
        }
        return Math.max(1, elements) * 4L * 3L;
    }

    /**
     * @param requested the caller's batch size (≥ 1)
     * @param budget    memory budget in bytes
     * @param samples   how many items the method needs in all
     * @return the chunk size: ≥ 1, ≤ requested, ≤ samples, and within the budget when possible
     */
    public static int chunkSize(DifferentiableModel model, int requested, long budget, int samples) {
        if (requested < 1) {
            throw new IllegalArgumentException("batch size must be at least 1: " + requested);
        }
        long fit = Math.max(1, budget / bytesPerItem(model));
        return (int) Math.max(1, Math.min(Math.min(requested, fit), Math.max(1, samples)));
    }
}
