package dev.salient.engine;

/**
 * ONNX Runtime settings for every session of a model.
 *
 * @param threads         intra-op threads per run (0 = one per core)
 * @param maxCachedGraphs gradient sessions kept per model (each one holds its graph's buffers)
 */
public record EngineOptions(int threads, int maxCachedGraphs) {
    public static final EngineOptions DEFAULT = new EngineOptions(0, 8);
}
