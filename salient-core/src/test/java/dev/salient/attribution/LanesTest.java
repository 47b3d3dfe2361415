package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.OnnxModel;
import dev.salient.image.Layout;
import dev.salient.model.ImageClassifier;
import dev.salient.testing.RealModels;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many-sample gradient methods run rounds of chunks side by side, one per lane, each on a single-threaded session
 * ({@link GradientMethod#evaluate}): on the real MobileNetV2 the maps equal those of one lane on the shared pool, a
 * seeded run is reproducible bit for bit, and progress counts whole rounds in order.
 */
class LanesTest {
    private static DifferentiableModel mobileNetV2(int lanes) {
        long[] shape = RealModels.mobileNetV2().engine().inputShape(1);
        return DifferentiableModel.open(OnnxModel.load(SharedData.mobileNetV2()),
                RealModels.mobileNetV2().engine().inputName(), RealModels.mobileNetV2().engine().outputName(), shape,
                EngineOptions.DEFAULT.withLanes(lanes));
    }

    private static AttributionRequest bird(DifferentiableModel model) throws Exception {
        ImageClassifier classifier = RealModels.mobileNetV2();
        float[] x = classifier.toInput(javax.imageio.ImageIO.read(SharedData.image("bird.bmp").toFile()));
        return new AttributionRequest(model, x, classifier.classifyInput(x, 1).top().get(0).index(), TargetHead.LOGIT,
                Layout.NCHW);
    }

    @Test
    void twoLanesComputeTheMapsOfOneLane() throws Exception {
        try (DifferentiableModel oneLane = mobileNetV2(1); DifferentiableModel twoLanes = mobileNetV2(2)) {
            assertThat(twoLanes.lanes()).isEqualTo(2);
            for (int batch : new int[]{1, 3}) {
                SmoothGrad smoothGrad = new SmoothGrad(new SmoothGrad.Params(7, 0.15, 11, SmoothGrad.Variant.PLAIN,
                        batch, Batching.DEFAULT_MEMORY_BUDGET));
                Attribution one = smoothGrad.attribute(bird(oneLane));
                Attribution two = smoothGrad.attribute(bird(twoLanes));
                // single-threaded kernels may sum in another order than the pool's: equal to float32 rounding
                assertThat(GradientMethodsTest.relativeError(two.values(), one.values())).as("batch " + batch)
                        .isLessThan(1e-5);
                assertThat(smoothGrad.attribute(bird(twoLanes)).values()).as("seeded: the same noise, the same order")
                        .isEqualTo(two.values());
            }
            IntegratedGradients ig = (IntegratedGradients) AttributionMethods.create("integrated-gradients",
                    java.util.Map.of("steps", "9", "batch", "2"));
            assertThat(GradientMethodsTest.relativeError(ig.attribute(bird(twoLanes)).values(),
                    ig.attribute(bird(oneLane)).values())).isLessThan(1e-5);
        }
    }

    @Test
    void forwardPassMethodsInTwoLanesComputeWhatOneLaneComputes() throws Exception {
        try (DifferentiableModel oneLane = mobileNetV2(1); DifferentiableModel twoLanes = mobileNetV2(2)) {
            for (String method : List.of("occlusion", "rise", "kernel-shap")) {
                java.util.Map<String, String> params = switch (method) {
                    case "occlusion" -> java.util.Map.of("window", "56", "stride", "56");
                    case "rise" -> java.util.Map.of("masks", "12");
                    default -> java.util.Map.of("coalitions", "12");
                };
                AttributionMethod m = AttributionMethods.create(method, params);
                float[] one = m.attribute(bird(oneLane)).values();
                float[] two = m.attribute(bird(twoLanes)).values();
                assertThat(GradientMethodsTest.relativeError(two, one)).as(method).isLessThan(1e-5);
                assertThat(m.attribute(bird(twoLanes)).values()).as(method + ", seeded").isEqualTo(two);
            }
        }
    }

    @Test
    void progressCountsWholeRoundsInOrder() throws Exception {
        try (DifferentiableModel twoLanes = mobileNetV2(2)) {
            List<Integer> done = Collections.synchronizedList(new ArrayList<>());
            ProgressListener progress = (d, total) -> done.add(d);
            new SmoothGrad(new SmoothGrad.Params(7, 0.15, 11, SmoothGrad.Variant.PLAIN, 2,
                    Batching.DEFAULT_MEMORY_BUDGET)).attribute(bird(twoLanes), progress);
            assertThat(done).as("rounds of two chunks of 2, the last one short").containsExactly(0, 4, 7);
        }
    }
}
