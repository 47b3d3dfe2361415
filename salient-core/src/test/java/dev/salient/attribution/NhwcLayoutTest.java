package dev.salient.attribution;

import dev.salient.engine.SharedRuntime;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.OnnxModel;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Layout;
import dev.salient.model.ImageClassifier;
import dev.salient.testing.RealModels;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/**
 * Every method on the product's default model, the Coral TFLite MobileNetV2 imported to ONNX with an NHWC input
 * [1, 224, 224, 3] (a Transpose to NCHW follows inside the graph), checked against NCHW computations: the same
 * graph with the Transpose replaced by an NCHW input ("twin", the same function exactly), and the separate float
 * ONNX MobileNetV2 copy.
 */
class NhwcLayoutTest {
    private static final int S = 224;

    private static ImageClassifier coral;
    private static DifferentiableModel nhwc;
    /** The Coral graph with an NCHW input: the input Transpose became an Identity. */
    private static DifferentiableModel twin;
    /** bird.bmp through the product path, NHWC, (pixel − 128)/128. */
    private static float[] bird;
    private static int target;

    @BeforeAll
    static void load() {
        coral = RealModels.coralQuantised();
        nhwc = coral.engine();
        assertThat(coral.preprocessing().layout()).isEqualTo(Layout.NHWC);
        assertThat(nhwc.inputShape(1)).containsExactly(1, S, S, 3);
        bird = coral.toInput(ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT));
        target = Fixtures.top1(nhwc.forward(bird, 1));
        twin = DifferentiableModel.open(nchwTwin(nhwc), nhwc.inputName(), nhwc.outputName(), new long[]{1, 3, S, S},
                EngineOptions.DEFAULT);
    }

    @AfterAll
    static void close() {
        if (twin != null) {
            twin.close();
        }
    }

    private static OnnxModel nchwTwin(DifferentiableModel m) {
        OnnxMl.GraphProto.Builder g = m.model().graph().toBuilder();
        int replaced = 0;
        for (OnnxMl.NodeProto.Builder n : g.getNodeBuilderList()) {
            if (n.getOpType().equals("Transpose") && n.getInput(0).equals(m.inputName())) {
                n.setOpType("Identity").clearAttribute();
                replaced++;
            }
        }
        assertThat(replaced).as("input Transpose nodes").isEqualTo(1);
        for (OnnxMl.ValueInfoProto.Builder in : g.getInputBuilderList()) {
            if (in.getName().equals(m.inputName())) {
                OnnxMl.TensorShapeProto.Builder s = in.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
                s.getDimBuilder(1).setDimValue(3);
                s.getDimBuilder(2).setDimValue(S);
                s.getDimBuilder(3).setDimValue(S);
            }
        }
        return new OnnxModel(m.model().proto().toBuilder().setGraph(g).build());
    }

    /** [H, W, C] → [C, H, W]. */
    static float[] toNchw(float[] x, int c, int h, int w) {
        float[] out = new float[x.length];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    out[Layout.NCHW.index(ch, y, xx, c, h, w)] = x[Layout.NHWC.index(ch, y, xx, c, h, w)];
                }
            }
        }
        return out;
    }

    static double correlation(float[] a, float[] b) {
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.sqrt(saa * sbb);
    }

    private static double maxAbs(float[] x) {
        double m = 0;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Test
    void requestsKnowTheLayout() {
        assertThat(AttributionRequest.of(coral, bird, target, TargetHead.LOGIT).layout()).isEqualTo(Layout.NHWC);
        AttributionRequest legacy = new AttributionRequest(nhwc, bird, target);
        assertThat(legacy.layout()).isEqualTo(Layout.NHWC);
        assertThat(legacy.geometry()).isEqualTo(new ImageGeometry(3, S, S, Layout.NHWC));
        assertThat(new AttributionRequest(twin, toNchw(bird, 3, S, S), target).geometry())
                .isEqualTo(new ImageGeometry(3, S, S, Layout.NCHW));
        assertThat(AttributionRequest.layoutFromShape(new long[]{3, 8, 3})).isNull();
        assertThat(AttributionRequest.layoutFromShape(new long[]{10})).isNull();
        AttributionRequest none = new AttributionRequest(nhwc, bird, target, TargetHead.LOGIT, null);
        assertThatThrownBy(none::geometry).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layout");
        assertThatThrownBy(() -> new Occlusion(Occlusion.Params.defaults()).attribute(none))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layout");
    }

    @Test
    void everyRegisteredMethodRunsOnTheNhwcModel() {
        Map<String, Map<String, String>> small = Map.of(
                "smoothgrad", Map.of("samples", "2"),
                "smoothgrad-squared", Map.of("samples", "2"),
                "vargrad", Map.of("samples", "2"),
                "integrated-gradients", Map.of("steps", "2", "baseline", "blur", "blur-sigma", "4"),
                "occlusion", Map.of("window", "112", "stride", "112", "baseline", "-1"),
                "kernel-shap", Map.of("coalitions", "8"),
                "lime", Map.of("coalitions", "8"),
                "xrai", Map.of("steps", "2"));
        AttributionRequest r = AttributionRequest.of(coral, bird, target, TargetHead.LOGIT);
        for (String name : AttributionMethods.names()) {
            if (AttributionMethods.describe(name).traits().needs() != MethodTraits.Needs.ANY_MODEL) {
                continue; // MethodDescriptionTest checks that they refuse a CNN
            }
            Attribution a = AttributionMethods.create(name, small.getOrDefault(name, Map.of())).attribute(r);
            if (a.inputShaped()) {
                assertThat(a.shape()).as(name).containsExactly(S, S, 3);
            } else {
                assertThat(a.shape()).as(name).containsExactly(7, 7);
            }
            for (float v : a.values()) {
                assertThat(Float.isFinite(v)).as(name + " finite").isTrue();
            }
            assertThat(maxAbs(a.values())).as(name + " not all zero").isGreaterThan(0);
        }
        // the IG baselines that are layout-free also run
        for (String baseline : List.of("black", "noise")) {
            assertThat(AttributionMethods.create("integrated-gradients", Map.of("steps", "2", "baseline", baseline))
                    .attribute(r).shape()).containsExactly(S, S, 3);
        }
    }

    @Test
    void blurredBaselineOnNhwcIsTheNchwBlurTransposed() {
        int c = 3;
        int h = 20;
        int w = 17;
        Random random = new Random(11);
        float[] nhwcX = new float[c * h * w];
        for (int i = 0; i < nhwcX.length; i++) {
            nhwcX[i] = random.nextFloat() * 2 - 1;
        }
        float[] nchwX = toNchw(nhwcX, c, h, w);
        IntegratedGradients.Baseline blur = new IntegratedGradients.Baseline.Blurred(2.5);
        float[] fromNhwc = blur.of(nhwcX, new long[]{h, w, c}, Layout.NHWC);
        float[] fromNchw = blur.of(nchwX, new long[]{c, h, w}, Layout.NCHW);
        assertThat(toNchw(fromNhwc, c, h, w)).containsExactly(fromNchw);
        // it blurs within each channel: a constant channel stays constant, its neighbours do not leak in
        float[] planes = new float[c * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                planes[Layout.NHWC.index(1, y, x, c, h, w)] = 5f;
                planes[Layout.NHWC.index(2, y, x, c, h, w)] = (x + y) % 2;
            }
        }
        float[] b = blur.of(planes, new long[]{h, w, c}, Layout.NHWC);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                assertThat(b[Layout.NHWC.index(0, y, x, c, h, w)]).isEqualTo(0f);
                assertThat(b[Layout.NHWC.index(1, y, x, c, h, w)]).isCloseTo(5f, offset(1e-5f));
            }
        }
        assertThatThrownBy(() -> blur.of(planes, new long[]{h, w, c}, null)).hasMessageContaining("layout");
    }

    @Test
    void blurredIntegratedGradientsAgreeAcrossLayouts() {
        IntegratedGradients ig = new IntegratedGradients(new IntegratedGradients.Params(4,
                IntegratedGradients.Rule.GAUSS_LEGENDRE, new IntegratedGradients.Baseline.Blurred(6), 4,
                Batching.DEFAULT_MEMORY_BUDGET));
        Attribution a = ig.attribute(AttributionRequest.of(coral, bird, target, TargetHead.LOGIT));
        Attribution b = ig.attribute(new AttributionRequest(twin, toNchw(bird, 3, S, S), target, TargetHead.LOGIT,
                Layout.NCHW));
        double corr = correlation(toNchw(a.values(), 3, S, S), b.values());
        System.out.printf("blurred IG NHWC vs NCHW twin: correlation %.6f, baseline scores %.4f / %.4f%n", corr,
                a.diagnostic("baselineScore"), b.diagnostic("baselineScore"));
        assertThat(a.diagnostic("baselineScore")).isCloseTo(b.diagnostic("baselineScore"), offset(1e-3));
        assertThat(corr).isGreaterThan(0.9999);
    }

    @Test
    void occlusionOnNhwcIsTheNchwOcclusionTransposed() {
        Occlusion occ = new Occlusion(new Occlusion.Params(56, 28, -1f, 16));
        Attribution a = occ.attribute(AttributionRequest.of(coral, bird, target, TargetHead.LOGIT));
        assertThat(a.shape()).containsExactly(S, S, 3);
        // every channel of a pixel carries the same value
        for (int i = 0; i < a.values().length; i += 3) {
            assertThat(a.values()[i + 1]).isEqualTo(a.values()[i]);
            assertThat(a.values()[i + 2]).isEqualTo(a.values()[i]);
        }
        float[] fromNhwc = toNchw(a.values(), 3, S, S);

        // the same function with an NCHW input: equal up to float rounding
        Attribution b = occ.attribute(new AttributionRequest(twin, toNchw(bird, 3, S, S), target, TargetHead.LOGIT,
                Layout.NCHW));
        double twinCorr = correlation(fromNhwc, b.values());
        double diff = 0;
        for (int i = 0; i < fromNhwc.length; i++) {
            diff = Math.max(diff, Math.abs(fromNhwc[i] - b.values()[i]));
        }

        // the float ONNX MobileNetV2 on the same pixels ([0, 1] NCHW, black baseline 0)
        float[] pixels01 = toNchw(bird, 3, S, S);
        for (int i = 0; i < pixels01.length; i++) {
            pixels01[i] = (pixels01[i] * 128f + 128f) / 255f;
        }
        DifferentiableModel onnx = Fixtures.mobileNetV2();
        Attribution c = new Occlusion(new Occlusion.Params(56, 28, 0f, 16))
                .attribute(new AttributionRequest(onnx, pixels01, target, TargetHead.LOGIT, Layout.NCHW));
        double copyCorr = correlation(fromNhwc, c.values());
        System.out.printf("occlusion NHWC vs NCHW twin: correlation %.6f, max |diff| %.2e (max |A| %.3f); "
                        + "vs float ONNX copy: correlation %.6f (top-1 there %d, here %d)%n", twinCorr, diff,
                maxAbs(b.values()), copyCorr, Fixtures.top1(onnx.forward(pixels01, 1)), target);
        assertThat(twinCorr).isGreaterThan(0.9999);
        assertThat(diff).isLessThan(1e-3 * maxAbs(b.values()) + 1e-4);
        assertThat(copyCorr).isGreaterThan(0.99);
    }

    @Test
    void gradCamOnNhwcMatchesTheTwinAndTheOnnxCopy() {
        Attribution a = new GradCam().attribute(AttributionRequest.of(coral, bird, target, TargetHead.LOGIT));
        Attribution b = new GradCam().attribute(new AttributionRequest(twin, toNchw(bird, 3, S, S), target));
        assertThat(a.shape()).containsExactly(7, 7);
        assertThat(a.values()).containsExactly(b.values(), offset(1e-4f * (float) maxAbs(b.values())));
        float[] pixels01 = toNchw(bird, 3, S, S);
        for (int i = 0; i < pixels01.length; i++) {
            pixels01[i] = (pixels01[i] * 128f + 128f) / 255f;
        }
        Attribution c = new GradCam().attribute(new AttributionRequest(Fixtures.mobileNetV2(), pixels01, target));
        double corr = correlation(a.values(), c.values());
        System.out.printf("Grad-CAM 7x7 Coral NHWC vs float ONNX copy: correlation %.6f%n", corr);
        assertThat(corr).isGreaterThan(0.99);
    }

    @Test
    void guidedGradCamOnNhwcIsGuidedBackpropTimesTheUpsampledMapAtEachPixel() {
        AttributionRequest r = AttributionRequest.of(coral, bird, target, TargetHead.LOGIT);
        Attribution ggc = new GuidedGradCam().attribute(r);
        Attribution gb = new GuidedBackprop().attribute(r);
        Attribution cam = new GradCam().attribute(r);
        assertThat(ggc.shape()).containsExactly(S, S, 3);
        assertThat(gb.shape()).containsExactly(S, S, 3);
        float[] up = Tensors.resizeBilinear(cam.values(), 7, 7, S, S);
        ImageGeometry geo = r.geometry();
        int nonZero = 0;
        for (int ch = 0; ch < 3; ch++) {
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    int i = geo.index(ch, y, x);
                    float expected = gb.values()[i] * up[y * S + x];
                    assertThat(ggc.values()[i]).isCloseTo(expected, offset(1e-6f + 1e-4f * Math.abs(expected)));
                    if (expected != 0) {
                        nonZero++;
                    }
                }
            }
        }
        assertThat(nonZero).isGreaterThan(S * S);
        // and it is the twin's NCHW guided Grad-CAM transposed
        Attribution t = new GuidedGradCam().attribute(new AttributionRequest(twin, toNchw(bird, 3, S, S), target));
        assertThat(correlation(toNchw(ggc.values(), 3, S, S), t.values())).isGreaterThan(0.9999);
    }

    @Test
    void featureLayersStartAfterTheFirstConvolution() {
        for (DifferentiableModel m : List.of(nhwc, Fixtures.mobileNetV2())) {
            List<SpatialLayers.Layer> all = SpatialLayers.find(m);
            List<SpatialLayers.Layer> features = SpatialLayers.features(m);
            List<String> allNames = all.stream().map(SpatialLayers.Layer::name).toList();
            List<String> featureNames = features.stream().map(SpatialLayers.Layer::name).toList();
            System.out.printf("%s: %d spatial layers, %d feature layers; dropped %s%n", m.inputName(), all.size(),
                    features.size(), allNames.subList(0, all.size() - features.size()));
            assertThat(all.get(0).height()).isEqualTo(S); // normalisation / input Transpose
            assertThat(features.get(0).shape()).containsExactly(1, 32, 112, 112);
            assertThat(features).allSatisfy(l -> assertThat(l.height()).isLessThan(S));
            // the feature layers are the spatial layers minus a prefix at input resolution
            assertThat(allNames.subList(all.size() - features.size(), all.size())).isEqualTo(featureNames);
            assertThat(all.subList(0, all.size() - features.size())).allSatisfy(l -> assertThat(l.height()).isEqualTo(S));
            assertThat(featureNames.get(featureNames.size() - 1)).isEqualTo(SpatialLayers.last(m).name());
            assertThat(SpatialLayers.last(m).shape()).containsExactly(1, 1280, 7, 7);
        }
    }

    @Test
    void exportedExplainersRunOnTheNhwcModel() throws Exception {
        for (String method : List.of("gradcam", "gradient-x-input")) {
            OnnxMl.ModelProto proto = ExplainerExporter.export(nhwc, method);
            OrtEnvironment env = SharedRuntime.environment();
            try (OrtSession s = env.createSession(proto.toByteArray(), new OrtSession.SessionOptions());
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(bird), new long[]{1, S, S, 3});
                 OrtSession.Result res = s.run(Map.of(nhwc.inputName(), in))) {
                OnnxTensor t = (OnnxTensor) res.get(ExplainerExporter.ATTRIBUTION).orElseThrow();
                float[] got = new float[t.getFloatBuffer().remaining()];
                t.getFloatBuffer().get(got);
                long cls = ((OnnxTensor) res.get(ExplainerExporter.CLASS).orElseThrow()).getLongBuffer().get(0);
                assertThat(cls).isEqualTo(target);
                AttributionRequest r = AttributionRequest.of(coral, bird, target, TargetHead.LOGIT);
                Attribution expected = method.equals("gradcam") ? new GradCam().attribute(r)
                        : new GradientTimesInput().attribute(r);
                long[] shape = t.getInfo().getShape();
                assertThat(shape).containsExactly(method.equals("gradcam") ? new long[]{1, 7, 7} : new long[]{1, S, S, 3});
                double corr = correlation(got, expected.values());
                System.out.printf("exported %s on NHWC: correlation with in-process %.6f%n", method, corr);
                assertThat(corr).isGreaterThan(0.999);
            }
        }
    }
}
