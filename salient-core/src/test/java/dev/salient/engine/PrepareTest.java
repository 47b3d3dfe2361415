package dev.salient.engine;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link DifferentiableModel#prepare}: the first session a piece of work asks for is made and kept, and the work stops
 * there, before any pass. The command line's explain builds its method's session that way while it classifies.
 */
class PrepareTest {
    private static final long[] SHAPE = {1, 1, 6, 6};
    private static final float[] X = TestNets.gaussian(36, 5);
    private static final ChunkKind LOGITS = ChunkKind.gradient(TargetHead.LOGIT, RuleTable.standard(), List.of());

    @Test
    void theFirstGradientSessionIsMadeAndTheWorkStopsBeforeAnyPass() {
        try (DifferentiableModel model = open()) {
            AtomicBoolean wentOn = new AtomicBoolean();
            model.prepare(() -> {
                try (GradientSession.Lease session = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                        List.of(), 1)) {
                    wentOn.set(true);
                    session.run(X, new float[]{1, 0, 0}, 1);
                }
            });
            assertThat(wentOn).as("stopped at its first session").isFalse();
            assertThat(model.cachedBatchSizes(LOGITS)).as("made and kept").containsExactly(1);

            GradientSession prepared;
            try (GradientSession.Lease session = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                    List.of(), 1)) {
                prepared = session.session();
                assertThat(session.run(X, new float[]{1, 0, 0}, 1).inputGradient()).as("this thread works again")
                        .hasSize(36);
            }
            model.close();
            assertThat(prepared.isClosed()).as("its lease was let go: closed with the model").isTrue();
        }
    }

    @Test
    void aForwardPassStopsToo() {
        try (DifferentiableModel model = open()) {
            AtomicBoolean wentOn = new AtomicBoolean();
            model.prepare(() -> {
                model.forward(X, 1);
                wentOn.set(true);
            });
            assertThat(wentOn).isFalse();
            assertThat(model.forward(X, 1)).hasSize(3);
        }
    }

    @Test
    void whatTheWorkThrowsBeforeItsFirstSessionIsThrown() {
        try (DifferentiableModel model = open()) {
            assertThatThrownBy(() -> model.prepare(() -> {
                throw new IllegalArgumentException("no such layer");
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("no such layer");
            assertThatThrownBy(() -> model.prepare(() -> model.forward(new float[5], 1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void preparingOneModelLetsWorkOnAnotherRun() {
        try (DifferentiableModel model = open(); DifferentiableModel other = open()) {
            float[][] scores = new float[1][];
            other.prepare(() -> scores[0] = model.forward(X, 1));
            assertThat(scores[0]).hasSize(3);
            assertThat(other.cachedBatchSizes(LOGITS)).isEmpty();
        }
    }

    /**
     * A model named by its content digest, with a disk cache, makes its forward session at the first forward pass
     * (its shapes, read from the cache, say ONNX Runtime has loaded it before); it then classifies as one made at once.
     */
    @Test
    void aDigestNamedModelMakesItsForwardSessionWhenFirstAsked(@TempDir Path cache) {
        EngineOptions cached = EngineOptions.DEFAULT.withCacheFolder(cache);
        float[] eager;
        try (DifferentiableModel model = open()) {
            eager = model.forward(X, 1);
        }
        for (int opening = 0; opening < 2; opening++) { // probed, then read from the cache
            try (DifferentiableModel model = DifferentiableModel.open(TestNets.tiny(), "test-digest:tiny",
                    TestNets.INPUT, TestNets.OUTPUT, SHAPE, cached)) {
                assertThat(model.forward(X, 1)).containsExactly(eager);
            }
            try (DifferentiableModel neverRun = DifferentiableModel.open(TestNets.tiny(), "test-digest:tiny",
                    TestNets.INPUT, TestNets.OUTPUT, SHAPE, cached)) {
                assertThat(neverRun.classes()).isEqualTo(3); // closed without a forward session: nothing to close
            }
        }
    }

    private static DifferentiableModel open() {
        return DifferentiableModel.open(TestNets.tiny(), TestNets.INPUT, TestNets.OUTPUT, SHAPE, EngineOptions.DEFAULT);
    }
}
