package dev.salient.attribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.autodiff.GradientRule;
import dev.salient.autodiff.LrpRules;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.GradientResult;
import dev.salient.graph.OnnxModel;
import dev.salient.image.Layout;
import dev.salient.testing.BatchNorms;
import dev.salient.testing.SharedData;
import dev.salient.testing.TestNets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LRP against the peers' own numbers (../shared/reference/peers): Zennit 0.5.1's EpsilonPlusFlat and EpsilonGammaBox
 * (ε = stabiliser = 10⁻⁶, γ = 0.25, box = black..white in model space) and Captum 0.6.0's LRP (ε = 10⁻⁹ everywhere,
 * ReLU passes) on cnn_small, as is and with its BatchNorms folded. Salient and Captum put the logit of class 43 at
 * the output as its relevance; Zennit's Gradient attributor with a one-hot {@code attr_output} puts 1 there, so its
 * maps are Salient's divided by the logit (every rule is linear in the relevance it receives). The test compares under
 * each peer's convention and checks the difference is exactly that factor.
 */
class LrpTest {
    @ParameterizedTest
    @CsvSource({
            "cnn_small, bird, EPSILON_PLUS_FLAT, 1e-6, zennit.EpsilonPlusFlat",
            "cnn_small, dog, EPSILON_PLUS_FLAT, 1e-6, zennit.EpsilonPlusFlat",
            "cnn_small, bird, EPSILON_GAMMA_BOX, 1e-6, zennit.EpsilonGammaBox",
            "cnn_small, dog, EPSILON_GAMMA_BOX, 1e-6, zennit.EpsilonGammaBox",
            "cnn_small, bird, EPSILON, 1e-9, captum.LRP.bn",
            "cnn_small, dog, EPSILON, 1e-9, captum.LRP.bn",
            "cnn_small_bnfolded, bird, EPSILON, 1e-9, captum.LRP.bnfolded",
            "cnn_small_bnfolded, dog, EPSILON, 1e-9, captum.LRP.bnfolded"})
    void matchesThePeers(String model, String photo, LrpRules.Composite composite, double epsilon, String file)
            throws IOException {
        PeerCase peer = PeerCase.of(photo, file);
        float[] theirs = peer.theirs();
        try (DifferentiableModel dm = DifferentiableModel.open(OnnxModel.load(peer.folder().resolve(model + ".onnx")),
                "input", "logits", new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT)) {
            Attribution ours = new Lrp(composite, epsilon, 0.25).attribute(peer.request(dm,
                    TargetHead.LOG_PROBABILITY));
            double logit = ours.diagnostics().get("targetScore");
            // Zennit's output relevance is 1, not the logit: ours / logit under its convention
            double scale = file.startsWith("zennit") ? logit : 1;
            float[] underTheirConvention = ours.values().clone();
            for (int i = 0; i < underTheirConvention.length; i++) {
                underTheirConvention[i] /= scale;
            }
            double error = GradientMethodsTest.relativeError(underTheirConvention, theirs);
            double sum = 0, theirSum = 0;
            for (int i = 0; i < theirs.length; i++) {
                sum += ours.values()[i];
                theirSum += theirs[i];
            }
            System.out.printf("LRP %s on %s/%s against %s: relative L2 %.2e; relevance sum %.6f (theirs %.6f), "
                    + "logit %.6f%n", composite, model, photo, file, error, sum, theirSum, logit);
            assertThat(error).as("relative L2 under the peer's convention").isLessThan(1e-3);
            if (scale != 1) {
                assertThat(GradientMethodsTest.relativeError(ours.values(), theirs)).as("Salient's own convention")
                        .isCloseTo(Math.abs(logit - 1), org.assertj.core.data.Offset.offset(1e-4)); // ours = theirs · logit
            }
            assertThat(sum / scale).as("relevance sum under the peer's convention").isCloseTo(theirSum,
                    org.assertj.core.data.Offset.offset(1e-4 * Math.abs(theirSum)));
        }
    }

