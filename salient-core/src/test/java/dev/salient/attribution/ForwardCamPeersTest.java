package dev.salient.attribution;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static dev.salient.attribution.GradientMethodsTest.relativeError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Score-CAM and Ablation-CAM against pytorch-grad-cam (../shared/reference/peers): under the peer's conventions
 * (softmax over channels and align-corners upsampling; the drop divided by the score) Salient's forward passes give
 * its weights and raw maps to 1e-3 relative L2; Salient's own conventions give the maps its Javadoc states.
 */
class ForwardCamPeersTest {
    @ParameterizedTest
    @CsvSource({"cnn_small,bird", "cnn_small,dog", "resnet_small,bird", "resnet_small,dog"})
    void scoreCamUnderPytorchGradCamsConventionGivesItsWeights(String model, String photo) throws IOException {
        try (PeerReference peer = new PeerReference(model, photo)) {
            float[] a = peer.inner.value();
            int[] all = IntStream.range(0, peer.channels()).toArray();
            double[] scores = ScoreCam.maskedScores(peer.request, a, peer.layer, all,
                    true, 32, Batching.DEFAULT_MEMORY_BUDGET,
                    ProgressListener.NONE, "test");
            float[] weights = ScoreCam.pytorchGradCamWeights(scores);
            float[] raw = GradCam.weightedSum(weights, a, peer.channels(), peer.hw());
            double weightError = relativeError(weights, peer.file("gradcam.ScoreCAM.weights.f32"));
            double mapError = relativeError(raw, peer.file("gradcam.ScoreCAM.layer.f32"));
            // the weights are a softmax of logits a few 1e-2 apart: nearly uniform, so compare their spread too
            float[] theirs = peer.file("gradcam.ScoreCAM.weights.f32");
            double spreadError = relativeError(centred(weights), centred(theirs));
            System.out.printf("%s ScoreCAM (peer convention): weights %.1e, their deviation from the mean %.1e, "
                    + "raw map %.1e (relative L2)%n", peer, weightError, spreadError, mapError);
            assertThat(weightError).isLessThan(CamFamilyPeersTest.BAR);
            assertThat(spreadError).isLessThan(1e-2);
            assertThat(mapError).isLessThan(CamFamilyPeersTest.BAR);
        }
    }

    @ParameterizedTest
    @CsvSource({"cnn_small,bird", "cnn_small,dog"})
    void scoreCamsOwnConventionAndTopChannels(String model, String photo) throws IOException {
        try (PeerReference peer = new PeerReference(model, photo)) {
            Attribution salient = new ScoreCam(new ScoreCam.Settings(null, 0, 32, Batching.DEFAULT_MEMORY_BUDGET))
                    .attribute(peer.request);
            float[] theirs = GradCam.relu(peer.file("gradcam.ScoreCAM.layer.f32"));
            double difference = relativeError(unitMax(salient.values()), unitMax(theirs));
            System.out.printf("%s ScoreCAM: Salient's map (score increase over x ⊙ 0, half-pixel upsampling) "
                    + "against pytorch-grad-cam's (softmax, align corners), both max-scaled: relative L2 %.2f%n", peer,
                    difference);
            assertThat(Tensors.range(salient.values())[1]).as("a map that is not all zeros").isPositive();

            List<int[]> progress = new ArrayList<>();
            Attribution top = new ScoreCam(new ScoreCam.Settings(null, 16, 8, Batching.DEFAULT_MEMORY_BUDGET))
                    .attribute(peer.request, (done, total) -> progress.add(new int[]{done, total}));
            assertThat(top.diagnostic("channels")).isEqualTo(16);
            // progress after each round of chunks of 8, one chunk per lane
            int round = 8 * peer.request.model().lanes();
            List<Integer> rounds = IntStream.iterate(0, d -> d < 16 + round, d -> d + round).map(d -> Math.min(d, 16))
                    .boxed().toList();
            assertThat(progress).extracting(p -> p[0]).containsExactlyElementsOf(rounds);
            int[] kept = ScoreCam.topChannels(peer.inner.value(), peer.channels(), peer.hw(), 16);
            double smallestKept = Double.MAX_VALUE;
            double largestDropped = -Double.MAX_VALUE;
            for (int c = 0; c < peer.channels(); c++) {
                double mass = 0;
                for (int i = 0; i < peer.hw(); i++) {
                    mass += peer.inner.value()[c * peer.hw() + i];
                }
                final int channel = c;
                if (IntStream.of(kept).anyMatch(k -> k == channel)) {
                    smallestKept = Math.min(smallestKept, mass);
                } else {
                    largestDropped = Math.max(largestDropped, mass);
                }
            }
            assertThat(smallestKept).isGreaterThanOrEqualTo(largestDropped);
        }
    }

    @ParameterizedTest
    @CsvSource({"cnn_small,bird", "cnn_small,dog", "resnet_small,bird", "resnet_small,dog"})
    void ablationCamIsPytorchGradCamsTimesTheScore(String model, String photo) throws IOException {
        try (PeerReference peer = new PeerReference(model, photo)) {
            float[] a = peer.inner.value();
            double[] ablated = new double[peer.channels()];
            double score = AblationCam.ablatedScores(peer.request, peer.layer, a, 32, Batching.DEFAULT_MEMORY_BUDGET,
                    ablated, ProgressListener.NONE, "test");
            float[] weights = new float[peer.channels()];
            for (int k = 0; k < weights.length; k++) {
                weights[k] = (float) ((score - ablated[k]) / score);
            }
            float[] theirRaw = peer.file("gradcam.AblationCAM.layer.f32");
            double weightError = relativeError(weights, peer.file("gradcam.AblationCAM.weights.f32"));
            double mapError = relativeError(GradCam.weightedSum(weights, a, peer.channels(), peer.hw()), theirRaw);
            double logitError = Math.abs(score - peer.file("logits.f32")[peer.request.targetClass()]) / Math.abs(score);
            // Salient's plain drop: its map is ReLU(F_c · the peer's raw map)
            float[] expected = theirRaw.clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (float) Math.max(0, score * expected[i]);
            }
            double salientError = relativeError(new AblationCam(new AblationCam.Settings(null, 32,
                    Batching.DEFAULT_MEMORY_BUDGET)).attribute(peer.request).values(), expected);
            System.out.printf("%s AblationCAM: logit above the layer %.1e, weights (peer convention) %.1e, raw map "
                    + "%.1e; Salient's map against ReLU(logit %.3f × peer's raw map) %.1e (relative L2)%n", peer,
                    logitError, weightError, mapError, score, salientError);
            assertThat(logitError).isLessThan(1e-5);
            assertThat(weightError).isLessThan(CamFamilyPeersTest.BAR);
            assertThat(mapError).isLessThan(CamFamilyPeersTest.BAR);
            assertThat(salientError).isLessThan(CamFamilyPeersTest.BAR);
        }
    }

    private static float[] centred(float[] x) {
        double mean = 0;
        for (float v : x) {
            mean += v;
        }
        mean /= x.length;
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (x[i] - mean);
        }
        return out;
    }

    private static float[] unitMax(float[] x) {
        float max = Tensors.range(x)[1];
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = max == 0 ? 0 : x[i] / max;
        }
        return out;
    }
}
