package dev.salient.autodiff;

import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.GradientResult;
import dev.salient.engine.InnerTensor;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inner tensors of a vision transformer, what token-level Grad-CAM reads: the value and gradient of the last
 * encoder block's [N, 1 + 196, 192] token tensor on the small ViT.
 */
class TokenTensorGradientTest {
    static final String LAST_BLOCK = "/encoder/layers/encoder_layer_5/Add_1_output_0";
    static final String MIDDLE_BLOCK = "/encoder/layers/encoder_layer_2/Add_1_output_0";

    @Test
    void onlyTheClassTokenOfTheLastBlockReachesTheLogit() throws IOException {
        OnnxModel model = OnnxModel.load(SharedData.path("reference/vit_s6.onnx"));
        float[] x = ReferenceGradientTest.readFloats(SharedData.path("reference/vit_s6.input.f32"));
        try (DifferentiableModel dm = DifferentiableModel.open(model, "input", "logits", new long[]{1, 3, 224, 224},
                EngineOptions.DEFAULT)) {
            float[] seeds = new float[2 * dm.classes()];
            seeds[316] = 1f;
            seeds[dm.classes() + 737] = 1f;
            GradientResult full = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                    List.of(LAST_BLOCK, MIDDLE_BLOCK), 2).run(x, seeds, 2);
            InnerTensor tokens = full.inner().get(LAST_BLOCK);
            InnerTensor middle = full.inner().get(MIDDLE_BLOCK);
            assertThat(tokens.shape()).containsExactly(2, 197, 192);
            for (int b = 0; b < 2; b++) {
                // the head reads token 0 after a per-token LayerNorm: the last block's patch tokens get no gradient;
                // three blocks earlier, attention has mixed every patch into the class token
                assertThat(gradientMass(tokens, b, 0, 1)).as("item %d class token", b).isGreaterThan(0);
                assertThat(gradientMass(tokens, b, 1, 197)).as("item %d patch tokens", b).isZero();
                assertThat(gradientMass(middle, b, 1, 197)).as("item %d middle patch tokens", b).isGreaterThan(0);
            }

            GradientResult innerOnly = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(LAST_BLOCK),
                    2, false).run(x, seeds, 2);
            assertThat(ReferenceGradientTest.relativeError(innerOnly.inner().get(LAST_BLOCK).gradient(),
                    tokens.gradient())).isLessThan(1e-6);
            // the same forward pass, though ONNX Runtime may fuse the two graphs' forward parts differently
            assertThat(ReferenceGradientTest.relativeError(innerOnly.inner().get(LAST_BLOCK).value(),
                    tokens.value())).isLessThan(1e-5);
        }
    }

    /** Σ |gradient| over tokens [from, to) of item b. */
    static double gradientMass(InnerTensor t, int b, int from, int to) {
        int tokens = (int) t.shape()[1];
        int width = (int) t.shape()[2];
        double sum = 0;
        for (int k = (b * tokens + from) * width; k < (b * tokens + to) * width; k++) {
            sum += Math.abs(t.gradient()[k]);
        }
        return sum;
    }
}
