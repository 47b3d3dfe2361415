package dev.salient.engine;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import dev.salient.graph.OnnxModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

/** A small seeded network for engine tests: x [N, 1, 6, 6] → Conv 3×3 (4 channels) → Relu → Conv 6×6 → Flatten → 3 scores. */
final class TinyNet {
    static final long[] INPUT_SHAPE = {1, 1, 6, 6};
    static final int ITEM = 36;
    static final int CLASSES = 3;

    private TinyNet() {}

    static DifferentiableModel open(EngineOptions options) {
        return DifferentiableModel.open(model(), "x", "scores", INPUT_SHAPE, options);
    }

    static OnnxModel model() {
        Random r = new Random(11);
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("tiny");
        g.addInitializer(tensor("w1", gaussian(r, 4 * 9), 4, 1, 3, 3));
        g.addInitializer(tensor("w2", gaussian(r, CLASSES * 4 * 36), CLASSES, 4, 6, 6));
        g.addInput(info("x", 1, 1, 6, 6));
        g.addNode(node("Conv", List.of("x", "w1"), "h").addAttribute(OnnxMl.AttributeProto.newBuilder()
                .setName("pads").setType(OnnxMl.AttributeProto.AttributeType.INTS).addAllInts(List.of(1L, 1L, 1L, 1L))));
        g.addNode(node("Relu", List.of("h"), "a"));
        g.addNode(node("Conv", List.of("a", "w2"), "z"));
        g.addNode(node("Flatten", List.of("z"), "scores"));
        g.addOutput(info("scores", 1, CLASSES));
        return new OnnxModel(OnnxMl.ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build());
    }

    /** {@code items} seeded inputs, items × {@link #ITEM} values. */
    static float[] inputs(int items, long seed) {
        return gaussian(new Random(seed), items * ITEM);
    }

    /** One-hot seeds for class {@code k}, one row per item. */
    static float[] seeds(int items, int k) {
        float[] s = new float[items * CLASSES];
        for (int i = 0; i < items; i++) {
            s[i * CLASSES + k] = 1f;
        }
        return s;
    }

    private static float[] gaussian(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static OnnxMl.NodeProto.Builder node(String op, List<String> in, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out + "_node").addAllInput(in).addOutput(out);
    }

    private static OnnxMl.TensorProto tensor(String name, float[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.ValueInfoProto info(String name, long... dims) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE).setShape(s)))
                .build();
    }
}
