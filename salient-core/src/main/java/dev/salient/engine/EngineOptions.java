package dev.salient.engine;

import java.nio.file.Path;

/**
 * ONNX Runtime settings for every session of a model.
 *
 * @param threads         size of the process's shared ONNX Runtime pool (0 = one per core, or whatever size the first
 *                        model gave it); the pool is made once, so a later model asking for another size is refused
 *                        ({@link SharedRuntime#environment(int)})
 * @param maxCachedGraphs gradient sessions kept per model (each one holds its graph's buffers)
 * @param cacheFolder     where built graphs, probed shapes and measured chunk sizes are kept between processes
 *                        ({@link DiskCache}); null keeps nothing on disk
 */
public record EngineOptions(int threads, int maxCachedGraphs, Path cacheFolder) {
    public static final EngineOptions DEFAULT = new EngineOptions(0, 8);

    /** Options that keep nothing on disk. */
    public EngineOptions(int threads, int maxCachedGraphs) {
        this(threads, maxCachedGraphs, null);
    }

    /** The same options keeping the engine's files in {@code folder}. */
    public EngineOptions withCacheFolder(Path folder) {
        return new EngineOptions(threads, maxCachedGraphs, folder);
    }
}
