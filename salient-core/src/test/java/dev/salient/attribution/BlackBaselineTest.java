package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** "Black" baselines are a black photo in each model's own input space, not the number 0. */
class BlackBaselineTest {
    @Test
    void blackFollowsThePreprocessing() {
        BufferedImage black = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        try (ImageClassifier coral = ImageClassifier.load(new ResolvedModel("coral",
                SharedData.path("mirror/mobilenet_v2_1.0_224_quant.tflite"), SharedData.path("mirror/imagenet_labels.txt"),
                null, "path", false), ModelConfig.EMPTY, EngineOptions.DEFAULT);
             ImageClassifier onnx = ImageClassifier.load(new ResolvedModel("onnx", SharedData.mobileNetV2(),
                     SharedData.labels1001(), null, "path", false), ModelConfig.EMPTY, EngineOptions.DEFAULT)) {
            for (ImageClassifier model : new ImageClassifier[]{coral, onnx}) {
                float[] photo = model.toInput(ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT));
                AttributionRequest request = AttributionRequest.of(model, photo, 20, TargetHead.LOGIT);
                float[] expected = model.toInput(black);
                float[] baseline = new IntegratedGradients.Baseline.Black().of(request);
                assertThat(baseline).hasSize(expected.length);
                for (int i = 0; i < expected.length; i += 997) {
                    assertThat(baseline[i]).isCloseTo(expected[i], within(1e-6f));
                }
            }
            float[] coralPhoto = coral.toInput(ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT));
            assertThat(AttributionRequest.of(coral, coralPhoto, 20, TargetHead.LOGIT).black(0)).isEqualTo(-1f);
        }
    }
}
