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
 * <p>ONNX Runtime's environment is created once per process. If something else created it first without global
 * pools, sessions fall back to their own pools ({@link #sharedPool()} is then false).
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

    private SharedRuntime() {}

    public static synchronized OrtEnvironment environment() {
        if (environment == null) {
            try (OrtEnvironment.ThreadingOptions threads = new OrtEnvironment.ThreadingOptions()) {
                threads.setGlobalDenormalAsZero();
                environment = OrtEnvironment.getEnvironment(NATIVE_LOG_LEVEL, "salient", threads);
                sharedPool = true;
            } catch (IllegalStateException | OrtException e) {
                environment = OrtEnvironment.getEnvironment(); // created before us without global pools
                sharedPool = false;
            }
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
     * Options for a new session: on the shared pool, or, when {@code threads} &gt; 0 asks for a fixed count (or
     * there is no shared pool), on a pool of its own.
     */
    public static OrtSession.SessionOptions sessionOptions(int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        // Backward passes through saturated units produce denormal floats, which the CPU handles far more slowly;
        // flushing them to zero changes values below 1e-38 only (MobileNetV2 batch 16: 450 → 375 ms).
        options.addConfigEntry("session.set_denormal_as_zero", "1");
        options.setSessionLogLevel(NATIVE_LOG_LEVEL); // also when the environment was made elsewhere
        if (threads <= 0 && sharedPool()) {
            options.disablePerSessionThreads();
        } else if (threads > 0) {
            options.setIntraOpNumThreads(threads);
        }
        return options;
    }
}
