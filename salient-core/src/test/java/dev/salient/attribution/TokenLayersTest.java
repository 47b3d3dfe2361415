package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.SharedRuntime;
import dev.salient.graph.OnnxModel;
import dev.salient.image.Layout;
import dev.salient.testing.SharedData;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Layers found by shape on the reference transformer and ConvNet (random weights; ../shared/reference) and on small
 * graphs built here: ViT's [1, 197, 192] tokens, ConvNeXt's NCHW stages, a channels-last (Swin-like) layer.
 */
class TokenLayersTest {
    /** vit_s6's last block: its output carries gradient at the class token only. */
    private static final String VIT_LAST_BLOCK = "/encoder/layers/encoder_layer_5/Add_1_output_0";
    private static final int VIT_TARGET = 316;

    private static DifferentiableModel open(String name) {
        return DifferentiableModel.open(OnnxModel.load(SharedData.path("reference/" + name + ".onnx")), "input",
                "logits", new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT);
    }

    /** The first image of the reference input batch (bird_224.png, ImageNet-normalised, NCHW). */
    private static float[] referenceImage(String name) throws IOException {
        byte[] raw = Files.readAllBytes(SharedData.path("reference/" + name + ".input.f32"));
        float[] all = new float[raw.length / 4];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(all);
        return Arrays.copyOf(all, 3 * 224 * 224);
    }

