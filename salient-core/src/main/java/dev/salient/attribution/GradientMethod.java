package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.GradientResult;
import dev.salient.engine.GradientSession;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Base of gradient-based methods: evaluates the gradient of the target at many inputs in chunks through reused
 * {@link GradientSession}s (never a new session per sample), several chunks at once when the model has several lanes,
 * reporting progress and honouring cancellation between rounds.
 */
public abstract class GradientMethod implements AttributionMethod {
    /** Fills {@code dst} (offset {@code offset}, one item long) with sample {@code index}. */
    @FunctionalInterface
    protected interface Samples {
        void fill(int index, float[] dst, int offset);
    }

    /** Receives the gradients of samples {@code first .. first + result.batch() - 1}. */
    @FunctionalInterface
    protected interface Chunks {
        void accept(int first, GradientResult result);
    }

    /**
     * Runs gradient chunks of the other lanes of a round; daemon threads, so a run left behind never keeps the JVM up.
     */
    private static final ExecutorService LANES = Executors.newCachedThreadPool(task -> {
        Thread t = new Thread(task, "salient-lane");
        t.setDaemon(true);
        return t;
    });

    /** One chunk of a round: samples {@code first .. first + items - 1} on one lane's session. */
    private record Chunk(int first, int items, GradientSession.Lease session, float[] inputs, float[] seeds) {
        GradientResult run() {
            return session.run(inputs, seeds, items);
        }
    }

    /** A round's chunks, filled and ready to run: {@code items} samples from {@code first}, on sessions of {@code size}. */
    private record Round(int first, int size, int items, List<Chunk> chunks) {}

    /**
     * Gradients at {@code count} samples, in rounds of chunks ({@link Batching#plan}): each chunk of a round runs at
     * once on its own lane's session (single-threaded when there are several lanes; the shared pool's session when
     * there is one). Samples are filled, in sample order, on the calling thread while the previous round runs (once the
     * plan has stopped measuring), and results are handed to {@code chunks} in sample order, so a seeded method gives
     * the same map whatever the lanes.
     *
     * @param batch  requested chunk size, or {@link Batching#AUTO} for one chosen by measurement ({@link Batching#plan})
     * @param budget memory budget per round in bytes
     */
    protected static void evaluate(AttributionRequest request, RuleTable rules, List<String> inner, int count,
                                   int batch, long budget, Samples samples, Chunks chunks,
                                   ProgressListener progress, String method) {
        DifferentiableModel model = request.model();
        Batching.Plan plan = Batching.plan(model, ChunkKind.gradient(request.head(), rules, inner), batch, budget, count);
        progress.progress(0, count);
        // one lease per chunk size and lane for the whole run: a session is not closed between rounds, whatever other
        // threads cache
        Map<List<Integer>, GradientSession.Lease> sessions = new HashMap<>();
        try {
            Round next = null;
            for (int first = 0; first < count; ) {
                ProgressListener.check(progress, method);
                Round round = next != null ? next : fill(request, rules, inner, plan, first, count, samples, sessions);
                next = null;
                boolean measuring = plan.measuring(); // the next round's size waits for this one's time
                long start = System.nanoTime();
                List<Future<GradientResult>> running = new ArrayList<>();
                for (Chunk chunk : round.chunks()) {
                    running.add(LANES.submit(chunk::run));
                }
                List<GradientResult> results;
                try {
                    int after = first + round.items();
                    if (!measuring && after < count) {
                        next = fill(request, rules, inner, plan, after, count, samples, sessions);
                    }
                } finally {
                    results = await(running); // every chunk finishes before its session's lease can be let go
                }
                plan.record(round.size(), round.items(), System.nanoTime() - start);
                for (int i = 0; i < results.size(); i++) {
                    chunks.accept(round.chunks().get(i).first(), results.get(i));
                }
                first += round.items();
                progress.progress(first, count);
            }
        } finally {
            sessions.values().forEach(GradientSession.Lease::close);
        }
    }

    /** The round from sample {@code first}: its size from the plan, its chunks filled, one per lane. */
    private static Round fill(AttributionRequest request, RuleTable rules, List<String> inner, Batching.Plan plan,
                              int first, int count, Samples samples, Map<List<Integer>, GradientSession.Lease> sessions) {
        DifferentiableModel model = request.model();
        int itemSize = model.itemSize();
        int classes = model.classes();
        int lanes = plan.lanes();
        int size = plan.next(count - first);
        int roundItems = Math.min(size * lanes, count - first);
        List<Chunk> round = new ArrayList<>();
        for (int start = first, lane = 1; start < first + roundItems; start += size, lane++) {
            int items = Math.min(size, first + roundItems - start);
            int sessionLane = lanes == 1 ? 0 : lane; // one lane: the shared pool's session
            GradientSession.Lease session = sessions.computeIfAbsent(List.of(size, sessionLane),
                    k -> model.gradientSession(request.head(), rules, inner, size, true, sessionLane));
            float[] x = new float[items * itemSize];
            for (int i = 0; i < items; i++) {
                samples.fill(start + i, x, i * itemSize);
            }
            float[] seeds = new float[items * classes];
            for (int i = 0; i < items; i++) {
                seeds[i * classes + request.targetClass()] = 1f;
            }
            round.add(new Chunk(start, items, session, x, seeds));
        }
        return new Round(first, size, roundItems, round);
    }

    /** The results of running chunks, in order, once every one has finished; the first failure is rethrown. */
    private static List<GradientResult> await(List<Future<GradientResult>> running) {
        List<GradientResult> results = new ArrayList<>();
        RuntimeException failure = null;
        boolean interrupted = false;
        for (Future<GradientResult> chunk : running) {
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

    /** Value and gradient of inner tensors only at the request's input (batch 1): no backward pass below them. */
    protected static GradientResult innerOnly(AttributionRequest request, List<String> inner) {
        try (GradientSession.Lease session = request.model().gradientSession(request.head(), RuleTable.standard(),
                inner, 1, false)) {
            return runOne(request, session);
        }
    }

    /** One gradient at the request's input (batch 1). */
    protected static GradientResult single(AttributionRequest request, RuleTable rules, List<String> inner) {
        try (GradientSession.Lease session = request.model().gradientSession(request.head(), rules, inner, 1)) {
            return runOne(request, session);
        }
    }

    private static GradientResult runOne(AttributionRequest request, GradientSession.Lease session) {
        float[] seeds = new float[request.model().classes()];
        seeds[request.targetClass()] = 1f;
        return session.run(request.input(), seeds, 1);
    }

    /** The input gradient under {@code rules} as an input-shaped attribution: one pass, progress 1 of 1. */
    protected Attribution inputGradient(AttributionRequest request, ProgressListener progress, RuleTable rules) {
        ProgressListener.check(progress, name());
        GradientResult r = single(request, rules, List.of());
        progress.progress(1, 1);
        return new Attribution(r.inputGradient(), request.inputShape(), true,
                Map.of("targetScore", (double) r.target()[0]));
    }
}
