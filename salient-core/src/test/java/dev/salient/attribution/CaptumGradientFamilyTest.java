package dev.salient.attribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.image.Layout;
import dev.salient.testing.RealModels;
import dev.salient.testing.SharedData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gradient × input and Integrated Gradients against Captum 0.6.0's InputXGradient and IntegratedGradients on the
 * peers' models, under the manifest's convention: the raw logit of the top-1 class (no softmax), IG with 64
 * Gauss–Legendre nodes on [0, 1] (Captum's {@code method='gausslegendre'}, weights summing to 1 as Salient's do),
 * internal batch 16, from the model-space black photo. (Captum's {@code riemann_trapezoid} weights sum to (n−1)/n,
 * not 1: under that rule the two would differ by that factor.)
 *
 * <p>Who is right where they differ: {@code bench/peers-float64.py} runs the same ONNX graphs op by op in PyTorch
 * float64. Relative L2 errors against float64 (Captum / Salient): InputXGradient cnn_small 3.0e-7 / 2.6e-7 and
 * 2.9e-7 / 2.6e-7, resnet_small bird 4.5e-7 / 4.4e-4, dog 2.5e-3 / 4.5e-7; IntegratedGradients cnn_small 3.6e-3 /
 * 2.6e-3 and 1.9e-3 / 2.3e-3, resnet_small 1.2e-3 / 1.1e-3 and 2.8e-3 / 2.3e-3. Both are float32 computations of a
 * badly conditioned function (random weights): one ReLU or MaxPool decision near a tie goes the other way in one of
 * them. On resnet_small it is Captum's float32 run (of the PyTorch model with its BatchNorms, not the folded export) on
 * dog, ours on bird; in each case the whole difference lies in one patch the size of that decision's receptive field
 * (dog: rows 191–199, columns 19–27, under the stem's 3×3/2 MaxPool window at row 49, column 6, channel 1, whose two
 * largest inputs differ by 8.7e-7 relative in float64: the winner moves by one diagonal step; bird: the top-right
 * corner, 14×21 pixels), and outside a 31×31 window around the largest difference (about the receptive field of
 * one decision in the first stage) the two maps agree to 6e-7 (4e-7 on cnn_small). IG samples 64 gradients along the path, so its float32 floor
 * is that of 64 chances of such a flip: 1.2e-3 to 3.6e-3 for Captum, 1.1e-3 to 2.6e-3 for Salient.
 *
 * <p>The bar is the project's: max(1e-3, 3 × floor), with the floor Captum's own float32 error against float64 for
 * that file (as {@code float32_floor} in ../shared/reference). That tightens InputXGradient to 1e-3 except on
 * resnet_small/dog, and is looser than the former flat 3e-3 for IG, whose floor is that high.
 */
class CaptumGradientFamilyTest {
    @ParameterizedTest
    @CsvSource({
            // model, photo, Captum float32 floor of InputXGradient, of IntegratedGradients (bench/peers-float64.py)
            "cnn_small, bird, 2.97e-7, 3.64e-3",
            "cnn_small, dog, 2.88e-7, 1.86e-3",
            "resnet_small, bird, 4.45e-7, 1.17e-3",
            "resnet_small, dog, 2.53e-3, 2.76e-3"})
    void matchesCaptum(String model, String photo, double inputTimesGradientFloor, double integratedFloor)
            throws IOException {
        Path peers = SharedData.path("reference/peers");
        JsonNode manifest = new ObjectMapper().readTree(peers.resolve("peers_ref.json").toFile());
        int target = manifest.at("/models/" + model + "/targets/" + photo).asInt();
        float[] input = LrpTest.floats(peers.resolve("inputs").resolve(photo + ".input.f32"));
        Path dir = peers.resolve(model).resolve(photo);
        float[] black = new float[3];
        for (int c = 0; c < 3; c++) {
            black[c] = (float) ((0 - manifest.at("/preprocess/mean/" + c).asDouble())
                    / manifest.at("/preprocess/std/" + c).asDouble());
        }
        {
            DifferentiableModel dm = RealModels.reference("peers/" + model); // shared by the test JVM: not closed here
            AttributionRequest request = new AttributionRequest(dm, input, target, TargetHead.LOGIT, Layout.NCHW, black);
            float[] ours = new GradientTimesInput().attribute(request).values();
            float[] theirs = LrpTest.floats(dir.resolve("captum.InputXGradient.f32"));
            double inputTimesGradient = GradientMethodsTest.relativeError(ours, theirs);
            double integrated = GradientMethodsTest.relativeError(new IntegratedGradients(new IntegratedGradients.Params(
                    64, IntegratedGradients.Rule.GAUSS_LEGENDRE, new IntegratedGradients.Baseline.Black(), 16,
                    Batching.DEFAULT_MEMORY_BUDGET)).attribute(request).values(),
                    LrpTest.floats(dir.resolve("captum.IntegratedGradients.f32")));
            System.out.printf("%s/%s against Captum: InputXGradient %.2e, IntegratedGradients %.2e relative L2%n",
                    model, photo, inputTimesGradient, integrated);
            assertThat(inputTimesGradient).isLessThan(bar(inputTimesGradientFloor));
            assertThat(integrated).isLessThan(bar(integratedFloor));
            assertThat(outsideLargestDifference(ours, theirs, 224, 224, 31))
                    .as("InputXGradient outside the one patch where a float32 decision may flip").isLessThan(1e-5);
        }
    }

    private static double bar(double float32Floor) {
        return Math.max(1e-3, 3 * float32Floor);
    }

    /**
     * Relative L2 difference of two [C, H, W] maps outside the {@code size}×{@code size} window (clipped to the image)
     * centred on the pixel where they differ most: what is left when one decision's receptive field is set aside.
     */
    static double outsideLargestDifference(float[] a, float[] b, int height, int width, int size) {
        int plane = height * width;
        int channels = a.length / plane;
        int worst = 0;
        double worstValue = -1;
        for (int p = 0; p < plane; p++) {
            double d = 0;
            for (int c = 0; c < channels; c++) {
                d += Math.abs(a[c * plane + p] - b[c * plane + p]);
            }
            if (d > worstValue) {
                worstValue = d;
                worst = p;
            }
        }
        int row = worst / width;
        int col = worst % width;
        double difference = 0;
        double norm = 0;
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < plane; p++) {
                if (Math.abs(p / width - row) <= size / 2 && Math.abs(p % width - col) <= size / 2) {
                    continue;
                }
                double d = a[c * plane + p] - b[c * plane + p];
                difference += d * d;
                norm += (double) b[c * plane + p] * b[c * plane + p];
            }
        }
        return Math.sqrt(difference / norm);
    }
}
