package dev.salient.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A second thread for the start of a command: work that does not depend on what the main thread is doing runs on
 * the other core meanwhile (a one-photo {@code explain}: ONNX Runtime's start and decoding the photo while the model
 * is opened, the gradient session while the photo is classified; see {@link ExplainCommand}).
 *
 * <p>Tasks run one after another, in the order given. {@link #close} waits for the one running and drops the rest:
 * the process never exits, nor closes a model, while a task is inside ONNX Runtime.
 */
final class Overlap implements AutoCloseable {
    private final ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "salient-overlap");
        t.setDaemon(true);
        return t;
    });
    private final List<Future<?>> tasks = new ArrayList<>();

    /** Runs {@code task} on the second thread; its result is fetched with {@link #result}. */
    <T> Future<T> submit(Callable<T> task) {
        Future<T> submitted = thread.submit(task);
        tasks.add(submitted);
        return submitted;
    }

    /**
     * Runs {@code task} on the second thread for what it leaves behind (a started runtime, a cached session), not
     * for a result: whatever it throws is dropped, since the main thread doing the same work reports it in its own
     * words.
     */
    Future<?> prepare(Runnable task) {
        return submit(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                // the main thread meets the same problem when it gets there, and reports it
            }
            return null;
        });
    }

    /** The result of a {@link #submit}ted task, or what it threw, as if the caller had run it. */
    static <T> T result(Future<T> task) throws Exception {
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw (Error) e.getCause();
        }
    }

    /**
     * Waits for the task running, if any, and drops those not started. Never interrupts: an interrupted file channel
     * closes, which the disk cache would take for a damaged entry.
     */
    @Override
    public void close() {
        tasks.forEach(t -> t.cancel(false));
        thread.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (thread.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
