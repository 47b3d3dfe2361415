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
    /** torchvision's attention probabilities fold the batch into the heads: [N·3, 197, 197]. */
    static final String ATTENTION = "/encoder/layers/encoder_layer_5/self_attention/Softmax_output_0";

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

    @Test
    void attentionWithTheBatchFoldedIntoTheHeadsIsSlicedPerItem() throws IOException {
        OnnxModel model = OnnxModel.load(SharedData.path("reference/vit_s6.onnx"));
        float[] x = ReferenceGradientTest.readFloats(SharedData.path("reference/vit_s6.input.f32"));
        int item = x.length / 2;
        try (DifferentiableModel dm = DifferentiableModel.open(model, "input", "logits", new long[]{1, 3, 224, 224},
                EngineOptions.DEFAULT)) {
            float[] seeds = new float[2 * dm.classes()];
            seeds[316] = 1f;
            seeds[dm.classes() + 737] = 1f;
            InnerTensor both;
            InnerTensor first;
            InnerTensor second;
            try (var pair = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(ATTENTION), 2, false)) {
                both = pair.run(x, seeds, 2).inner().get(ATTENTION);
                // one item in the batch-2 session: [3, T, T], not [1, T, T]
                first = pair.run(java.util.Arrays.copyOf(x, item), java.util.Arrays.copyOf(seeds, dm.classes()), 1)
                        .inner().get(ATTENTION);
            }
            try (var single = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(ATTENTION), 1, false)) {
                second = single.run(java.util.Arrays.copyOfRange(x, item, x.length),
                        java.util.Arrays.copyOfRange(seeds, dm.classes(), seeds.length), 1).inner().get(ATTENTION);
            }
            int per = 3 * 197 * 197;
            assertThat(both.shape()).containsExactly(6, 197, 197);
            assertThat(both.value()).hasSize(2 * per);
            assertThat(both.itemSize(2)).isEqualTo(per);
            assertThat(first.shape()).containsExactly(3, 197, 197);
            assertThat(first.value()).hasSize(per);
            assertThat(ReferenceGradientTest.relativeError(java.util.Arrays.copyOf(both.value(), per), first.value()))
                    .isLessThan(1e-5);
            // item 1's three heads sit after item 0's: before the fix only 2·197·197 values were read
            float[] secondOfBoth = java.util.Arrays.copyOfRange(both.value(), per, 2 * per);
            float[] secondGradient = java.util.Arrays.copyOfRange(both.gradient(), per, 2 * per);
            assertThat(ReferenceGradientTest.relativeError(secondOfBoth, second.value())).isLessThan(1e-5);
            assertThat(ReferenceGradientTest.relativeError(secondGradient, second.gradient())).isLessThan(1e-4);
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
