package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.model.ImageClassifier;
import dev.salient.testing.RealModels;
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
        ImageClassifier coral = RealModels.coralQuantised();
        for (ImageClassifier model : new ImageClassifier[]{coral, RealModels.mobileNetV2()}) {
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
