package dev.salient.attribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.OnnxModel;
import dev.salient.image.Layout;
import dev.salient.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DeepLIFT (rescale) against Captum 0.6.0's DeepLift on the peers' models (../shared/reference/peers): baseline the
 * model-space black photo, target the logit. The manifest says Captum's maxpool rule ran, but its numbers are the
 * rescale rule on ReLUs with MaxPool's plain gradient (matched here to ≤ 2.7e-4 relative L2) and miss summation to delta
 * by the manifest's convergence_delta; with the maxpool rule, Salient's default, the map sums to F(x) − F(x′).
 */
class DeepLiftTest {
    @ParameterizedTest
    @CsvSource({"cnn_small, bird", "cnn_small, dog", "resnet_small, bird", "resnet_small, dog"})
    void matchesCaptum(String model, String photo) throws IOException {
        Path peers = SharedData.path("reference/peers");
        JsonNode manifest = new ObjectMapper().readTree(peers.resolve("peers_ref.json").toFile());
        int target = manifest.at("/models/" + model + "/targets/" + photo).asInt();
        float[] input = LrpTest.floats(peers.resolve("inputs").resolve(photo + ".input.f32"));
        float[] theirs = LrpTest.floats(peers.resolve(model).resolve(photo).resolve("captum.DeepLift.f32"));
        float[] black = new float[3];
        for (int c = 0; c < 3; c++) {
            black[c] = (float) ((0 - manifest.at("/preprocess/mean/" + c).asDouble())
                    / manifest.at("/preprocess/std/" + c).asDouble());
        }
        try (DifferentiableModel dm = DifferentiableModel.open(OnnxModel.load(peers.resolve(model + ".onnx")), "input",
                "logits", new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT)) {
            AttributionRequest request = new AttributionRequest(dm, input, target, TargetHead.LOG_PROBABILITY,
                    Layout.NCHW, black);
            Attribution ours = new DeepLift(new IntegratedGradients.Baseline.Black(), DeepLift.MaxPoolRule.RESCALE)
                    .attribute(request);
            Attribution captums = new DeepLift(new IntegratedGradients.Baseline.Black(), DeepLift.MaxPoolRule.GRADIENT)
                    .attribute(request);
            double error = GradientMethodsTest.relativeError(captums.values(), theirs);
            double difference = GradientMethodsTest.relativeError(ours.values(), theirs);
            double sum = 0, theirSum = 0;
            for (int i = 0; i < theirs.length; i++) {
                sum += ours.values()[i];
                theirSum += theirs[i];
            }
            double delta = ours.diagnostics().get("targetScore") - ours.diagnostics().get("baselineScore");
            double captumsDelta = theirSum - delta; // the manifest's convergence_delta
            System.out.printf("DeepLIFT on %s/%s against Captum: MaxPool gradient %.2e, MaxPool rescale %.2e relative "
                    + "L2; rescale sum %.6f, F(x) − F(x′) %.6f, Captum's sum %.6f%n", model, photo, error, difference,
                    sum, delta, theirSum);
            assertThat(error).as("under Captum 0.6.0's effective convention (MaxPool gradient)").isLessThan(1e-3);
            assertThat(sum).as("the rescale rule sums to the delta").isCloseTo(delta,
                    org.assertj.core.data.Offset.offset(1e-4 * Math.abs(delta) + 1e-6));
            assertThat(Math.abs(captumsDelta)).as("Captum's result misses the delta").isGreaterThan(1e-3);
        }
    }
}
