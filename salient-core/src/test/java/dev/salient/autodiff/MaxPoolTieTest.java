package dev.salient.autodiff;

import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.GradientSession;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.TestGraph;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.salient.testing.TestGraph.X;
import static dev.salient.testing.TestGraph.is;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * MaxPool's gradient goes to the window's maximum: a value one float32 ulp below it is not a tie. Only equal values
 * tie, and then the first in the window wins, as in PyTorch. Three 2×2 windows side by side (x is [1, 1, 2, 6], rows
 * a0 a1 | b0 b1 | c0 c1 over a2 a3 | b2 b3 | c2 c3), every output seeded with 1, so the input gradient is 1 exactly
 * at each window's chosen cell. Before, a relative slack of 2e-7 made the first value within two ulps of the maximum
 * win (on resnet18 this routed a gradient to a cell 1.74e-7 below the maximum).
 */
class MaxPoolTieTest {
    @Test
    void theGradientGoesToTheLargerOfTwoValuesOneUlpApartAndToTheFirstOfEqualOnes() {
        float one = 1f;
        float minusOne = -1f;
        float[] x = {
                one, Math.nextUp(one), 0.7f, 0.7f, minusOne, Math.nextUp(minusOne),
                0.5f, 0.25f, 0.7f, 0.7f, -3f, -2f};
        float[] expected = {
                0, 1, 1, 0, 0, 1,
                0, 0, 0, 0, 0, 0};
        TestGraph g = new TestGraph(13, 1);
        String pooled = g.op("MaxPool", X, is("kernel_shape", 2, 2), is("strides", 2, 2));
        String scores = g.op("Flatten", pooled);
        OnnxModel model = g.build(scores, 1, 1, 2, 6);
        try (DifferentiableModel dm = DifferentiableModel.open(model, X, scores, new long[]{1, 1, 2, 6},
                EngineOptions.DEFAULT);
             GradientSession.Lease session = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(), 1)) {
            float[] gradient = session.run(x, new float[]{1, 1, 1}, 1).inputGradient();
            assertThat(gradient).containsExactly(expected);
        }
    }
}
