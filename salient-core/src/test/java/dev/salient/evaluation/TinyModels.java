package dev.salient.evaluation;

import ai.onnx.proto.OnnxMl;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.GraphBuilder;
import dev.salient.graph.OnnxModel;

import java.util.List;
import java.util.Set;

/**
 * Hand-built ONNX classifiers small enough that a metric's answer can be worked out on paper: an NCHW image
 * x [N, 3, H, W] flattened, then dense layers. Weights are laid out [inputs, outputs] (Gemm without transpose).
 */
final class TinyModels {
    static final int CHANNELS = 3;

    private TinyModels() {}

    /** logits = flatten(x) · W + b, W [3·H·W, classes]. */
    static DifferentiableModel linear(int h, int w, float[] weights, float[] bias) {
        GraphBuilder g = new GraphBuilder(13, "t", Set.of("x", "logits"));
        int in = CHANNELS * h * w;
        String flat = g.op("Flatten", "x");
        String wName = g.constFloats(weights, in, bias.length);
        String bName = g.constFloats(bias, bias.length);
        g.add(g.node("Gemm", List.of(flat, wName, bName), List.of("logits")));
        return open(g, h, w, bias.length);
    }

    /** logits = relu(flatten(x) · W1 + b1) · W2 + b2. */
    static DifferentiableModel twoLayer(int h, int w, float[] w1, float[] b1, float[] w2, float[] b2) {
        GraphBuilder g = new GraphBuilder(13, "t", Set.of("x", "logits"));
        int in = CHANNELS * h * w;
        String flat = g.op("Flatten", "x");
        String hidden = g.op("Gemm", List.of(flat, g.constFloats(w1, in, b1.length), g.constFloats(b1, b1.length)));
        String relu = g.op("Relu", hidden);
        g.add(g.node("Gemm", List.of(relu, g.constFloats(w2, b1.length, b2.length), g.constFloats(b2, b2.length)),
                List.of("logits")));
        return open(g, h, w, b2.length);
    }

    private static DifferentiableModel open(GraphBuilder g, int h, int w, int classes) {
        OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder().setName("tiny")
                .addAllNode(g.nodes()).addAllInitializer(g.initializers())
                .addInput(value("x", "batch", CHANNELS, h, w)).addOutput(value("logits", "batch", classes));
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(graph)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
        return DifferentiableModel.open(new OnnxModel(model), "x", "logits", new long[]{1, CHANNELS, h, w},
                EngineOptions.DEFAULT);
    }

    private static OnnxMl.ValueInfoProto value(String name, String batch, long... dims) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : dims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
