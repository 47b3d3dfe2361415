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
 * @param lanes           chunks of a many-sample run that go at once, each on a single-threaded session
 *                        ({@link DifferentiableModel#lanes}); 0 = as many as {@code threads}, or one per core
 */
public record EngineOptions(int threads, int maxCachedGraphs, Path cacheFolder, int lanes) {
    public static final EngineOptions DEFAULT = new EngineOptions(0, 8);

    public EngineOptions {
        if (lanes < 0) {
            throw new IllegalArgumentException("lanes must be 0 (one per thread) or more: " + lanes);
        }
    }

    /** Options that keep nothing on disk. */
    public EngineOptions(int threads, int maxCachedGraphs) {
        this(threads, maxCachedGraphs, null);
    }

    public EngineOptions(int threads, int maxCachedGraphs, Path cacheFolder) {
        this(threads, maxCachedGraphs, cacheFolder, 0);
    }

    /** The same options keeping the engine's files in {@code folder}. */
    public EngineOptions withCacheFolder(Path folder) {
        return new EngineOptions(threads, maxCachedGraphs, folder, lanes);
    }

    /** The same options with {@code lanes} lanes (0: as many as threads). */
    public EngineOptions withLanes(int lanes) {
        return new EngineOptions(threads, maxCachedGraphs, cacheFolder, lanes);
    }
}
