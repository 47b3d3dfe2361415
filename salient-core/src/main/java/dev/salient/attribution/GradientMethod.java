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
 * Base of gradient-based methods: evaluates the gradient of the target at many inputs in chunks through reused
 * {@link GradientSession}s (never a new session per sample), several chunks at once when the model has several lanes,
 * reporting progress and honouring cancellation between rounds.
 */
public abstract class GradientMethod implements AttributionMethod {
    /** Receives the gradients of samples {@code first .. first + result.batch() - 1}. */
    @FunctionalInterface
    protected interface Chunks {
        void accept(int first, GradientResult result);
    }

    /**
     * Gradients at {@code count} samples, in rounds of chunks run side by side ({@link Rounds}), one lane each.
     *
     * @param batch  requested chunk size, or {@link Batching#AUTO} for one chosen by measurement ({@link Batching#plan})
     * @param budget memory budget per round in bytes
     */
    protected static void evaluate(AttributionRequest request, RuleTable rules, List<String> inner, int count,
                                   int batch, long budget, Rounds.Inputs samples, Chunks chunks,
                                   ProgressListener progress, String method) {
        DifferentiableModel model = request.model();
        Batching.Plan plan = Batching.plan(model, ChunkKind.gradient(request.head(), rules, inner), batch, budget, count);
        int classes = model.classes();
        // one lease per lane while rounds keep to one size: a session is not closed between them, whatever other threads
        // cache
        Map<List<Integer>, GradientSession.Lease> sessions = new HashMap<>();
        try {
            Rounds.run(plan, count, model.itemSize(), samples::fill, (lane, size, x, items) -> {
                GradientSession.Lease session;
                synchronized (sessions) { // the chunks of a round, one per lane, come here at once
                    // a round of another size has finished: its sessions, which the plan may have retired, are let go
                    // now rather than at the end of the run
                    releaseAllBut(sessions, size);
                    session = sessions.computeIfAbsent(List.of(size, lane),
                            k -> model.gradientSession(request.head(), rules, inner, size, true, lane));
                }
                float[] seeds = new float[items * classes];
                for (int i = 0; i < items; i++) {
                    seeds[i * classes + request.targetClass()] = 1f;
                }
                return session.run(x, seeds, items);
            }, (first, items, result) -> chunks.accept(first, result), progress, method);
        } finally {
            synchronized (sessions) {
                sessions.values().forEach(GradientSession.Lease::close);
            }
        }
    }

    /** Closes the leases on every chunk size but {@code size} (keys: size, lane). */
    private static void releaseAllBut(Map<List<Integer>, GradientSession.Lease> sessions, int size) {
        sessions.entrySet().removeIf(e -> {
            boolean other = e.getKey().get(0) != size;
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
