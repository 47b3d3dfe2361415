package dev.salient.attribution;

/** Progress of a many-sample method, and a way to cancel it between batches. */
public interface ProgressListener {
    /** {@code done} of {@code total} samples (gradient or forward evaluations) are finished. */
    void progress(int done, int total);

    /** Polled between batches; true stops the method with a {@link java.util.concurrent.CancellationException}. */
    default boolean cancelled() {
        return false;
    }

    ProgressListener NONE = (done, total) -> { };

    /** Throws {@link java.util.concurrent.CancellationException} if cancelled. */
    static void check(ProgressListener listener, String method) {
        if (listener.cancelled()) {
            throw new java.util.concurrent.CancellationException(method + " cancelled");
        }
    }
}