    private static double max(float[] values) {
        double m = Double.NEGATIVE_INFINITY;
        for (float v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    @Test
    void vitTokensAreFourteenByFourteenGridsAndGradCamReadsThem() throws IOException {
        for (String name : List.of("vit_s6", "vit_s6_op17")) {
            try (DifferentiableModel vit = open(name)) {
                List<SpatialLayers.Layer> layers = SpatialLayers.find(vit);
                // the patch embedding (a 16×16 stride-16 Conv), its 196 tokens, then 1 + 196 tokens to the end
                assertThat(layers.get(0).layout()).isEqualTo(SpatialLayers.Layout.NCHW);
                assertThat(layers.get(1).extraTokens()).isZero();
                assertThat(layers.subList(1, layers.size())).as(name).hasSizeGreaterThan(30).allSatisfy(l ->
                        assertThat(l.layout()).isEqualTo(SpatialLayers.Layout.TOKENS));
                assertThat(layers.subList(2, layers.size())).allSatisfy(l ->
                        assertThat(l.extraTokens()).isEqualTo(1));
                assertThat(layers).allSatisfy(l -> {
                    assertThat(l.height()).isEqualTo(14);
                    assertThat(l.width()).isEqualTo(14);
                    assertThat(l.channels()).isIn(192, 768); // no LayerNorm statistics [1, 197, 1]
                });
                // no attention tensor [3, 197, 197] or head split [197, 3, 64] is taken for an image
                assertThat(layers).noneMatch(l -> l.name().contains("Softmax") || l.shape()[0] != 1);
                assertThat(layers.get(layers.size() - 1).name()).isEqualTo("/encoder/ln/"
                        + (name.endsWith("op17") ? "LayerNormalization_output_0" : "Add_1_output_0"));

                SpatialLayers.Layer chosen = SpatialLayers.last(vit);
                assertThat(chosen.name()).as(name).startsWith("/encoder/layers/encoder_layer_5/ln_1/");
                AttributionRequest request = new AttributionRequest(vit, referenceImage(name), VIT_TARGET,
                        TargetHead.LOGIT, Layout.NCHW);
                Attribution cam = new GradCam().attribute(request);
                assertThat(cam.shape()).containsExactly(14, 14);
                assertThat(max(cam.values())).as(name).isGreaterThan(0);
                // why not the last block's output: its patch tokens get no gradient, so every weight is 0
                Attribution lastBlock = new GradCam(new GradCam.Params(VIT_LAST_BLOCK)).attribute(request);
                assertThat(max(lastBlock.values())).isZero();

                Attribution plusPlus = new GradCamPlusPlus().attribute(request);
                assertThat(plusPlus.shape()).containsExactly(14, 14);
                assertThat(max(plusPlus.values())).isGreaterThan(0);
                Attribution guided = new GuidedGradCam().attribute(request);
                assertThat(guided.shape()).containsExactly(3, 224, 224);
                assertThat(max(guided.values())).isGreaterThan(0);
            }
        }
    }

    @Test
    void exportedGradCamOfATokenLayerMatchesInProcess() throws Exception {
        try (DifferentiableModel vit = open("vit_s6")) {
            float[] image = referenceImage("vit_s6");
            OnnxMl.ModelProto proto = ExplainerExporter.export(vit, "gradcam", TargetHead.LOGIT, false, null);
            int top = Fixtures.top1(vit.forward(image, 1));
            float[] expected = new GradCam().attribute(new AttributionRequest(vit, image, top, TargetHead.LOGIT,
                    Layout.NCHW)).values();
            OrtEnvironment env = SharedRuntime.environment();
            try (OrtSession s = env.createSession(proto.toByteArray(), new OrtSession.SessionOptions());
                 OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(image), new long[]{1, 3, 224, 224});
                 OrtSession.Result r = s.run(Map.of("input", x))) {
                OnnxTensor a = (OnnxTensor) r.get(ExplainerExporter.ATTRIBUTION).orElseThrow();
                assertThat(a.getInfo().getShape()).containsExactly(1, 14, 14);
                float[] exported = new float[196];
                a.getFloatBuffer().get(exported);
                assertThat(max(expected)).isGreaterThan(0);
                assertThat(GradientMethodsTest.relativeError(exported, expected)).isLessThan(1e-4);
            }
        }
    }

    @Test
    void convNextKeepsItsChannelsFirstStagesAndFindsItsChannelsLastBlocks() throws IOException {
        try (DifferentiableModel convnext = open("convnext_femto")) {
            List<SpatialLayers.Layer> layers = SpatialLayers.find(convnext);
            SpatialLayers.Layer last = SpatialLayers.last(convnext);
            assertThat(last.layout()).isEqualTo(SpatialLayers.Layout.NCHW);
            assertThat(last.shape()).containsExactly(1, 256, 7, 7);
            assertThat(layers).noneMatch(l -> l.layout() == SpatialLayers.Layout.TOKENS);
            // each block's LayerNorm runs channels last, between Transposes: [1, H, W, C]
            assertThat(layers).anySatisfy(l -> {
                assertThat(l.layout()).isEqualTo(SpatialLayers.Layout.NHWC);
                assertThat(l.shape()).containsExactly(1, 7, 7, 256);
                assertThat(l.channels()).isEqualTo(256);
            });
            Attribution cam = new GradCam().attribute(new AttributionRequest(convnext, referenceImage("convnext_femto"),
                    VIT_TARGET, TargetHead.LOGIT, Layout.NCHW));
            assertThat(cam.shape()).containsExactly(7, 7);
            assertThat(max(cam.values())).isGreaterThan(0);
        }
    }

    @Test
    void aChannelsLastLayerGivesTheGradCamOfTheSameValuesChannelsFirst() throws Exception {
        // the exporter names its own output "scores": the net's is renamed
        OnnxMl.ModelProto.Builder renamed = TestNets.channelsLast().proto().toBuilder();
        renamed.getGraphBuilder().getOutputBuilder(0).setName("net_scores");
        renamed.getGraphBuilder().getNodeBuilderList().stream().filter(n -> n.getOutput(0).equals(TestNets.OUTPUT))
                .forEach(n -> n.setOutput(0, "net_scores"));
        try (DifferentiableModel net = DifferentiableModel.open(new OnnxModel(renamed.build()), TestNets.INPUT,
                "net_scores", new long[]{1, 3, 8, 8}, EngineOptions.DEFAULT)) {
            List<SpatialLayers.Layer> layers = SpatialLayers.find(net);
            SpatialLayers.Layer nhwc = SpatialLayers.named(net, TestNets.CHANNELS_LAST);
            assertThat(nhwc.layout()).isEqualTo(SpatialLayers.Layout.NHWC);
            assertThat(List.of(nhwc.channels(), nhwc.height(), nhwc.width())).containsExactly(6, 4, 4);
            assertThat(SpatialLayers.named(net, TestNets.CHANNELS_FIRST).layout()).isEqualTo(SpatialLayers.Layout.NCHW);
            assertThat(SpatialLayers.last(net).name()).isEqualTo(TestNets.CHANNELS_FIRST);
            assertThat(layers).allSatisfy(l -> assertThat(l.channels()).isEqualTo(6));

            float[] x = TestNets.gaussian(3 * 8 * 8, 5);
            AttributionRequest request = new AttributionRequest(net, x, 1, TargetHead.LOGIT, Layout.NCHW);
            float[] channelsLast = new GradCam(new GradCam.Params(TestNets.CHANNELS_LAST)).attribute(request).values();
            float[] channelsFirst = new GradCam(new GradCam.Params(TestNets.CHANNELS_FIRST)).attribute(request).values();
            assertThat(max(channelsFirst)).isGreaterThan(0);
            assertThat(GradientMethodsTest.relativeError(channelsLast, channelsFirst)).isLessThan(1e-6);

            OnnxMl.ModelProto proto = ExplainerExporter.export(net, "gradcam", TargetHead.LOGIT, true,
                    TestNets.CHANNELS_LAST);
            OrtEnvironment env = SharedRuntime.environment();
            try (OrtSession s = env.createSession(proto.toByteArray(), new OrtSession.SessionOptions());
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[]{1, 3, 8, 8});
                 OnnxTensor cls = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(new long[]{1}), new long[]{1});
                 OrtSession.Result r = s.run(Map.of(TestNets.INPUT, in, ExplainerExporter.TARGET_CLASS, cls))) {
                float[] exported = new float[16];
                ((OnnxTensor) r.get(ExplainerExporter.ATTRIBUTION).orElseThrow()).getFloatBuffer().get(exported);
                assertThat(GradientMethodsTest.relativeError(exported, channelsFirst)).isLessThan(1e-5);
            }
        }
    }

    @Test
    void channelsFirstDropsTheExtraTokensAndTransposes() {
        // 2 extra tokens, a 2×2 grid of 3 channels: token t, channel k holds 10·t + k
        float[] tokens = new float[6 * 3];
        for (int t = 0; t < 6; t++) {
            for (int k = 0; k < 3; k++) {
                tokens[t * 3 + k] = 10 * t + k;
            }
        }
        SpatialLayers.Layer layer = new SpatialLayers.Layer("t", new long[]{1, 6, 3}, SpatialLayers.Layout.TOKENS,
                2, 3, 2, 2);
        assertThat(layer.channelsFirst(tokens)).containsExactly(20, 30, 40, 50, 21, 31, 41, 51, 22, 32, 42, 52);
        assertThat(SpatialLayers.TokenGrid.of(197)).isEqualTo(new SpatialLayers.TokenGrid(1, 14));
        assertThat(SpatialLayers.TokenGrid.of(198)).isEqualTo(new SpatialLayers.TokenGrid(2, 14));
        assertThat(SpatialLayers.TokenGrid.of(196)).isEqualTo(new SpatialLayers.TokenGrid(0, 14));
        assertThat(SpatialLayers.TokenGrid.of(200)).isNull();
    }

    @Test
    void aCnnHasNoAttention() {
        assertThatThrownBy(() -> new AttentionRollout(false).attribute(new AttributionRequest(Fixtures.mobileNetV2(),
                Fixtures.image("bird.bmp"), 1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vision transformer");
    }
}
