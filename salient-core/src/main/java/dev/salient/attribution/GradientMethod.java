package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.GradientResult;
import dev.salient.engine.GradientSession;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of gradient-based methods: evaluates the gradient of the target at many inputs in a few large chunks
 * through one reused {@link GradientSession} (never one call per sample), reporting progress and honouring
 * cancellation between chunks.
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
     * @param batch  requested chunk size, or {@link Batching#AUTO} for one chosen by measurement ({@link Batching#plan})
     * @param budget memory budget per chunk in bytes
     */
    protected static void evaluate(AttributionRequest request, RuleTable rules, List<String> inner, int count,
                                   int batch, long budget, Samples samples, Chunks chunks,
                                   ProgressListener progress, String method) {
        DifferentiableModel model = request.model();
        Batching.Plan plan = Batching.plan(model, ChunkKind.gradient(request.head(), rules, inner), batch, budget, count);
        int itemSize = model.itemSize();
        int classes = model.classes();
        progress.progress(0, count);
        // one lease per chunk size for the whole run: a session is not closed between chunks, whatever other threads cache
        Map<Integer, GradientSession.Lease> sessions = new HashMap<>();
        try {
            for (int first = 0; first < count; ) {
                ProgressListener.check(progress, method);
                int size = plan.next(count - first);
                if (!plan.measuring()) {
                    releaseAllBut(sessions, size); // retired by the plan: closed now, not at the end of the run
                }
                int items = Math.min(size, count - first);
                GradientSession.Lease session = sessions.computeIfAbsent(size,
                        s -> model.gradientSession(request.head(), rules, inner, s));
                float[] x = new float[items * itemSize];
                for (int i = 0; i < items; i++) {
                    samples.fill(first + i, x, i * itemSize);
                }
                float[] seeds = new float[items * classes];
                for (int i = 0; i < items; i++) {
                    seeds[i * classes + request.targetClass()] = 1f;
                }
                GradientResult result = plan.timed(size, items, () -> session.run(x, seeds, items));
                chunks.accept(first, result);
                first += items;
                progress.progress(first, count);
            }
        } finally {
            sessions.values().forEach(GradientSession.Lease::close);
        }
    }

    /** Closes the leases on every chunk size but {@code size}. */
    private static void releaseAllBut(Map<Integer, GradientSession.Lease> sessions, int size) {
        sessions.entrySet().removeIf(e -> {
            boolean other = e.getKey() != size;
            if (other) {
                e.getValue().close();
            }
            return other;
        });
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
