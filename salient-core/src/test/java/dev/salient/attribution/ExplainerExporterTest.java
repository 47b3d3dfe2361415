package dev.salient.attribution;

import dev.salient.engine.SharedRuntime;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.salient.autodiff.GradientGraphBuilder;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Exported explainers run in a fresh ONNX Runtime session and agree with the in-process methods. */
class ExplainerExporterTest {
    private static DifferentiableModel model;
    private static float[] dog;

    @BeforeAll
    static void load() {
        model = Fixtures.mobileNetV2();
        dog = Fixtures.image("dog.jpg");
    }

    private record Output(float[] scores, float[] attribution, long[] attributionShape, long cls) {}

    private static Output run(OnnxMl.ModelProto proto, Long targetClass) throws Exception {
        byte[] bytes = proto.toByteArray(); // what a file would hold
        OrtEnvironment env = SharedRuntime.environment();
        try (OrtSession s = env.createSession(bytes, new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> feeds = new HashMap<>();
            feeds.put("input", OnnxTensor.createTensor(env, FloatBuffer.wrap(dog), new long[]{1, 3, 224, 224}));
            if (targetClass != null) {
                feeds.put(ExplainerExporter.TARGET_CLASS,
                        OnnxTensor.createTensor(env, LongBuffer.wrap(new long[]{targetClass}), new long[]{1}));
            }
            try (OrtSession.Result r = s.run(feeds)) {
                OnnxTensor a = (OnnxTensor) r.get(ExplainerExporter.ATTRIBUTION).orElseThrow();
                float[] attribution = new float[a.getFloatBuffer().remaining()];
                a.getFloatBuffer().get(attribution);
                OnnxTensor sc = (OnnxTensor) r.get(ExplainerExporter.SCORES).orElseThrow();
                float[] scores = new float[sc.getFloatBuffer().remaining()];
                sc.getFloatBuffer().get(scores);
                long cls = ((OnnxTensor) r.get(ExplainerExporter.CLASS).orElseThrow()).getLongBuffer().get(0);
                return new Output(scores, attribution, a.getInfo().getShape(), cls);
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
    }

    @Test
    void gradientExplainerMatchesInProcess() throws Exception {
        float[] scores = model.forward(dog, 1);
        int top = Fixtures.top1(scores);
        Output out = run(ExplainerExporter.export(model, "gradient"), null);
        assertThat(out.cls()).isEqualTo(top);
        assertThat(GradientMethodsTest.relativeError(out.scores(), scores)).isLessThan(1e-4);
        float[] expected = new VanillaGradient().attribute(new AttributionRequest(model, dog, top)).values();
        assertThat(out.attributionShape()).containsExactly(1, 3, 224, 224);
        assertThat(GradientMethodsTest.relativeError(out.attribution(), expected)).isLessThan(1e-4);
    }

    @Test
    void gradCamExplainerMatchesInProcess() throws Exception {
        int top = Fixtures.top1(model.forward(dog, 1));
        Output out = run(ExplainerExporter.export(model, "gradcam"), null);
        float[] expected = new GradCam().attribute(new AttributionRequest(model, dog, top)).values();
        assertThat(out.attributionShape()).containsExactly(1, 7, 7);
        assertThat(GradientMethodsTest.relativeError(out.attribution(), expected)).isLessThan(1e-4);
    }

    @Test
    void gradCamExplainerStopsTheBackwardPassAtItsLayer() throws Exception {
        int top = Fixtures.top1(model.forward(dog, 1));
        List<SpatialLayers.Layer> layers = SpatialLayers.features(model);
        for (SpatialLayers.Layer layer : List.of(layers.get(layers.size() - 1), layers.get(layers.size() / 2))) {
            OnnxMl.ModelProto exported = ExplainerExporter.export(model, "gradcam", TargetHead.LOGIT, false, layer.name());
            OnnxMl.ModelProto full = model.gradientGraph(TargetHead.LOGIT, RuleTable.standard(), List.of(layer.name()),
                    1, true);
            int exportedBackward = dependingOnTheSeed(exported.getGraph());
            int fullBackward = dependingOnTheSeed(full.getGraph());
            System.out.printf("Grad-CAM explainer at %s: %d backward nodes (%d in all); with the input gradient %d (%d)%n",
                    layer, exportedBackward, exported.getGraph().getNodeCount(), fullBackward,
                    full.getGraph().getNodeCount());
            assertThat(exported.getGraph().getNodeList()).noneMatch(n -> n.getOutputList()
                    .contains(GradientGraphBuilder.INPUT_GRADIENT));
            assertThat(exportedBackward).isLessThan(fullBackward * 3 / 4);

            Output out = run(exported, null);
            float[] expected = new GradCam(new GradCam.Params(layer.name()))
                    .attribute(new AttributionRequest(model, dog, top)).values();
            assertThat(out.attributionShape()).containsExactly(1, layer.height(), layer.width());
            assertThat(GradientMethodsTest.relativeError(out.attribution(), expected)).isLessThan(1e-4);
        }
    }

    /** Nodes computed from the seed (the backward pass and what follows it), graph nodes in topological order. */
    private static int dependingOnTheSeed(OnnxMl.GraphProto g) {
        Set<String> tainted = new HashSet<>(List.of(GradientGraphBuilder.SEED));
        int count = 0;
        for (OnnxMl.NodeProto n : g.getNodeList()) {
            if (n.getInputList().stream().anyMatch(tainted::contains)) {
                tainted.addAll(n.getOutputList());
                count++;
            }
        }
        return count;
    }

    @Test
    void classInputSelectsTheExplainedClass() throws Exception {
        int bicycle = 672; // mountain bike, 1001-class index
        Output out = run(ExplainerExporter.export(model, "gradient-x-input", TargetHead.LOG_PROBABILITY, true, null),
                (long) bicycle);
        assertThat(out.cls()).isEqualTo(bicycle);
        float[] expected = new GradientTimesInput().attribute(
                new AttributionRequest(model, dog, bicycle, TargetHead.LOG_PROBABILITY)).values();
        assertThat(GradientMethodsTest.relativeError(out.attribution(), expected)).isLessThan(1e-4);
    }

    @Test
    void rejectsOtherMethods() {
        assertThatThrownBy(() -> ExplainerExporter.export(model, "smoothgrad"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gradcam");
    }
}
