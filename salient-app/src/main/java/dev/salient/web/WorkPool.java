package dev.salient.web;

import java.time.Duration;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded pool that runs networks: a fixed number of threads and a bounded queue. When both are full a submit
 * is refused with 503 and {@code Retry-After}; every task has a time limit after which its cancel flag is raised.
 */
final class WorkPool implements AutoCloseable {
    private final ThreadPoolExecutor executor;
    private final ScheduledExecutorService watchdog;
    private final Duration timeout;

    WorkPool(int workers, int queue, Duration timeout) {
        AtomicInteger n = new AtomicInteger();
        BlockingQueue<Runnable> q = queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue);
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.SECONDS, q, r -> {
            Thread t = new Thread(r, "salient-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "salient-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.timeout = timeout;
    }

    Duration timeout() {
        return timeout;
    }

    /** A unit of work that can be told to stop. */
    interface Task<T> {
        T run(Cancel cancel) throws Exception;
    }

    /** Raised by a cancel request or by the time limit; work polls it between steps. */
    static final class Cancel {
        private volatile String reason;

        boolean cancelled() {
            return reason != null;
        }

        String reason() {
            return reason;
        }

        void cancel(String why) {
            if (reason == null) {
                reason = why;
            }
        }
    }

    record Submitted<T>(Future<T> future, Cancel cancel) {}

    /**
     * Queues a task.
     *
     * @throws ApiException 503 with Retry-After when the pool and its queue are full
     */
    <T> Submitted<T> submit(Task<T> task) {
        Cancel cancel = new Cancel();
        Future<T> f;
        try {
            f = executor.submit(() -> {
                if (cancel.cancelled()) {
                    throw new CancellationException(cancel.reason());
                }
                ScheduledFuture<?> limit = watchdog.schedule(() -> cancel.cancel("took longer than the "
                        + timeout.toSeconds() + " s time limit"), timeout.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    return task.run(cancel);
                } finally {
                    limit.cancel(false);
                }
            });
        } catch (RejectedExecutionException e) {
            throw ApiException.busy("the server is busy (all " + executor.getMaximumPoolSize()
                    + " workers and the queue are taken); try again in a few seconds", 5);
        }
        return new Submitted<>(f, cancel);
    }

    /** Runs a task and waits for it, at most the time limit (plus queueing); 504 past it. */
    <T> T call(Task<T> task) {
        Submitted<T> s = submit(task);
        try {
            return s.future().get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            s.cancel().cancel("timed out");
            s.future().cancel(false);
            throw new ApiException(504, "the work took longer than the " + timeout.toSeconds()
                    + " s time limit; try a faster method or fewer samples");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof CancellationException) {
                throw new ApiException(504, "the work was stopped: " + (s.cancel().reason() != null
                        ? s.cancel().reason() : c.getMessage()));
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(c);
        }
    }

    int active() {
        return executor.getActiveCount();
    }

    int queued() {
        return executor.getQueue().size();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        watchdog.shutdownNow();
    }
}