    /**
     * BatchNorm folded before LRP, as Zennit's canonizer does: cnn_small given back a BatchNorm after each convolution
     * (the function unchanged, every fourth channel with a negative scale), explained by the composites, matches
     * Zennit's maps of the PyTorch model with its BatchNorms, to the bar of the BN-free model. The same composite on the
     * unfolded graph, which gives each BatchNorm its own proportional rule, does not: the z⁺ and γ rules then see the
     * divided weights, whose signs the negative scales have flipped, and the BatchNorms' biases absorb relevance.
     */
    @ParameterizedTest
    @CsvSource({"bird, EPSILON_PLUS_FLAT, zennit.EpsilonPlusFlat", "dog, EPSILON_GAMMA_BOX, zennit.EpsilonGammaBox"})
    void batchNormIsFoldedBeforeTheRulesAsZennitDoes(String photo, LrpRules.Composite composite, String file)
            throws IOException {
        PeerCase peer = PeerCase.of(photo, file);
        float[] theirs = peer.theirs();
        OnnxModel withNorms = BatchNorms.inserted(OnnxModel.load(peer.folder().resolve("cnn_small.onnx")), 9, false);
        assertThat(BatchNorms.count(withNorms, "BatchNormalization")).isEqualTo(5);
        try (DifferentiableModel dm = DifferentiableModel.open(withNorms, "input", "logits",
                new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT)) {
            AttributionRequest request = peer.request(dm, TargetHead.LOGIT);
            Lrp lrp = new Lrp(composite, 1e-6, 0.25);
            Attribution folded = lrp.attribute(request);
            double logit = folded.diagnostics().get("targetScore");
            double foldedError = GradientMethodsTest.relativeError(scaled(folded.values(), 1 / logit), theirs);
            RuleTable unfoldedRules = lrp.rules(request).foldingBatchNorm(false);
            float[] unfolded = GradientMethod.single(request, unfoldedRules, List.of()).inputGradient();
            double unfoldedError = GradientMethodsTest.relativeError(unfolded, theirs);
            System.out.printf("LRP %s on cnn_small with 5 BatchNorms, %s: relative L2 to Zennit folded %.2e, "
                    + "unfolded %.2e%n", composite, photo, foldedError, unfoldedError);
            assertThat(foldedError).isLessThan(1e-3);
            assertThat(unfoldedError).isGreaterThan(0.1);
        }
    }

