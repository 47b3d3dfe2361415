package dev.salient.engine;

/**
 * ONNX Runtime settings for every session of a model.
 *
 * @param threads         size of the process's shared ONNX Runtime pool (0 = one per core, or whatever size the first
 *                        model gave it); the pool is made once, so a later model asking for another size is refused
 *                        ({@link SharedRuntime#environment(int)})
 * @param maxCachedGraphs gradient sessions kept per model (each one holds its graph's buffers)
 */
public record EngineOptions(int threads, int maxCachedGraphs) {
    public static final EngineOptions DEFAULT = new EngineOptions(0, 8);
}
