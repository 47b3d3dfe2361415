package dev.salient.attribution;

import dev.salient.engine.DifferentiableModel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a many-sample computation (gradients or forward passes at many inputs) in rounds of chunks as a
 * {@link Batching.Plan} sizes them: each chunk of a round runs at once on its own lane (lane 0, the shared pool's
 * session, when the plan has one lane; lanes 1 … L, single-threaded sessions, when it has L). Inputs are filled in
 * sample order on the calling thread — while the previous round runs, once the plan has stopped measuring — and
 * results are handed on in sample order, so a seeded method gives the same result whatever the lanes. Progress is
 * reported and cancellation honoured between rounds.
 */
public final class Rounds {
    /** Writes sample {@code index} into {@code dst} at {@code offset} (one item long). */
    @FunctionalInterface
    public interface Inputs {
        void fill(int index, float[] dst, int offset);
    }

    /** Runs one chunk of {@code items} inputs on {@code lane}, whose sessions have {@code size} items. */
    @FunctionalInterface
    public interface Chunk<R> {
        R run(int lane, int size, float[] inputs, int items);
    }

    /** Receives the result of the chunk of samples {@code first .. first + items - 1}. */
    @FunctionalInterface
    public interface Results<R> {
        void accept(int first, int items, R result);
    }

    /** Receives the class scores of sample {@code index}: {@code scores[offset .. offset + classes - 1]}. */
    @FunctionalInterface
    public interface Scores {
        void accept(int index, float[] scores, int offset);
    }

    /** Runs the chunks of other lanes; daemon threads, so a run left behind never keeps the JVM up. */
    private static final ExecutorService LANES = Executors.newCachedThreadPool(task -> {
        Thread t = new Thread(task, "salient-lane");
        t.setDaemon(true);
        return t;
    });

    /** One chunk of a round, filled: samples {@code first .. first + items - 1} on {@code lane}. */
    private record Part(int lane, int first, int items, float[] inputs) {}

    /** A round ready to run: {@code items} samples on sessions of {@code size}, one part per lane. */
    private record Round(int size, int items, List<Part> parts) {}

    private Rounds() {}

    /**
     * Runs {@code count} samples.
     *
     * @param itemSize input values per sample
     * @param method   the method's name, for the cancellation message
     */
    public static <R> void run(Batching.Plan plan, int count, int itemSize, Inputs inputs, Chunk<R> chunk,
                               Results<R> results, ProgressListener progress, String method) {
        progress.progress(0, count);
        Round next = null;
        for (int first = 0; first < count; ) {
            ProgressListener.check(progress, method);
            Round round = next != null ? next : fill(plan, first, count, itemSize, inputs);
            next = null;
            boolean measuring = plan.measuring(); // the next round's size waits for this one's time
            long start = System.nanoTime();
            List<Future<R>> running = new ArrayList<>();
            for (Part part : round.parts()) {
                running.add(LANES.submit(() -> chunk.run(part.lane(), round.size(), part.inputs(), part.items())));
            }
            List<R> done;
            try {
                int after = first + round.items();
                if (!measuring && after < count) {
                    next = fill(plan, after, count, itemSize, inputs);
                }
            } finally {
                done = await(running); // every chunk finishes before the caller may let its session go
            }
            plan.record(round.size(), round.items(), System.nanoTime() - start);
            for (int i = 0; i < done.size(); i++) {
                Part part = round.parts().get(i);
                results.accept(part.first(), part.items(), done.get(i));
            }
            first += round.items();
            progress.progress(first, count);
        }
    }

    /**
     * Class scores of {@code count} inputs through {@code plan}'s model's forward sessions
     * ({@link DifferentiableModel#forward(float[], int, int)}), handed on one sample at a time, in order.
     */
    public static void forward(Batching.Plan plan, int count, Inputs inputs, Scores scores, ProgressListener progress,
                               String method) {
        DifferentiableModel model = plan.model();
        int classes = model.classes();
        run(plan, count, model.itemSize(), inputs, (lane, size, x, items) -> model.forward(x, items, lane),
                (first, items, out) -> {
                    for (int i = 0; i < items; i++) {
                        scores.accept(first + i, out, i * classes);
                    }
                }, progress, method);
    }

    /** The round from sample {@code first}: its size from the plan, one filled part per lane. */
    private static Round fill(Batching.Plan plan, int first, int count, int itemSize, Inputs inputs) {
        int lanes = plan.lanes();
        int size = plan.next(count - first);
        int roundItems = Math.min(size * lanes, count - first);
        List<Part> parts = new ArrayList<>();
        for (int start = first, lane = 1; start < first + roundItems; start += size, lane++) {
            int items = Math.min(size, first + roundItems - start);
            float[] x = new float[items * itemSize];
            for (int i = 0; i < items; i++) {
                inputs.fill(start + i, x, i * itemSize);
            }
            parts.add(new Part(lanes == 1 ? 0 : lane, start, items, x));
        }
        return new Round(size, roundItems, parts);
    }

    /** The results of running chunks, in order, once every one has finished; the first failure is rethrown. */
    private static <R> List<R> await(List<Future<R>> running) {
        List<R> results = new ArrayList<>();
        RuntimeException failure = null;
        boolean interrupted = false;
        for (Future<R> chunk : running) {
            while (true) {
                try {
                    results.add(chunk.get());
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // wait on: the chunk holds a session
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r
                                : new IllegalStateException(e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }
}
