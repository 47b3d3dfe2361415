package dev.salient.attribution;

import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.InnerTensor;
import dev.salient.image.Layout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Grad-CAM++'s map does not depend on the scale of the class score, and under pytorch-grad-cam's convention
 * (unit 1, ε = 10⁻⁶) the weights are that library's, computed on the layer Salient's engine differentiates.
 */
class GradCamPlusPlusTest {
    @Test
    void multiplyingTheScoreByAConstantMultipliesTheMapByIt() {
        float factor = 1000;
        float[] bird = Fixtures.image("bird.bmp");
        DifferentiableModel plain = Fixtures.mobileNetV2();
        int target = Fixtures.top1(plain.forward(bird, 1));
        try (DifferentiableModel scaled = DifferentiableModel.open(MobileNetRewrites.scaledLogits(factor), "input",
                "logits", new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT)) {
            Attribution one = new GradCamPlusPlus().attribute(new AttributionRequest(plain, bird, target,
                    TargetHead.LOGIT, Layout.NCHW));
            Attribution thousand = new GradCamPlusPlus().attribute(new AttributionRequest(scaled, bird, target,
                    TargetHead.LOGIT, Layout.NCHW));
            float[] rescaled = thousand.values().clone();
            for (int i = 0; i < rescaled.length; i++) {
                rescaled[i] /= factor;
            }
            double error = GradientMethodsTest.relativeError(rescaled, one.values());
            System.out.printf("Grad-CAM++, logits x%.0f: map / %.0f against the plain map, relative L2 %.2e%n",
                    factor, factor, error);
            assertThat(GradientMethodsTest.relativeError(one.values(), new float[one.values().length]))
                    .as("a map that is not all zeros").isGreaterThan(0.5);
            assertThat(error).isLessThan(1e-5);
        }
    }

    @ParameterizedTest
    @CsvSource({"cnn_small,bird", "cnn_small,dog", "resnet_small,bird", "resnet_small,dog"})
    void pytorchGradCamsConventionGivesItsWeightsOnTheEnginesLayer(String model, String photo) throws IOException {
        try (PeerReference peer = new PeerReference(model, photo)) {
            float[] theirActivation = peer.file("layer_activation.f32");
            float[] theirGradient = peer.file("layer_gradient.f32");
            float[] theirWeights = peer.file("gradcam.GradCAMPlusPlus.weights.f32");
            float[] theirMap = peer.file("gradcam.GradCAMPlusPlus.layer.f32");
            int channels = theirWeights.length;
            int hw = theirActivation.length / channels;
            assertThat(peer.channels() * peer.hw()).isEqualTo(theirActivation.length);
            InnerTensor ours = peer.inner;
            double activationError = GradientMethodsTest.relativeError(ours.value(), theirActivation);
            double gradientError = GradientMethodsTest.relativeError(ours.gradient(), theirGradient);
            float[] weights = GradCamPlusPlus.weights(ours.value(), ours.gradient(), channels, hw,
                    GradCamPlusPlus.PYTORCH_GRAD_CAM_UNIT, GradCamPlusPlus.PYTORCH_GRAD_CAM_EPS);
            float[] map = GradCam.weightedSum(weights, ours.value(), channels, hw);
            double weightError = GradientMethodsTest.relativeError(weights, theirWeights);
            double mapError = GradientMethodsTest.relativeError(map, theirMap);
            System.out.printf("%s/%s against pytorch-grad-cam: layer value %.1e, gradient %.1e, Grad-CAM++ weights "
                    + "%.1e, raw map %.1e (relative L2)%n", model, photo, activationError, gradientError, weightError,
                    mapError);
            assertThat(activationError).isLessThan(1e-5);
            assertThat(gradientError).isLessThan(1e-5);
            assertThat(weightError).isLessThan(1e-4);
            assertThat(mapError).isLessThan(1e-4);
        }
    }
}
