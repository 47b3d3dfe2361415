package dev.salient.autodiff;

import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.GradientResult;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.RealModels;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** A graph that stops at an inner tensor gives that tensor's exact gradient with a much shorter backward pass. */
class InnerOnlyGradientTest {
    @Test
    void innerGradientMatchesTheFullGraphWithFewerNodes() {
        DifferentiableModel dm = RealModels.mobileNetV2().engine();
        OnnxModel model = dm.model();
        String layer = model.graph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Clip")).reduce((a, b) -> b).orElseThrow().getOutput(0);
        float[] x = new float[dm.itemSize()];
        Random random = new Random(3);
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        float[] seed = new float[dm.classes()];
        seed[20] = 1f;
        GradientResult full;
        GradientResult short_;
        try (var fullSession = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(layer), 1);
             var shortSession = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(layer), 1, false)) {
            full = fullSession.run(x, seed, 1);
            short_ = shortSession.run(x, seed, 1);
        }
        assertThat(short_.inputGradient()).isNull();
        assertThat(ReferenceGradientTest.relativeError(short_.inner().get(layer).gradient(),
                full.inner().get(layer).gradient())).isLessThan(1e-6);
        assertThat(short_.inner().get(layer).value()).containsExactly(full.inner().get(layer).value());

        int fullNodes = dm.gradientGraph(TargetHead.LOGIT, RuleTable.standard(), List.of(layer), 1, true).getGraph()
                .getNodeCount();
        int shortNodes = GradientGraphBuilder.build(model, dm.types(), dm.shapes(), new GradientGraphSpec("input",
                "logits", TargetHead.LOGIT, List.of(layer), RuleTable.standard(), 1, false)).getGraph().getNodeCount();
        int forwardNodes = model.graph().getNodeCount();
        assertThat(shortNodes - forwardNodes).as("backward nodes").isLessThan((fullNodes - forwardNodes) / 10);
    }
}
