package dev.salient.engine;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;

/**
 * The process's ONNX Runtime environment, with one intra-op thread pool that every Salient session shares.
 *
 * <p>Why: by default each session owns a pool whose threads spin for a while after each run. A model holds a
 * forward session and several gradient sessions, a server several models, so idle pools spin on the cores the
 * running one needs: on 2 cores, a forward pass right after a gradient run took 8.4 ms instead of 4.8, and the
 * gradient 19.6 ms instead of 16.4 (MobileNetV2, batch 1). One shared pool spins only while it has work.
 *
 * <p>ONNX Runtime's environment is created once per process, and the pool with it: its size is set by the first
 * caller ({@link #environment(int)}; a model asks with {@link EngineOptions#threads}). Giving a session a pool of its
 * own instead, as {@code --threads} once did, made every run slower even with one thread per core (MobileNetV2
 * forward 6.0 → 8.7–12.6 ms, Grad-CAM 6.3 → 17.1 ms): each of a model's sessions then has idle threads spinning.
 * If something else created the environment first without global pools, sessions fall back to pools of their own
 * ({@link #sharedPool()} is then false).
 */
public final class SharedRuntime {
    /**
     * ONNX Runtime writes its log straight to the process's standard error, which a user of the command line or the
     * server sees as lines such as {@code [E:onnxruntime:...]}: the batch-2 shape probe of a graph that fixes
     * batch 1 logs an error by design, and a graph declaring batch 1 logs a warning on every larger run. Every
     * failure that matters reaches Salient as an {@code OrtException} and is reported in Salient's words, so only
     * fatal messages are let through.
     */
    static final OrtLoggingLevel NATIVE_LOG_LEVEL = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;

    private static OrtEnvironment environment;
    private static boolean sharedPool;
    /** The pool's size as asked when it was made; 0: ONNX Runtime's default, one thread per core. */
    private static int poolThreads;

    private SharedRuntime() {}

    /** The environment; made with the default pool (one thread per core) if no one made it before. */
    public static OrtEnvironment environment() {
        return environment(0);
    }

    /**
     * The environment, made on first use with a shared pool of {@code threads} threads (0: one per core).
     *
     * @param threads 0 to take the pool as it is, else the size it must have
     * @throws IllegalStateException when the pool was already made with another size: ONNX Runtime cannot resize it
     */
    public static synchronized OrtEnvironment environment(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (one per core) or more: " + threads);
        }
        if (environment == null) {
            try (OrtEnvironment.ThreadingOptions options = new OrtEnvironment.ThreadingOptions()) {
                options.setGlobalDenormalAsZero();
                if (threads > 0) {
                    options.setGlobalIntraOpNumThreads(threads);
                }
                environment = OrtEnvironment.getEnvironment(NATIVE_LOG_LEVEL, "salient", options);
                sharedPool = true;
            } catch (IllegalStateException | OrtException e) {
                environment = OrtEnvironment.getEnvironment(); // created before us without global pools
                sharedPool = false;
            }
            poolThreads = threads;
        } else if (threads > 0 && threads != poolThreads) {
            throw new IllegalStateException("ONNX Runtime's thread pool already has "
                    + (poolThreads == 0 ? "one thread per core" : poolThreads + " threads")
                    + "; it is made once per process, so every model in it must ask for the same count, not " + threads);
        }
        return environment;
    }

    /**
     * Whether ONNX Runtime runs convolutions in its blocked NCHWc layout here, which the gradient graphs are tuned
     * to (see {@code PassMasks}): only its x86-64 kernels have that layout; elsewhere the graphs are built in the
     * plain, {@link dev.salient.autodiff.GradientGraphSpec#portable() portable} form.
     */
    public static boolean blockedLayout() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("amd64") || arch.equals("x86_64");
    }

    /** Whether sessions run on the shared pool. */
    public static synchronized boolean sharedPool() {
        environment();
        return sharedPool;
    }

    /**
     * Options for a new session: on the shared pool, or, when there is none (the environment was made elsewhere), on
     * a pool of its own of the size the shared one was asked to have.
     */
    public static OrtSession.SessionOptions sessionOptions() throws OrtException {
        OrtSession.SessionOptions options = commonOptions();
        if (sharedPool()) {
            options.disablePerSessionThreads();
        } else if (poolSize() > 0) {
            options.setIntraOpNumThreads(poolSize());
        }
        return options;
    }

    /**
     * Options for a lane: a session that runs on its caller's thread alone (no pool, so nothing spins), for running
     * several chunks of a many-sample method at once, one per core.
     *
     * <p>Why: on this project's 2-core machine one run on the shared pool used the second core poorly, and a larger
     * batch never paid (per-item time flat from 1 to 16 on every model). Two single-threaded sessions running side by
     * side took, per item, MobileNetV2 gradient 12.3–14.1 ms against 18.2–18.7 on the pool (batch 1), the default
     * model's forward 2.7–3.4 against 4.7–5.1, ResNet-18's gradient at batch 4 30 against 52–55 (helpers paused,
     * three rounds each).
     */
    public static OrtSession.SessionOptions laneSessionOptions() throws OrtException {
        OrtSession.SessionOptions options = commonOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        return options;
    }

    /** What every session of Salient's is made with, on the pool or in a lane. */
    private static OrtSession.SessionOptions commonOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        // Backward passes through saturated units produce denormal floats, which the CPU handles far more slowly;
        // flushing them to zero changes values below 1e-38 only (MobileNetV2 batch 16: 450 → 375 ms).
        options.addConfigEntry("session.set_denormal_as_zero", "1");
        options.setSessionLogLevel(NATIVE_LOG_LEVEL); // also when the environment was made elsewhere
        return options;
    }

    /** Lanes for a model that asks for {@code lanes} (0: as many as the pool's threads, else one per core). */
    static int lanes(int lanes) {
        if (lanes > 0) {
            return lanes;
        }
        int pool = poolSize();
        return pool > 0 ? pool : Runtime.getRuntime().availableProcessors();
    }

    /** The size the pool was asked to have: 0 for ONNX Runtime's default, one thread per core. */
    static synchronized int poolSize() {
        environment();
        return poolThreads;
    }
}
