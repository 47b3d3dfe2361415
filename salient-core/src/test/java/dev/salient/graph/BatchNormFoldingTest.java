package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import dev.salient.testing.BatchNorms;
import dev.salient.testing.SharedData;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BatchNormalization merged into the layer before it: the folded graph computes what the graph with its BatchNorms
 * computes (ONNX Runtime without graph optimisation, so the BatchNorms really run as their own ops), on real models
 * given a BatchNorm after every convolution (depthwise ones included) and on a Gemm; a layer whose output is read
 * elsewhere keeps its BatchNorm.
 */
class BatchNormFoldingTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @ParameterizedTest
    @CsvSource({"models/mobilenet_v2_1.0_224.onnx, 224", "reference/peers/resnet_small.onnx, 224",
            "reference/peers/cnn_small.onnx, 224"})
    void foldedModelComputesWhatTheBatchNormModelComputes(String file, int size) throws OrtException {
        OnnxModel original = OnnxModel.load(SharedData.path(file));
        OnnxModel withNorms = BatchNorms.inserted(original, 5, false);
        long convolutions = BatchNorms.count(original, "Conv");
        assertThat(BatchNorms.count(withNorms, "BatchNormalization")).isEqualTo(convolutions);

        String input = original.runtimeInputs().get(0).getName();
        BatchNormFolding.Folded folded = BatchNormFolding.fold(withNorms, shapes(withNorms, input, size), Set.of());
        assertThat(folded.merged()).isEqualTo((int) convolutions);
        assertThat(BatchNorms.count(folded.model(), "BatchNormalization")).isZero();
        assertThat(folded.model().graph().getNodeCount()).isEqualTo(original.graph().getNodeCount());
        Set<String> read = new java.util.HashSet<>();
        folded.model().graph().getNodeList().forEach(n -> read.addAll(n.getInputList()));
        assertThat(folded.model().graph().getInitializerList()).as("no parameter left unread (the BatchNorms' dropped)")
                .allMatch(t -> read.contains(t.getName()));

        float[] x = TestNets.gaussian(2 * 3 * size * size, 17);
        long[] shape = {2, 3, size, size};
        float[] reference = run(original, input, x, shape);
        float[] unfolded = run(withNorms, input, x, shape);
        float[] merged = run(folded.model(), input, x, shape);
        double foldError = relativeL2(merged, unfolded);
        System.out.printf("%s: %d BatchNorms folded; relative L2 of the outputs, folded vs BatchNorm model %.2e, "
                + "BatchNorm model vs original %.2e, folded vs original %.2e%n", file, folded.merged(), foldError,
                relativeL2(unfolded, reference), relativeL2(merged, reference));
        assertThat(foldError).isLessThan(1e-5);
        assertThat(relativeL2(merged, reference)).isLessThan(1e-5);
    }

    @Test
    void aLayerWhoseOutputIsReadElsewhereKeepsItsBatchNorm() {
        OnnxModel withNorms = BatchNorms.inserted(TestNets.smallCnn(), 3, false);
        TensorShapes shapes = shapes(withNorms, TestNets.INPUT, 32);
        OnnxMl.NodeProto firstConv = withNorms.graph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Conv")).findFirst().orElseThrow();
        BatchNormFolding.Folded keeping = BatchNormFolding.fold(withNorms, shapes, Set.of(firstConv.getOutput(0)));
        assertThat(keeping.merged()).isEqualTo(2);
        assertThat(keeping.model().graph().getNodeList()).anyMatch(n -> n.getInputList().contains(
                firstConv.getOutput(0)) && n.getOpType().equals("BatchNormalization"));
        assertThat(BatchNormFolding.fold(withNorms, shapes, Set.of()).merged()).isEqualTo(3);
    }

    /** Gemm then BatchNorm over its M outputs: B as [K, M] and as [M, K] (transB), with α, β and a bias row. */
    @ParameterizedTest
    @CsvSource({"0", "1"})
    void gemmAndBatchNormFoldIntoOneGemm(int transB) throws OrtException {
        int k = 5;
        int m = 4;
        float[] b = TestNets.gaussian(k * m, 31);
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("gemm-bn")
                .addInput(info("x", k)).addOutput(info("y", m))
                .addInitializer(tensor("B", b, transB == 1 ? new long[]{m, k} : new long[]{k, m}))
                .addInitializer(tensor("C", new float[]{0.3f, -0.2f, 0.5f, 0.1f}, 1, m))
                .addInitializer(tensor("gamma", new float[]{1.5f, -0.7f, 0.9f, 2f}, m))
                .addInitializer(tensor("beta", new float[]{0.1f, 0.2f, -0.3f, 0f}, m))
                .addInitializer(tensor("mean", new float[]{0.4f, -0.1f, 0f, 1f}, m))
                .addInitializer(tensor("var", new float[]{0.8f, 1.2f, 2f, 0.5f}, m))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Gemm").addInput("x").addInput("B").addInput("C")
                        .addOutput("z").addAttribute(Attributes.ofInt("transB", transB))
                        .addAttribute(Attributes.ofFloat("alpha", 0.7f)).addAttribute(Attributes.ofFloat("beta", 0.5f)))
                .addNode(OnnxMl.NodeProto.newBuilder().setOpType("BatchNormalization").addInput("z").addInput("gamma")
                        .addInput("beta").addInput("mean").addInput("var").addOutput("y")
                        .addAttribute(Attributes.ofFloat("epsilon", 1e-3f)));
        OnnxModel model = new OnnxModel(OnnxMl.ModelProto.newBuilder().setIrVersion(7).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13)).build());
        BatchNormFolding.Folded folded = BatchNormFolding.fold(model, shapes2d(model, k), Set.of());
        assertThat(folded.merged()).isEqualTo(1);
        assertThat(folded.model().graph().getNodeList()).singleElement()
                .satisfies(n -> assertThat(n.getOpType()).isEqualTo("Gemm"));
        float[] x = TestNets.gaussian(3 * k, 37);
        long[] shape = {3, k};
        assertThat(relativeL2(run(folded.model(), "x", x, shape), run(model, "x", x, shape))).isLessThan(1e-6);
    }

    private static TensorShapes shapes(OnnxModel model, String input, int size) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            return TensorShapes.probe(ENV, options, model, ElementTypes.of(model), Map.of(input,
                    new long[]{1, 3, size, size}));
        }
    }

    private static TensorShapes shapes2d(OnnxModel model, int width) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            return TensorShapes.probe(ENV, options, model, ElementTypes.of(model), Map.of("x", new long[]{1, width}));
        }
    }

    /** The model's first output, run without graph optimisation (ONNX Runtime would fuse Conv and BatchNorm itself). */
    private static float[] run(OnnxModel model, String input, float[] x, long[] shape) throws OrtException {
        OnnxMl.GraphProto.Builder g = model.graph().toBuilder();
        g.getInputBuilderList().stream().filter(i -> i.getName().equals(input)).forEach(i -> i.getTypeBuilder()
                .getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clear().setDimParam("batch"));
        byte[] bytes = model.proto().toBuilder().setGraph(g).build().toByteArray();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = ENV.createSession(bytes, options);
                 OnnxTensor in = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), shape);
                 OrtSession.Result r = session.run(Map.of(input, in))) {
                FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] values = new float[out.remaining()];
                out.get(values);
                return values;
            }
        }
    }

    private static double relativeL2(float[] a, float[] b) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (double) (a[i] - b[i]) * (a[i] - b[i]);
            n += (double) b[i] * b[i];
        }
        return Math.sqrt(d / n);
    }

    /** A float tensor [batch, dims...]. */
    private static OnnxMl.ValueInfoProto info(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (long d : dims) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    private static OnnxMl.TensorProto tensor(String name, float[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(1)
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }
}
