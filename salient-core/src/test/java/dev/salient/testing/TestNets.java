package dev.salient.testing;

import ai.onnx.proto.OnnxMl;
import dev.salient.graph.Attributes;
import dev.salient.graph.OnnxModel;

import java.util.List;
import java.util.Random;

/**
 * Small seeded networks built in memory ({@link TestGraph}), for tests that need many cheap runs; input {@code x},
 * output {@code scores}, both declared with batch 1.
 */
public final class TestNets {
    public static final String INPUT = TestGraph.X;
    public static final String OUTPUT = "scores";

    private final TestGraph graph;

    private TestNets(long seed) {
        this.graph = new TestGraph(13, seed);
    }

    /** x [N, 1, 6, 6] → Conv 3×3 (4 channels) → Relu → Conv 6×6 → Flatten → 3 scores. */
    public static OnnxModel tiny() {
        TestNets n = new TestNets(11);
        String h = n.conv(INPUT, 1, 4, 3, 1);
        String a = n.node("Relu", List.of(h));
        String z = n.conv(a, 4, 3, 6, 0);
        n.graph.node("Flatten", "flatten", List.of(z), List.of(OUTPUT));
        return n.build(3, 1, 6, 6);
    }

    /** x [N, 3, 16, 16] → Flatten → Gemm → 4 scores: linear in the input, so attributions have closed forms. */
    public static OnnxModel linear() {
        TestNets n = new TestNets(31);
        String flat = n.node("Flatten", List.of(INPUT));
        String w = n.weights(0.05, 4, 3 * 16 * 16);
        String b = n.weights(0.1, 4);
        n.graph.node("Gemm", "gemm", List.of(flat, w, b), List.of(OUTPUT), Attributes.ofInt("transB", 1));
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
        n.graph.node("Gemm", "gemm", List.of(flat, w, b), List.of(OUTPUT), Attributes.ofInt("transB", 1));
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
        n.graph.node("Relu", "relu_nhwc", List.of(mixed), List.of(CHANNELS_LAST));
        n.graph.node("Transpose", "back", List.of(CHANNELS_LAST), List.of(CHANNELS_FIRST),
                Attributes.ofInts("perm", 0, 3, 1, 2));
        String flat = n.node("Flatten", List.of(n.node("GlobalAveragePool", List.of(CHANNELS_FIRST))));
        n.graph.node("Gemm", "gemm", List.of(flat, n.weights(0.5, 3, 6)), List.of(OUTPUT),
                Attributes.ofInt("transB", 1));
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
            n.graph.node("Softmax", "softmax_" + block, List.of(scores), List.of(attention(block)),
                    Attributes.ofInt("axis", -1));
            String mixed = n.node("MatMul", List.of(attention(block), v));
            String merged = n.node("Reshape", List.of(n.node("Transpose", List.of(mixed),
                    Attributes.ofInts("perm", 0, 2, 1, 3)), n.ints(0, TOKENS, WIDTH)));
            x = n.node("Add", List.of(x, merged));
        }
        String cls = n.node("Gather", List.of(x, n.ints(0)), Attributes.ofInt("axis", 1));
        String flat = n.node("Reshape", List.of(cls, n.ints(0, WIDTH)));
        n.graph.node("MatMul", "head", List.of(flat, n.weights(1, WIDTH, 3)), List.of(OUTPUT));
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
        return graph.ints(values);
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
        return graph.op(op, inputs, attributes);
    }

    private String weights(double scale, long... dims) {
        return graph.weights(scale, dims);
    }

    /** The model, its input declared [1, itemShape...] and its output [1, classes]. */
    private OnnxModel build(int classes, long... itemShape) {
        long[] input = new long[itemShape.length + 1];
        input[0] = 1;
        System.arraycopy(itemShape, 0, input, 1, itemShape.length);
        return graph.build(new TestGraph.Port(INPUT, input), new TestGraph.Port(OUTPUT, 1, classes));
    }
}
