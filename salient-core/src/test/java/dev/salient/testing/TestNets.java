package dev.salient.testing;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import dev.salient.graph.Attributes;
import dev.salient.graph.OnnxModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Small seeded networks built in memory, for tests that need many cheap runs; input {@code x}, output {@code scores}. */
public final class TestNets {
    public static final String INPUT = "x";
    public static final String OUTPUT = "scores";

    private final Random random;
    private final OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder().setName("test-net");
    private int counter;

    private TestNets(long seed) {
        this.random = new Random(seed);
    }

    /** x [N, 1, 6, 6] → Conv 3×3 (4 channels) → Relu → Conv 6×6 → Flatten → 3 scores. */
    public static OnnxModel tiny() {
        TestNets n = new TestNets(11);
        String h = n.conv(INPUT, 1, 4, 3, 1);
        String a = n.node("Relu", List.of(h));
        String z = n.conv(a, 4, 3, 6, 0);
        n.graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Flatten").setName("flatten").addInput(z)
                .addOutput(OUTPUT));
        return n.build(3, 1, 6, 6);
    }

    /**
     * A small image CNN, x [N, 3, 32, 32]: Conv 3→8, Relu, MaxPool 2×2, Conv 8→16, Relu, Conv 16→16, Relu,
     * GlobalAveragePool, Flatten, Gemm → 10 scores. Its spatial layers run from 32×32 to 16×16.
     */
    public static OnnxModel smallCnn() {
        TestNets n = new TestNets(23);
        String a1 = n.node("Relu", List.of(n.conv(INPUT, 3, 8, 3, 1)));
        String p1 = n.node("MaxPool", List.of(a1), Attributes.ofInts("kernel_shape", 2, 2),
                Attributes.ofInts("strides", 2, 2));
        String a2 = n.node("Relu", List.of(n.conv(p1, 8, 16, 3, 1)));
        String a3 = n.node("Relu", List.of(n.conv(a2, 16, 16, 3, 1)));
        String flat = n.node("Flatten", List.of(n.node("GlobalAveragePool", List.of(a3))));
        String w = n.weights(0.5, 10, 16);
        String b = n.weights(0.1, 10);
        n.graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Gemm").setName("gemm").addInput(flat).addInput(w)
                .addInput(b).addOutput(OUTPUT).addAttribute(Attributes.ofInt("transB", 1)));
        return n.build(10, 3, 32, 32);
    }

    /** {@code count} seeded N(0, 1) values. */
    public static float[] gaussian(int count, long seed) {
        Random r = new Random(seed);
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private String conv(String in, int inChannels, int outChannels, int kernel, int pad) {
        String w = weights(Math.sqrt(2.0 / (inChannels * kernel * kernel)), outChannels, inChannels, kernel, kernel);
        return node("Conv", List.of(in, w), Attributes.ofInts("pads", pad, pad, pad, pad));
    }

    private String node(String op, List<String> inputs, OnnxMl.AttributeProto... attributes) {
        String out = op.toLowerCase() + "_" + counter++;
        graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType(op).setName(out + "_node").addAllInput(inputs)
                .addOutput(out).addAllAttribute(List.of(attributes)));
        return out;
    }

    private String weights(double scale, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buf.putFloat((float) (random.nextGaussian() * scale));
        }
        String name = "w" + counter++;
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    private OnnxModel build(int classes, long... itemShape) {
        List<Long> dims = new ArrayList<>(List.of(1L));
        for (long d : itemShape) {
            dims.add(d);
        }
        graph.addInput(info(INPUT, dims));
        graph.addOutput(info(OUTPUT, List.of(1L, (long) classes)));
        return new OnnxModel(OnnxMl.ModelProto.newBuilder().setIrVersion(7)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(graph).build());
    }

    private static OnnxMl.ValueInfoProto info(String name, List<Long> dims) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : dims) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE).setShape(s)))
                .build();
    }
}
