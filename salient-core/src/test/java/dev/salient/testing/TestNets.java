package dev.salient.testing;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import dev.salient.graph.Attributes;
import dev.salient.graph.OnnxModel;
import dev.salient.graph.TensorData;

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

    /** x [N, 3, 16, 16] → Flatten → Gemm → 4 scores: linear in the input, so attributions have closed forms. */
    public static OnnxModel linear() {
        TestNets n = new TestNets(31);
        String flat = n.node("Flatten", List.of(INPUT));
        String w = n.weights(0.05, 4, 3 * 16 * 16);
        String b = n.weights(0.1, 4);
        n.graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Gemm").setName("gemm").addInput(flat).addInput(w)
                .addInput(b).addOutput(OUTPUT).addAttribute(Attributes.ofInt("transB", 1)));
        return n.build(4, 3, 16, 16);
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

    /**
     * A channels-last CNN like Swin's stages, x [N, 3, 8, 8]: Conv 3→6 (2×2, stride 2) → [N, 6, 4, 4], Transpose
     * to [N, 4, 4, 6], MatMul 6→6, Relu (the channels-last layer {@link #CHANNELS_LAST}), Transpose back to
     * [N, 6, 4, 4] ({@link #CHANNELS_FIRST}: the same values), GlobalAveragePool, Flatten, Gemm → 3 scores.
     */
    public static OnnxModel channelsLast() {
        TestNets n = new TestNets(31);
        String w = n.weights(0.5, 6, 3, 2, 2);
        String conv = n.node("Conv", List.of(INPUT, w), Attributes.ofInts("strides", 2, 2));
        String nhwc = n.node("Transpose", List.of(conv), Attributes.ofInts("perm", 0, 2, 3, 1));
        String mixed = n.node("MatMul", List.of(nhwc, n.weights(0.5, 6, 6)));
        n.graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Relu").setName("relu_nhwc").addInput(mixed)
                .addOutput(CHANNELS_LAST));
        n.graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Transpose").setName("back").addInput(CHANNELS_LAST)
                .addOutput(CHANNELS_FIRST).addAttribute(Attributes.ofInts("perm", 0, 3, 1, 2)));
        String flat = n.node("Flatten", List.of(n.node("GlobalAveragePool", List.of(CHANNELS_FIRST))));
        n.graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Gemm").setName("gemm").addInput(flat)
                .addInput(n.weights(0.5, 3, 6)).addOutput(OUTPUT).addAttribute(Attributes.ofInt("transB", 1)));
        return n.build(3, 3, 8, 8);
    }

    public static final String CHANNELS_LAST = "relu_nhwc_out";
    public static final String CHANNELS_FIRST = "relu_nchw_out";

    /** Tokens of {@link #transformer}: a class token and a 2×2 grid. */
    public static final int TOKENS = 5;
    /** Token width of {@link #transformer}. */
    public static final int WIDTH = 4;
    /** Heads of {@link #transformer}. */
    public static final int HEADS = 2;

    /**
     * A two-block transformer on tokens x [N, 5, 4] (a class token, then a 2×2 grid): each block is
     * X + MultiHead(X) with 2 heads of width 2, A_h = Softmax(Q_h·K_hᵀ) over the last axis, [N, 2, 5, 5]
     * (the Softmax outputs are {@link #attention}(0) and (1)); Q = X·W_q, K = X·W_k, V = X·W_v, heads split by
     * Reshape [0, 5, 2, 2] and Transpose. The head reads the class token: Gather token 0, MatMul 4→3 scores.
     */
    public static OnnxModel transformer() {
        TestNets n = new TestNets(41);
        String x = INPUT;
        for (int block = 0; block < 2; block++) {
            String q = n.heads(n.node("MatMul", List.of(x, n.weights(0.8, WIDTH, WIDTH))), 0, 2, 1, 3);
            String k = n.heads(n.node("MatMul", List.of(x, n.weights(0.8, WIDTH, WIDTH))), 0, 2, 3, 1);
            String v = n.heads(n.node("MatMul", List.of(x, n.weights(0.8, WIDTH, WIDTH))), 0, 2, 1, 3);
            String scores = n.node("MatMul", List.of(q, k));
            n.graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Softmax").setName("softmax_" + block)
                    .addInput(scores).addOutput(attention(block)).addAttribute(Attributes.ofInt("axis", -1)));
            String mixed = n.node("MatMul", List.of(attention(block), v));
            String merged = n.node("Reshape", List.of(n.node("Transpose", List.of(mixed),
                    Attributes.ofInts("perm", 0, 2, 1, 3)), n.ints(0, TOKENS, WIDTH)));
            x = n.node("Add", List.of(x, merged));
        }
        String cls = n.node("Gather", List.of(x, n.ints(0)), Attributes.ofInt("axis", 1));
        String flat = n.node("Reshape", List.of(cls, n.ints(0, WIDTH)));
        n.graph.addNode(OnnxMl.NodeProto.newBuilder().setOpType("MatMul").setName("head").addInput(flat)
                .addInput(n.weights(1, WIDTH, 3)).addOutput(OUTPUT));
        return n.build(3, TOKENS, WIDTH);
    }

    /** The name of block {@code block}'s attention probabilities in {@link #transformer}. */
    public static String attention(int block) {
        return "attention_" + block;
    }

    /** [N, 5, 4] → [N, 5, 2 heads, 2] → transposed by {@code perm}. */
    private String heads(String tokens, long... perm) {
        String split = node("Reshape", List.of(tokens, ints(0, TOKENS, HEADS, WIDTH / HEADS)));
        return node("Transpose", List.of(split), Attributes.ofInts("perm", perm));
    }

    private String ints(long... values) {
        String name = "i" + counter++;
        graph.addInitializer(OnnxMl.TensorProto.newBuilder().setName(name).setDataType(DataType.INT64_VALUE)
                .addDims(values.length).setRawData(ByteString.copyFrom(TensorData.int64Bytes(values))));
        return name;
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
