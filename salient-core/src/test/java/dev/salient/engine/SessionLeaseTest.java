package dev.salient.engine;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Native sessions are closed only when their owner lets go of them and no lease is left: a gradient session evicted
 * from a one-entry cache while leased keeps running, and a model closed while leased keeps serving its lease holder.
 * Before leases, eviction closed a session another thread was running (SIGSEGV in ONNX Runtime).
 */
class SessionLeaseTest {
    private static final float[] X = TestNets.gaussian(2 * 36, 5);
    private static final float[] SEEDS = new float[]{0, 1, 0, 0, 1, 0};

    @Test
    void anEvictedSessionStaysOpenUntilItsLeaseIsClosed() {
        try (DifferentiableModel model = open(new EngineOptions(0, 1))) {
            GradientSession.Lease first = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 2);
            float[] before = first.run(X, SEEDS, 2).inputGradient();
            GradientSession evicted = first.session();

            try (GradientSession.Lease second = model.gradientSession(TargetHead.LOG_PROBABILITY,
                    RuleTable.standard(), List.of(), 2)) {
                second.run(X, SEEDS, 2);
            }
            assertThat(evicted.isClosed()).as("evicted while leased").isFalse();
            assertThat(first.run(X, SEEDS, 2).inputGradient()).containsExactly(before);

            first.close();
            first.close(); // a lease is released once, however often it is closed
            assertThat(evicted.isClosed()).as("evicted and released").isTrue();
            assertThatThrownBy(() -> evicted.run(X, SEEDS, 2)).isInstanceOf(IllegalStateException.class);

            try (GradientSession.Lease again = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                    List.of(), 2)) {
                assertThat(again.session()).as("rebuilt after eviction").isNotSameAs(evicted);
                assertThat(again.run(X, SEEDS, 2).inputGradient()).containsExactly(before);
            }
        }
    }

    @Test
    void aCachedSessionIsSharedAndOutlivesItsLeases() {
        try (DifferentiableModel model = open(new EngineOptions(0, 2))) {
            GradientSession shared;
            try (GradientSession.Lease a = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1);
                 GradientSession.Lease b = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1)) {
                assertThat(a.session()).isSameAs(b.session());
                shared = a.session();
            }
            assertThat(shared.isClosed()).as("still cached").isFalse();
            model.close();
            assertThat(shared.isClosed()).as("model closed, no lease left").isTrue();
        }
    }

    @Test
    void aClosedModelServesItsLeaseHoldersThenRefusesWork() {
        DifferentiableModel model = open(new EngineOptions(0, 2));
        float[] scores = model.forward(X, 2);
        GradientSession.Lease session = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 2);
        DifferentiableModel.Lease hold = model.lease();

        model.close();
        assertThatThrownBy(model::lease).as("no new holds on a closed model").isInstanceOf(IllegalStateException.class);
        assertThat(model.forward(X, 2)).as("held: forward still runs").containsExactly(scores);
        try (GradientSession.Lease other = model.gradientSession(TargetHead.LOG_PROBABILITY, RuleTable.standard(),
                List.of(), 2)) {
            assertThat(other.run(X, SEEDS, 2).scores()).containsExactly(scores);
        }

        hold.close();
        assertThatThrownBy(() -> model.forward(X, 2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 2))
                .isInstanceOf(IllegalStateException.class);
        assertThat(session.session().isClosed()).as("still leased").isFalse();
        assertThat(session.run(X, SEEDS, 2).scores()).containsExactly(scores);
        session.close();
        assertThat(session.session().isClosed()).isTrue();
    }

    @Test
    void retiringAKindsOtherSizesClosesTheUnleasedAtOnceAndTheLeasedWhenLetGo() {
        ChunkKind logits = ChunkKind.gradient(TargetHead.LOGIT, RuleTable.standard(), List.of());
        ChunkKind logProbabilities = ChunkKind.gradient(TargetHead.LOG_PROBABILITY, RuleTable.standard(), List.of());
        try (DifferentiableModel model = open(new EngineOptions(0, 8))) {
            GradientSession kept = lease(model, TargetHead.LOGIT, 1);
            GradientSession idle = lease(model, TargetHead.LOGIT, 3);
            GradientSession otherKind = lease(model, TargetHead.LOG_PROBABILITY, 2);
            GradientSession.Lease running = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 2);
            float[] before = running.run(X, SEEDS, 2).inputGradient();

            model.retireSessionsExcept(logits, Set.of(1));
            assertThat(model.cachedBatchSizes(logits)).containsExactly(1);
            assertThat(model.cachedBatchSizes(logProbabilities)).as("another kind untouched").containsExactly(2);
            assertThat(idle.isClosed()).as("no lease: closed at once").isTrue();
            assertThat(kept.isClosed()).isFalse();
            assertThat(otherKind.isClosed()).isFalse();
            assertThat(running.session().isClosed()).as("leased by a running method").isFalse();
            assertThat(running.run(X, SEEDS, 2).inputGradient()).containsExactly(before);
            running.close();
            assertThat(running.session().isClosed()).as("its last lease let go").isTrue();
        }
    }

    /** The session of {@code head} at {@code batch}, cached and its lease already closed. */
    private static GradientSession lease(DifferentiableModel model, TargetHead head, int batch) {
        try (GradientSession.Lease lease = model.gradientSession(head, RuleTable.standard(), List.of(), batch)) {
            return lease.session();
        }
    }

    /** {@link TestNets#tiny}: x [N, 1, 6, 6] → 3 scores. */
    private static DifferentiableModel open(EngineOptions options) {
        return DifferentiableModel.open(TestNets.tiny(), TestNets.INPUT, TestNets.OUTPUT, new long[]{1, 1, 6, 6},
                options);
    }
}
