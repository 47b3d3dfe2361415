package dev.salient.evaluation;

import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.testing.TestGraph;

import java.util.List;

/**
 * Hand-built ONNX classifiers small enough that a metric's answer can be worked out on paper: an NCHW image
 * x [N, 3, H, W] flattened, then dense layers. Weights are laid out [inputs, outputs] (Gemm without transpose).
 */
final class TinyModels {
    static final int CHANNELS = 3;

    private TinyModels() {}

    /** logits = flatten(x) · W + b, W [3·H·W, classes]. */
    static DifferentiableModel linear(int h, int w, float[] weights, float[] bias) {
        TestGraph g = new TestGraph(13, 0);
        int in = CHANNELS * h * w;
        String flat = g.op("Flatten", TestGraph.X);
        g.node("Gemm", "gemm", List.of(flat, g.floats(weights, in, bias.length), g.floats(bias, bias.length)),
                List.of("logits"));
        return open(g, h, w, bias.length);
    }

    /** logits = relu(flatten(x) · W1 + b1) · W2 + b2. */
    static DifferentiableModel twoLayer(int h, int w, float[] w1, float[] b1, float[] w2, float[] b2) {
        TestGraph g = new TestGraph(13, 0);
        int in = CHANNELS * h * w;
        String flat = g.op("Flatten", TestGraph.X);
        String hidden = g.op("Gemm", List.of(flat, g.floats(w1, in, b1.length), g.floats(b1, b1.length)));
        String relu = g.op("Relu", hidden);
        g.node("Gemm", "gemm", List.of(relu, g.floats(w2, b1.length, b2.length), g.floats(b2, b2.length)),
                List.of("logits"));
        return open(g, h, w, b2.length);
    }

    private static DifferentiableModel open(TestGraph g, int h, int w, int classes) {
        return DifferentiableModel.open(g.build(new TestGraph.Port(TestGraph.X, TestGraph.BATCH, CHANNELS, h, w),
                        new TestGraph.Port("logits", TestGraph.BATCH, classes)), TestGraph.X, "logits",
                new long[]{1, CHANNELS, h, w}, EngineOptions.DEFAULT);
    }
}
