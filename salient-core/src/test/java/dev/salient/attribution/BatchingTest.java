package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.ChunkTimings;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.GradientSession;
import dev.salient.graph.OnnxModel;
import dev.salient.evaluation.Deletion;
import dev.salient.evaluation.EvaluationCase;
import dev.salient.evaluation.Substrate;
import dev.salient.image.Layout;
import dev.salient.render.ChannelAggregation;
import dev.salient.testing.SharedData;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.function.IntToDoubleFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Chunk sizes chosen by measurement ({@link Batching#plan}): the first runs of a kind measure sizes 1, 4 and 16 on their
 * own samples and stop where a larger size stops paying; the model remembers the timings, for the process and on
 * disk; later runs take the fastest size with balanced chunks, within the memory budget. Timings are fed in here (a
 * cost per item by size), so the choices are checked exactly; one test runs SmoothGrad on a real network.
 */
class BatchingTest {
    private static final ChunkKind GRADIENT = ChunkKind.gradient(TargetHead.LOGIT, RuleTable.standard(), List.of());
    /** The size arithmetic below is for rounds of one chunk; {@link #twoLanesMeasureAndChooseWholeRounds} has two. */
    private static final EngineOptions ONE_LANE = EngineOptions.DEFAULT.withLanes(1);

    private static DifferentiableModel smallCnn(EngineOptions options) {
        return DifferentiableModel.open(TestNets.smallCnn(), TestNets.INPUT, TestNets.OUTPUT, new long[]{1, 3, 32, 32},
                options);
    }

    /**
     * Runs a plan over {@code samples} as a method does, a round of chunks at a time, each item costing
     * {@code millisPerItem(size)}; returns each round's size.
     */
    private static List<Integer> run(Batching.Plan plan, int samples, IntToDoubleFunction millisPerItem) {
        return run(plan, samples, millisPerItem, size -> {});
    }

    /** As {@link #run(Batching.Plan, int, IntToDoubleFunction)}, telling {@code beforeChunk} each chunk's size. */
    private static List<Integer> run(Batching.Plan plan, int samples, IntToDoubleFunction millisPerItem,
                                     IntConsumer beforeChunk) {
        List<Integer> sizes = new ArrayList<>();
        for (int first = 0; first < samples; ) {
            int size = plan.next(samples - first);
            beforeChunk.accept(size);
            int items = Math.min(size * plan.lanes(), samples - first);
            plan.record(size, items, (long) (millisPerItem.applyAsDouble(size) * 1e6 * size * plan.lanes()));
            sizes.add(size);
            first += items;
        }
        return sizes;
    }

    @Test
    void runsMeasureOneFourAndSixteenThenTakeTheFastestInBalancedChunks() {
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            IntToDoubleFunction batchingPays = size -> size == 1 ? 10 : size == 4 ? 6 : 3;
            Batching.Plan first = Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50);
            assertThat(first.measuring()).isTrue();
            // two warm-ups and two timed runs at 1, one warm-up and two timed at 4 (16 samples); 16 needs 48 more, so the
            // rest run at 4
            List<Integer> sizes = run(first, 50, batchingPays);
            assertThat(sizes.subList(0, 7)).containsExactly(1, 1, 1, 1, 4, 4, 4);
            assertThat(sizes.subList(7, sizes.size())).containsOnly(4).hasSize(9);
            assertThat(model.chunkTimings(GRADIENT).orElseThrow().millisPerItem()).containsOnlyKeys(1, 4);

            Batching.Plan second = Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50);
            // 16 is measured next; the 2 samples left run at 1 (a padded 16 would cost more)
            assertThat(run(second, 50, batchingPays)).containsExactly(16, 16, 16, 1, 1);
            ChunkTimings timings = model.chunkTimings(GRADIENT).orElseThrow();
            assertThat(timings.millisPerItem()).containsOnlyKeys(1, 4, 16);
            assertThat(timings.millisPerItem().get(16)).isCloseTo(3.0, org.assertj.core.data.Offset.offset(1e-9));

            Batching.Plan later = Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50);
            assertThat(later.measuring()).isFalse();
            assertThat(run(later, 50, batchingPays)).as("four chunks of 13, not 16 + 16 + 16 + 2 padded to 16")
                    .containsExactly(13, 13, 13, 13);
            // the forward pass is another kind: measured on its own
            assertThat(Batching.plan(model, ChunkKind.FORWARD, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50)
                    .measuring()).isTrue();
        }
    }

    @Test
    void measuringStopsAtTheFirstSizeThatDoesNotPay() {
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            IntToDoubleFunction flat = size -> size == 1 ? 10 : 9.8; // 4 is only 2 % faster per item
            List<Integer> sizes = run(Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50),
                    50, flat);
            assertThat(sizes).doesNotContain(16);
            assertThat(sizes.subList(0, 7)).containsExactly(1, 1, 1, 1, 4, 4, 4);
            assertThat(sizes.subList(7, sizes.size())).as("1 wins: 4 is not faster by the margin").containsOnly(1);
            ChunkTimings timings = model.chunkTimings(GRADIENT).orElseThrow();
            assertThat(timings.stoppedEarly()).isTrue();
            assertThat(Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50).measuring())
                    .as("16 is never tried").isFalse();
        }
    }

    @Test
    void aRunTooShortToMeasureEverythingLeavesTheRestToTheNext() {
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            IntToDoubleFunction batchingPays = size -> 10.0 / size;
            assertThat(run(Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 5), 5,
                    batchingPays)).as("1 measured; 4 needs 12 samples, 2 are left").containsExactly(1, 1, 1, 1, 1);
            assertThat(model.chunkTimings(GRADIENT).orElseThrow().millisPerItem()).containsOnlyKeys(1);
            assertThat(run(Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 60), 60,
                    batchingPays)).as("the next run goes on at 4").containsExactly(4, 4, 4, 16, 16, 16);
            assertThat(model.chunkTimings(GRADIENT).orElseThrow().millisPerItem()).containsOnlyKeys(1, 4, 16);
        }
    }

    @Test
    void twoLanesMeasureAndChooseWholeRounds() {
        try (DifferentiableModel model = smallCnn(EngineOptions.DEFAULT.withLanes(2))) {
            IntToDoubleFunction batchingPays = size -> size == 1 ? 10 : size == 4 ? 6 : 3;
            Batching.Plan plan = Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50);
            assertThat(plan.lanes()).isEqualTo(2);
            // at 1: two warm-up rounds and two timed ones (8 samples); at 4: one warm-up and two timed (24); 16 would
            // need 96 more, so the last 18 run at 4 (3 rounds: 144 ms) rather than at 1 (9 rounds: 180 ms)
            assertThat(run(plan, 50, batchingPays)).containsExactly(1, 1, 1, 1, 4, 4, 4, 4, 4, 4);
            assertThat(model.chunkTimings(GRADIENT).orElseThrow().millisPerItem()).containsOnlyKeys(1, 4);
            // a round of 2 × 4 items timed at 8 items' cost is 6 ms per item, not 12
            assertThat(model.chunkTimings(GRADIENT).orElseThrow().millisPerItem().get(4))
                    .isCloseTo(6.0, org.assertj.core.data.Offset.offset(1e-9));

            Batching.Plan later = Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 100);
            assertThat(run(later, 100, batchingPays)).as("16 measured next: 3 rounds of 32; the 4 left run at 1")
                    .containsExactly(16, 16, 16, 1, 1);
            Batching.Plan balanced = Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50);
            assertThat(run(balanced, 50, batchingPays)).as("two rounds of two chunks of 13, not 16 + 16 + 16 + 2")
                    .containsExactly(13, 13);
            // forward passes run in the model's lanes too
            assertThat(Batching.plan(model, ChunkKind.FORWARD, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50)
                    .lanes()).isEqualTo(2);
        }
    }

    @Test
    void timingsFromABusierMachineAreForgottenWhenARunBeatsThemClearly() {
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            // as kept by a run on a loaded machine: 4 chosen, larger sizes not to be tried
            model.rememberChunkTimings(GRADIENT, new ChunkTimings(new java.util.TreeMap<>(Map.of(1, 60.0, 4, 50.0)), true));
            assertThat(run(measured(model, 20), 20, size -> size == 1 ? 15 : 9)).containsOnly(4);
            assertThat(model.chunkTimings(GRADIENT)).as("9 ms per item at 4 against 50 remembered").isEmpty();
            assertThat(measured(model, 20).measuring()).as("the next run measures again").isTrue();
        }
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            model.rememberChunkTimings(GRADIENT, new ChunkTimings(new java.util.TreeMap<>(Map.of(1, 10.0, 4, 6.0)), true));
            run(measured(model, 20), 20, size -> size == 1 ? 10 : 4.8);
            assertThat(model.chunkTimings(GRADIENT)).as("4.8 against 6 remembered: within the noise, kept").isPresent();
        }
    }

    @Test
    void theMemoryBudgetAndAnExplicitSizeBoundTheChoice() {
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            long fourItems = 4 * Batching.bytesPerItem(model);
            IntToDoubleFunction batchingPays = size -> 10.0 / size;
            List<Integer> sizes = run(Batching.plan(model, GRADIENT, Batching.AUTO, fourItems, 50), 50, batchingPays);
            assertThat(sizes).allMatch(size -> size <= 4).contains(4);

            assertThat(Batching.probeSizes(64)).containsExactly(1, 4, 16);
            assertThat(Batching.probeSizes(5)).containsExactly(1, 4);
            assertThat(Batching.probeSizes(3)).as("a large model: 3 items in the budget").containsExactly(1, 3);
            assertThat(Batching.probeSizes(1)).containsExactly(1);

            Batching.Plan fixed = Batching.plan(model, GRADIENT, 2, Batching.DEFAULT_MEMORY_BUDGET, 7);
            assertThat(fixed.measuring()).isFalse();
            assertThat(run(fixed, 7, batchingPays)).containsExactly(2, 2, 2, 2);
            assertThat(Batching.plan(model, GRADIENT, 64, fourItems, 50).next(50)).isEqualTo(4);
            assertThatThrownBy(() -> Batching.plan(model, GRADIENT, -1, fourItems, 50))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void timingsAreKeptOnDiskForTheSameModelInAnotherProcess(@TempDir Path cache) {
        EngineOptions options = ONE_LANE.withCacheFolder(cache);
        IntToDoubleFunction batchingPays = size -> 10.0 / size;
        try (DifferentiableModel first = smallCnn(options)) {
            run(Batching.plan(first, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 80), 80, batchingPays);
        }
        try (DifferentiableModel again = smallCnn(options);
             DifferentiableModel other = DifferentiableModel.open(TestNets.tiny(), TestNets.INPUT, TestNets.OUTPUT,
                     new long[]{1, 1, 6, 6}, options)) {
            assertThat(again.chunkTimings(GRADIENT).orElseThrow().millisPerItem()).containsOnlyKeys(1, 4, 16);
            assertThat(Batching.plan(again, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, 50).measuring())
                    .isFalse();
            assertThat(other.chunkTimings(GRADIENT)).as("another model's content, another key").isEmpty();
            // rule tables other than the standard one have no name outside the process: never read from disk
            ChunkKind guided = ChunkKind.gradient(TargetHead.LOGIT, dev.salient.autodiff.ModifiedRules.guided(), List.of());
            again.rememberChunkTimings(guided, new ChunkTimings(new java.util.TreeMap<>(Map.of(1, 5.0)), true));
            assertThat(again.chunkTimings(guided)).isPresent();
        }
        try (DifferentiableModel third = smallCnn(options)) {
            ChunkKind guided = ChunkKind.gradient(TargetHead.LOGIT, dev.salient.autodiff.ModifiedRules.guided(), List.of());
            assertThat(third.chunkTimings(guided)).isEmpty();
        }
    }

    @Test
    void smoothGradChoosesItsChunksAndComputesWhatChunksOfOneCompute() {
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            float[] x = TestNets.gaussian(3 * 32 * 32, 5);
            AttributionRequest request = new AttributionRequest(model, x, 2, TargetHead.LOGIT, Layout.NCHW);
            Attribution measured = new SmoothGrad(new SmoothGrad.Params(50, 0.2, 3, SmoothGrad.Variant.PLAIN,
                    Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET)).attribute(request);
            assertThat(model.chunkTimings(GRADIENT)).as("the run measured chunk sizes").isPresent();
            Attribution ones = new SmoothGrad(new SmoothGrad.Params(50, 0.2, 3, SmoothGrad.Variant.PLAIN, 1,
                    Batching.DEFAULT_MEMORY_BUDGET)).attribute(request);
            assertThat(GradientMethodsTest.relativeError(measured.values(), ones.values())).isLessThan(1e-5);
        }
    }

    @Test
    void forwardPassMethodsAndMetricsMeasureTheirChunksAndComputeWhatChunksOfOneCompute() {
        float[] x = TestNets.gaussian(3 * 32 * 32, 5);
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            AttributionRequest request = new AttributionRequest(model, x, 2, TargetHead.LOGIT, Layout.NCHW);
            Attribution measured = new Rise(new Rise.Params(40, 4, 0.5, 1, Batching.AUTO,
                    Batching.DEFAULT_MEMORY_BUDGET)).attribute(request);
            assertThat(model.chunkTimings(ChunkKind.FORWARD)).as("RISE measured chunk sizes").isPresent();
            Attribution ones = new Rise(new Rise.Params(40, 4, 0.5, 1, 1, Batching.DEFAULT_MEMORY_BUDGET))
                    .attribute(request);
            assertThat(GradientMethodsTest.relativeError(measured.values(), ones.values())).isLessThan(1e-5);
        }
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            AttributionRequest request = new AttributionRequest(model, x, 2, TargetHead.LOGIT, Layout.NCHW);
            EvaluationCase c = EvaluationCase.explain("noise", AttributionMethods.create("gradient"), request,
                    ChannelAggregation.SIGNED_MEAN, null, ProgressListener.NONE);
            new Deletion(Deletion.DEFAULTS.withSteps(20).withSubstrate(Substrate.BLACK)).evaluate(c, ProgressListener.NONE);
            assertThat(model.chunkTimings(ChunkKind.FORWARD)).as("the deletion curve measured chunk sizes").isPresent();
        }
    }

    /**
     * As {@link #run(Batching.Plan, int, IntToDoubleFunction)}, on the model's sessions: each size's session leased for
     * the whole run, as a gradient method leases them.
     */
    private static List<Integer> runOnSessions(DifferentiableModel model, Batching.Plan plan, int samples,
                                               IntToDoubleFunction millisPerItem) {
        Map<Integer, GradientSession.Lease> leases = new HashMap<>();
        try {
            return run(plan, samples, millisPerItem, size -> leases.computeIfAbsent(size,
                    s -> model.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), s)));
        } finally {
            leases.values().forEach(GradientSession.Lease::close);
        }
    }

    private static Batching.Plan measured(DifferentiableModel model, int samples) {
        return Batching.plan(model, GRADIENT, Batching.AUTO, Batching.DEFAULT_MEMORY_BUDGET, samples);
    }

    @Test
    void aPlanThatSettlesOnASizeLetsGoOfTheKindsSessionsAtOtherSizesButOne() {
        IntToDoubleFunction batchingPays = size -> size == 1 ? 10 : size == 4 ? 6 : 3;
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            assertThat(runOnSessions(model, measured(model, 50), 50, batchingPays)).contains(1, 4).doesNotContain(16);
            assertThat(model.cachedBatchSizes(GRADIENT)).as("4 chosen; 1 stays for single-pass methods")
                    .containsExactly(1, 4);
            assertThat(runOnSessions(model, measured(model, 50), 50, batchingPays)).containsExactly(16, 16, 16, 1, 1);
            assertThat(model.cachedBatchSizes(GRADIENT)).as("the last 2 samples ran at 1: 4 and 16 let go")
                    .containsExactly(1);
            assertThat(runOnSessions(model, measured(model, 50), 50, batchingPays)).containsOnly(13);
            assertThat(runOnSessions(model, measured(model, 20), 20, batchingPays)).containsOnly(10);
            assertThat(model.cachedBatchSizes(GRADIENT)).as("a later run's size replaces the one before")
                    .containsExactly(1, 10);
        }
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            // 4 + 12 + 48 samples: the probe ends with the run, no chunk after it to choose a size for
            assertThat(runOnSessions(model, measured(model, 64), 64, batchingPays)).endsWith(4, 16, 16, 16);
            assertThat(model.cachedBatchSizes(GRADIENT)).as("the fastest per item kept").containsExactly(1, 16);
        }
    }

    @Test
    void aSessionLetGoOfWhileAnotherRunHoldsItKeepsRunningForThatRun() {
        float[] x = TestNets.gaussian(4 * 3 * 32 * 32, 7);
        try (DifferentiableModel model = smallCnn(ONE_LANE)) {
            float[] seeds = new float[4 * model.classes()];
            for (int i = 0; i < 4; i++) {
                seeds[i * model.classes() + i % model.classes()] = 1;
            }
            try (GradientSession.Lease running = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                    List.of(), 4)) {
                float[] before = running.run(x, seeds, 4).inputGradient();
                runOnSessions(model, measured(model, 80), 80, size -> 10.0 / size); // settles on 16
                assertThat(model.cachedBatchSizes(GRADIENT)).containsExactly(1, 16);
                assertThat(running.run(x, seeds, 4).inputGradient()).as("not closed under its holder")
                        .containsExactly(before);
                try (GradientSession.Lease again = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                        List.of(), 4)) {
                    assertThat(again.session()).as("no longer cached: built anew").isNotSameAs(running.session());
                    assertThat(again.run(x, seeds, 4).inputGradient()).containsExactly(before);
                }
            }
        }
    }

    /**
     * On MobileNetV2, a probe of 4 and 16 (size 1 already measured, as if by an earlier run; never built here) leaves
     * one session of the kind cached, and SmoothGrad computes what fixed chunks of 4 compute.
     */
    @Test
    void aMeasuredSmoothGradOnARealNetworkKeepsOnlyTheSizeItChose() {
        try (DifferentiableModel model = DifferentiableModel.open(OnnxModel.load(SharedData.mobileNetV2()), "input",
                "logits", new long[]{1, 3, 224, 224}, ONE_LANE)) {
            model.rememberChunkTimings(GRADIENT, new ChunkTimings(new java.util.TreeMap<>(Map.of(1, 1000.0)), false));
            AttributionRequest request = new AttributionRequest(model, Fixtures.image("dog.jpg"), 207, TargetHead.LOGIT,
                    Layout.NCHW);
            long sixteenFit = 16 * Batching.bytesPerItem(model); // the default budget holds fewer
            Attribution measured = new SmoothGrad(new SmoothGrad.Params(64, 0.15, 3, SmoothGrad.Variant.PLAIN,
                    Batching.AUTO, sixteenFit)).attribute(request);
            assertThat(model.chunkTimings(GRADIENT).orElseThrow().millisPerItem()).as("the probe built 4 and 16")
                    .containsKeys(4, 16);
            assertThat(model.cachedBatchSizes(GRADIENT)).hasSize(1).isSubsetOf(4, 16);
            Attribution fours = new SmoothGrad(new SmoothGrad.Params(64, 0.15, 3, SmoothGrad.Variant.PLAIN, 4,
                    sixteenFit)).attribute(request);
            assertThat(GradientMethodsTest.relativeError(measured.values(), fours.values())).isLessThan(1e-5);
        }
    }
}
