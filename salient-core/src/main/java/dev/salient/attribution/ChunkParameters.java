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

    private ChunkParameters() {}

    /** Inputs per run of the network, {@code defaultValue} unless set. */
    static ParameterDescription<Integer> batch(int defaultValue) {
        return ParameterDescription.integer("batch", "Batch", defaultValue, 1, 256, "",
                "inputs per run of the network").operatorOnly();
    }

    /** The memory budget in bytes. */
    static long memoryBudget(ParameterValues values) {
        return (long) values.get(MEMORY_MB) << 20;
    }
}