    /**
     * Conservation through BatchNorm: the tiny CNN given a BatchNorm after each convolution with β = μ·s (no bias
     * after folding; channel 1 of each with a negative scale), with ε → 0, hands the whole logit to the input, and
     * its map is the BN-free model's. Unfolded, the z⁺ and γ rules of its second convolution see class 1's weights
     * with their signs flipped by the negative scale, and its map differs (the ε rule is indifferent to a scale per
     * output channel, and a bias-free BatchNorm's own ε rule passes relevance unchanged: no difference there).
     */
    @ParameterizedTest
    @CsvSource({"EPSILON_PLUS_FLAT", "EPSILON_GAMMA_BOX", "EPSILON_PLUS", "EPSILON"})
    void relevanceThroughFoldedBatchNormSumsToTheLogit(LrpRules.Composite composite) {
        float[] x = TestNets.gaussian(36, 5);
        long[] shape = {1, 1, 6, 6};
        try (DifferentiableModel withNorms = DifferentiableModel.open(BatchNorms.inserted(TestNets.tiny(), 4, true),
                TestNets.INPUT, TestNets.OUTPUT, shape, EngineOptions.DEFAULT);
             DifferentiableModel plain = DifferentiableModel.open(TestNets.tiny(), TestNets.INPUT, TestNets.OUTPUT,
                     shape, EngineOptions.DEFAULT)) {
            Lrp lrp = new Lrp(composite, 1e-9, 0.25);
            for (int target = 0; target < 3; target++) {
                AttributionRequest request = new AttributionRequest(withNorms, x, target, TargetHead.LOGIT,
                        Layout.NCHW, new float[]{-4}, new float[]{4});
                Attribution a = lrp.attribute(request);
                Attribution reference = lrp.attribute(new AttributionRequest(plain, x, target, TargetHead.LOGIT,
                        Layout.NCHW, new float[]{-4}, new float[]{4}));
                double logit = a.diagnostics().get("targetScore");
                float[] unfolded = scaled(GradientMethod.single(request, lrp.rules(request).foldingBatchNorm(false),
                        List.of()).inputGradient(), logit);
                double unfoldedDifference = GradientMethodsTest.relativeError(unfolded, a.values());
                System.out.printf("LRP %s, tiny CNN with BatchNorms, class %d: relevance sum %.7f, logit %.7f, "
                        + "vs BN-free model %.1e, unfolded differs by %.2e%n", composite, target, sum(a.values()), logit,
                        GradientMethodsTest.relativeError(a.values(), reference.values()), unfoldedDifference);
                assertThat(sum(a.values())).isCloseTo(logit, org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(logit))));
                assertThat(GradientMethodsTest.relativeError(a.values(), reference.values())).isLessThan(1e-5);
                if (composite != LrpRules.Composite.EPSILON && target == 1) {
                    assertThat(unfoldedDifference).as("unfolded, class 1's channel has a negative scale")
                            .isGreaterThan(1e-2);
                }
            }
        }
    }

    /**
     * The z⁺ and γ rules on a layer whose input has both signs (the tiny CNN's first convolution, fed the raw input)
     * take their general form, with the x⁻ terms; after a ReLU, the short form. Without biases and with ε → 0 both
     * conserve: Σ R_in = the logit.
     */
    @ParameterizedTest
    @CsvSource({"z-plus", "gamma"})
    void rulesOnInputsOfBothSignsConserveRelevance(String rule) {
        float[] x = TestNets.gaussian(36, 8);
        GradientRule layerRule = rule.equals("gamma") ? new LrpRules.Gamma(0.25f, 1e-9f) : new LrpRules.ZPlus(1e-9f);
        RuleTable table = LrpRules.composite(LrpRules.Composite.EPSILON, 1e-9f, 0.25f, null, null).with("Conv",
                new LrpRules.ByLayer(layerRule, new LrpRules.Epsilon(1e-9f), layerRule, new LrpRules.Epsilon(1e-9f)));
        try (DifferentiableModel dm = DifferentiableModel.open(TestNets.tiny(), TestNets.INPUT, TestNets.OUTPUT,
                new long[]{1, 1, 6, 6}, EngineOptions.DEFAULT)) {
            for (int target = 0; target < 3; target++) {
                GradientResult r = GradientMethod.single(new AttributionRequest(dm, x, target, TargetHead.LOGIT,
                        Layout.NCHW), table, List.of());
                double logit = r.target()[0];
                double sum = sum(r.inputGradient()) * logit;
                System.out.printf("LRP %s on both input signs, tiny CNN, class %d: relevance sum %.7f, logit %.7f%n",
                        rule, target, sum, logit);
                assertThat(sum).isCloseTo(logit, org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(logit))));
            }
        }
    }

    /** A photo of ../shared/reference/peers on cnn_small: its target, input, the peer's map and the pixel box. */
    private record PeerCase(Path folder, int target, float[] input, float[] theirs, float[] black, float[] white) {
        static PeerCase of(String photo, String file) throws IOException {
            Path peers = SharedData.path("reference/peers");
            JsonNode manifest = new ObjectMapper().readTree(peers.resolve("peers_ref.json").toFile());
            return new PeerCase(peers, manifest.at("/models/cnn_small/targets/" + photo).asInt(),
                    floats(peers.resolve("inputs").resolve(photo + ".input.f32")),
                    floats(peers.resolve("cnn_small").resolve(photo).resolve(file + ".f32")),
                    modelSpace(manifest, 0), modelSpace(manifest, 1));
        }

        /** The model-space value of a pixel value (0 black, 1 white) per channel. */
        private static float[] modelSpace(JsonNode manifest, int pixel) {
            float[] value = new float[3];
            for (int c = 0; c < 3; c++) {
                value[c] = (float) ((pixel - manifest.at("/preprocess/mean/" + c).asDouble())
                        / manifest.at("/preprocess/std/" + c).asDouble());
            }
            return value;
        }

        AttributionRequest request(DifferentiableModel model, TargetHead head) {
            return new AttributionRequest(model, input, target, head, Layout.NCHW, black, white);
        }
    }

    private static float[] scaled(float[] values, double factor) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (values[i] * factor);
        }
        return out;
    }

    /** Tables are values: the same composite and parameters give equal tables (one cached session), others differ. */
    @org.junit.jupiter.api.Test
    void equalParametersGiveEqualRuleTables() {
        float[] low = {-2, -2, -2};
        float[] high = {2, 2, 2};
        var table = LrpRules.composite(LrpRules.Composite.EPSILON_GAMMA_BOX, 1e-6f, 0.25f, low, high);
        assertThat(LrpRules.composite(LrpRules.Composite.EPSILON_GAMMA_BOX, 1e-6f, 0.25f, low.clone(), high.clone()))
                .isEqualTo(table).hasSameHashCodeAs(table);
        assertThat(LrpRules.composite(LrpRules.Composite.EPSILON_GAMMA_BOX, 1e-6f, 0.5f, low, high)).isNotEqualTo(table);
        assertThat(LrpRules.composite(LrpRules.Composite.EPSILON_GAMMA_BOX, 1e-6f, 0.25f, low, new float[]{2, 2, 3}))
                .isNotEqualTo(table);
        assertThat(LrpRules.composite(LrpRules.Composite.EPSILON_PLUS_FLAT, 1e-6f, 0.25f, low, high))
                .isNotEqualTo(table);
        assertThat(table.foldsBatchNorm()).isTrue();
        assertThat(table.foldingBatchNorm(false)).as("folding BatchNorm is part of the value").isNotEqualTo(table);
    }

    /**
     * Conservation: with no biases and ε → 0, every rule hands on all the relevance it gets, so the input relevance
     * sums to the logit. On the tiny CNN (two bias-free convolutions) for every composite, and on resnet_small with
     * its biases zeroed, whose residual additions split relevance by contribution.
     */
    @ParameterizedTest
    @CsvSource({"EPSILON_PLUS_FLAT", "EPSILON_GAMMA_BOX", "EPSILON_PLUS", "EPSILON"})
    void relevanceSumsToTheLogitWithoutBiases(LrpRules.Composite composite) {
        float[] x = TestNets.gaussian(36, 5);
        try (DifferentiableModel dm = DifferentiableModel.open(TestNets.tiny(), TestNets.INPUT, TestNets.OUTPUT,
                new long[]{1, 1, 6, 6}, EngineOptions.DEFAULT)) {
            for (int target = 0; target < 3; target++) {
                Attribution a = new Lrp(composite, 1e-9, 0.25).attribute(new AttributionRequest(dm, x, target,
                        TargetHead.LOGIT, Layout.NCHW, new float[]{-4}, new float[]{4}));
                double sum = sum(a.values());
                double logit = a.diagnostics().get("targetScore");
                System.out.printf("LRP %s, tiny CNN, class %d: relevance sum %.7f, logit %.7f%n", composite, target,
                        sum, logit);
                assertThat(sum).isCloseTo(logit, org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(logit))));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"EPSILON_PLUS_FLAT", "EPSILON_GAMMA_BOX", "EPSILON"})
    void residualAdditionsConserveRelevance(LrpRules.Composite composite) throws IOException {
        Path peers = SharedData.path("reference/peers");
        float[] input = floats(peers.resolve("inputs").resolve("bird.input.f32"));
        try (DifferentiableModel dm = DifferentiableModel.open(withoutBiases(OnnxModel.load(
                peers.resolve("resnet_small.onnx"))), "input", "logits", new long[]{1, 3, 224, 224},
                EngineOptions.DEFAULT)) {
            int target = Fixtures.top1(dm.forward(input, 1));
            Attribution a = new Lrp(composite, 1e-9, 0.25).attribute(new AttributionRequest(dm, input, target,
                    TargetHead.LOGIT, Layout.NCHW, new float[]{-2.2f, -2.1f, -1.9f}, new float[]{2.3f, 2.5f, 2.7f}));
            double sum = sum(a.values());
            double logit = a.diagnostics().get("targetScore");
            System.out.printf("LRP %s, bias-free resnet_small, class %d: relevance sum %.6f, logit %.6f%n",
                    composite, target, sum, logit);
            assertThat(sum).isCloseTo(logit, org.assertj.core.data.Offset.offset(1e-3 * Math.abs(logit)));
        }
    }

    /** The model with every Conv and Gemm bias set to zero. */
    private static OnnxModel withoutBiases(OnnxModel model) {
        java.util.Set<String> biases = new java.util.HashSet<>();
        for (var n : model.proto().getGraph().getNodeList()) {
            if ((n.getOpType().equals("Conv") || n.getOpType().equals("Gemm")) && n.getInputCount() > 2) {
                biases.add(n.getInput(2));
            }
        }
        var graph = model.proto().getGraph().toBuilder();
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            var t = graph.getInitializer(i);
            if (biases.contains(t.getName())) {
                long count = t.getDimsList().stream().reduce(1L, (a, b) -> a * b);
                graph.setInitializer(i, t.toBuilder().clearFloatData().setRawData(
                        com.google.protobuf.ByteString.copyFrom(new byte[Math.toIntExact(count * 4)])));
            }
        }
        assertThat(biases).as("biases found").isNotEmpty();
        return new OnnxModel(model.proto().toBuilder().setGraph(graph).build());
    }

    private static double sum(float[] values) {
        double s = 0;
        for (float v : values) {
            s += v;
        }
        return s;
    }

    static float[] floats(Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[buf.remaining() / 4];
        buf.asFloatBuffer().get(out);
        return out;
    }
}
