package dev.salient.attribution;

/**
 * The chunking knobs of many-sample methods, described once for all of them. Only whoever runs Salient sets them
 * ({@link ParameterDescription.Access#OPERATOR}): they trade the machine's memory for speed, so a shared server keeps
 * its own.
 */
final class ChunkParameters {
    /** Megabytes one chunk may use; {@link Batching#DEFAULT_MEMORY_BUDGET} by default. */
    static final ParameterDescription<Integer> MEMORY_MB = ParameterDescription.integer("memory-mb", "Memory budget",
            (int) (Batching.DEFAULT_MEMORY_BUDGET >> 20), 1, 1 << 16, "MB",
            "memory one run of the network may use; caps the batch").operatorOnly();

    /**
     * Inputs per run of the network; {@link Batching#AUTO} (0, the default): chosen by measurement on the model
     * ({@link Batching#plan}).
     */
    static final ParameterDescription<Integer> BATCH = ParameterDescription.integer("batch", "Batch",
            Batching.DEFAULT_BATCH, Batching.AUTO, 256, "", "inputs per run of the network; 0: chosen by measurement")
            .operatorOnly();

    private ChunkParameters() {}

    /** The memory budget in bytes. */
    static long memoryBudget(ParameterValues values) {
        return (long) values.get(MEMORY_MB) << 20;
    }
}
