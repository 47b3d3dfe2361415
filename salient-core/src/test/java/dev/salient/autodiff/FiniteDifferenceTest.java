package dev.salient.autodiff;

import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.GradientResult;
import dev.salient.engine.InnerTensor;
import dev.salient.graph.OnnxModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import static dev.salient.autodiff.TinyGraphs.X;
import static dev.salient.autodiff.TinyGraphs.f;
import static dev.salient.autodiff.TinyGraphs.i;
import static dev.salient.autodiff.TinyGraphs.is;
import static dev.salient.autodiff.TinyGraphs.s;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every standard gradient rule against central finite differences of the forward model, in float32.
 *
 * <p>For a random seed s over the outputs, f(x) = Σ s·head(forward(x)) over a batch of two. The engine's input
 * gradient g is checked along random directions v (entries N(0,1) clamped to ±3) and along single coordinates
 * (the corners, the item boundary, the largest |g| and random ones): fd = (f(x+εv) − f(x−εv)) / 2ε must match
 * ⟨g, v⟩ with relative error below {@link #TOLERANCE} = 1e-2, measured against max(|⟨g, v⟩|, ‖g‖₂) for
 * directions and max(|g_i|, 0.05·‖g‖∞) for coordinates (float32 forward passes leave ~1e-5 relative noise in fd
 * at ε = 1e-2; the O(ε²) truncation error is ~1e-4 for the smooth ops here). Piecewise-linear ops (ReLU, Clip,
 * HardSigmoid, HardSwish, MaxPool) are fed inputs kept more than 3ε from their kinks, and MaxPool inputs with no
 * near ties, so the difference quotient never crosses a breakpoint.
 */
class FiniteDifferenceTest {
    static final double TOLERANCE = 1e-2;
    static final long[] SHAPE = {1, 3, 7, 9};
    static final int BATCH = 2;

    /** Input values for one case. */
    interface Sampler {
        float[] sample(Random r, int n);
    }

    static Sampler gaussian(double scale) {
        return (r, n) -> {
            float[] x = new float[n];
            for (int k = 0; k < n; k++) {
                x[k] = (float) (r.nextGaussian() * scale);
            }
            return x;
        };
    }

    /** N(0, scale²) values resampled until they are more than {@code margin} from every kink. */
    static Sampler awayFrom(double scale, double margin, double... kinks) {
        return (r, n) -> {
            float[] x = new float[n];
            for (int k = 0; k < n; k++) {
                double v;
                boolean near;
                do {
                    v = r.nextGaussian() * scale;
                    near = false;
                    for (double kink : kinks) {
                        near |= Math.abs(v - kink) < margin;
                    }
                } while (near);
                x[k] = (float) v;
            }
            return x;
        };
    }

    /** A random permutation of −n/2·spacing … n/2·spacing: no two values closer than {@code spacing}. */
    static Sampler distinct(double spacing) {
        return (r, n) -> {
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                order.add(k);
            }
            java.util.Collections.shuffle(order, r);
            float[] x = new float[n];
            for (int k = 0; k < n; k++) {
                x[k] = (float) ((order.get(k) - n / 2.0) * spacing);
            }
            return x;
        };
    }

    static Sampler uniform(double lo, double hi) {
        return (r, n) -> {
            float[] x = new float[n];
            for (int k = 0; k < n; k++) {
                x[k] = (float) (lo + (hi - lo) * r.nextDouble());
            }
            return x;
        };
    }

    /** One test graph: x of {@code shape} (batch 1) → body → output. */
    record Case(String name, int opset, long[] shape, Sampler sampler, double eps, Function<TinyGraphs, String> body) {
        OnnxModel model() {
            TinyGraphs g = new TinyGraphs(opset, name.hashCode());
            return g.build(body.apply(g), shape);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Case smooth(String name, int opset, Function<TinyGraphs, String> body) {
        return new Case(name, opset, SHAPE, gaussian(1), 1e-2, body);
    }

    static Case sampled(String name, int opset, Sampler sampler, double eps, Function<TinyGraphs, String> body) {
        return new Case(name, opset, SHAPE, sampler, eps, body);
    }

    /** Input with 16 channels, a whole NCHWc block, so rectifier masks take their blocked form. */
    static Case blocked(String name, int opset, Sampler sampler, Function<TinyGraphs, String> body) {
        return new Case(name, opset, new long[]{1, 16, 5, 6}, sampler, 1e-2, body);
    }

    // ---- graph pieces ---------------------------------------------------------------------------------

    /** 3×3 convolution, pads 1, random weights and bias. */
    static String conv(TinyGraphs g, String in, long cin, long cout) {
        return g.op("Conv", List.of(in, g.convWeights(cout, cin, 3, 3), g.weights(0.1f, cout)),
                is("kernel_shape", 3, 3), is("pads", 1, 1, 1, 1));
    }

    static String conv(TinyGraphs g, String in) {
        return conv(g, in, 3, 3);
    }

    static String flatten(TinyGraphs g, String in) {
        return g.op("Flatten", in, i("axis", 1));
    }

    static String gap(TinyGraphs g, String in) {
        return g.op("GlobalAveragePool", in);
    }

    // ---- the cases --------------------------------------------------------------------------------------

    static Stream<Case> convolutions() {
        return Stream.of(
                smooth("Conv 3x3 pads 1 + bias", 13, g -> conv(g, X, 3, 4)),
                smooth("Conv stride 2, asymmetric pads, 3x2 kernel", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(4, 3, 3, 2)), is("strides", 2, 2), is("pads", 1, 0, 2, 1))),
                smooth("Conv group 3 (3->6)", 13, g -> g.op("Conv", List.of(X, g.convWeights(6, 1, 3, 3)),
                        i("group", 3), is("pads", 1, 1, 1, 1))),
                smooth("Conv depthwise stride 2 after Conv 3->6", 13, g -> g.op("Conv",
                        List.of(conv(g, X, 3, 6), g.convWeights(6, 1, 3, 3)), i("group", 6),
                        is("strides", 2, 2), is("pads", 1, 1, 1, 1))),
                // strided depthwise: the gradient is a 1x1 ConvTranspose spreading dy, then a flipped convolution
                smooth("Conv depthwise stride 2 TF-SAME pads 0,0,1,1", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(3, 1, 3, 3)), i("group", 3), is("strides", 2, 2),
                        is("pads", 0, 0, 1, 1))),
                smooth("Conv depthwise stride 3x2 dilations 2 kernel 2x3", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(3, 1, 2, 3)), i("group", 3), is("strides", 3, 2),
                        is("dilations", 2, 2), is("pads", 1, 2, 0, 1))),
                blocked("Conv depthwise stride 2 auto_pad SAME_UPPER on 16 channels", 13, gaussian(1),
                        g -> g.op("Conv", List.of(X, g.convWeights(16, 1, 3, 3)), i("group", 16),
                                is("strides", 2, 2), s("auto_pad", "SAME_UPPER"))),
                smooth("Conv depthwise stride 2 windows stop short of the end", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(3, 1, 2, 2)), i("group", 3), is("strides", 2, 2))),
                smooth("Conv group 3 (6->3)", 13, g -> g.op("Conv", List.of(conv(g, X, 3, 6),
                        g.convWeights(3, 2, 3, 3)), i("group", 3))),
                smooth("Conv auto_pad SAME_UPPER stride 2 kernel 2x4", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(4, 3, 2, 4)), s("auto_pad", "SAME_UPPER"), is("strides", 2, 2))),
                smooth("Conv auto_pad SAME_LOWER stride 2 kernel 2x4", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(4, 3, 2, 4)), s("auto_pad", "SAME_LOWER"), is("strides", 2, 2))),
                smooth("Conv auto_pad SAME_UPPER stride 1 kernel 4x3", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(2, 3, 4, 3)), s("auto_pad", "SAME_UPPER"))),
                smooth("Conv auto_pad VALID stride 2", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(4, 3, 3, 3)), s("auto_pad", "VALID"), is("strides", 2, 2))),
                smooth("Conv auto_pad SAME_LOWER stride 1 kernel 3x2", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(4, 3, 3, 2)), s("auto_pad", "SAME_LOWER"))),
                smooth("Conv dilations 2 pads 2", 13, g -> g.op("Conv", List.of(X, g.convWeights(4, 3, 3, 3)),
                        is("dilations", 2, 2), is("pads", 2, 2, 2, 2))),
                smooth("Conv stride 3 leaving rows unreached", 13, g -> g.op("Conv",
                        List.of(X, g.convWeights(4, 3, 2, 2), g.weights(1f, 4)), is("strides", 3, 3))),
                smooth("Conv 1-D (Reshape to [N,3,63])", 13, g -> g.op("Conv",
                        List.of(g.op("Reshape", X, g.ints(0, 3, 63)), g.convWeights(2, 3, 5)),
                        is("strides", 2), is("pads", 2, 1))),
                smooth("Conv at opset 7", 7, g -> g.op("Conv", List.of(X, g.convWeights(4, 3, 3, 3)),
                        is("strides", 2, 1), is("pads", 0, 1, 1, 0))));
    }

    static Stream<Case> linear() {
        return Stream.of(
                smooth("Gemm Flatten->Gemm with C [5]", 13, g -> g.op("Gemm",
                        List.of(flatten(g, X), g.weights(0.1f, 189, 5), g.weights(1f, 5)))),
                smooth("Gemm transB alpha 0.7 beta 1.3 C [1,5]", 13, g -> g.op("Gemm",
                        List.of(flatten(g, X), g.weights(0.1f, 5, 189), g.weights(1f, 1, 5)),
                        i("transB", 1), f("alpha", 0.7f), f("beta", 1.3f))),
                smooth("Gemm scalar C, no C", 13, g -> g.op("Gemm", List.of(g.op("Gemm",
                        List.of(flatten(g, X), g.weights(0.1f, 189, 6), g.scalar(0.4f))), g.weights(0.3f, 6, 4)))),
                smooth("Gemm transA, input as B (W·xᵀ)ᵀ", 13, g -> {
                    String xt = g.op("Transpose", flatten(g, X), is("perm", 1, 0));
                    String a = g.op("Gemm", List.of(xt, g.weights(0.1f, 189, 5)), i("transA", 1), f("alpha", 1.5f));
                    String b = g.op("Gemm", List.of(g.weights(0.1f, 4, 189), xt), f("alpha", 0.5f));
                    String bt = g.op("Transpose", b, is("perm", 1, 0));
                    return g.op("Concat", List.of(a, bt), i("axis", 1));
                }),
                smooth("Gemm transA transB with input-dependent C", 13, g -> {
                    String flat = flatten(g, X);
                    String xt = g.op("Transpose", flat, is("perm", 1, 0));
                    String c = g.op("Gemm", List.of(flat, g.weights(0.1f, 189, 5)));
                    return g.op("Gemm", List.of(xt, g.weights(0.1f, 5, 189), c), i("transA", 1), i("transB", 1),
                            f("beta", -0.6f));
                }),
                smooth("MatMul 2-D", 13, g -> g.op("MatMul", flatten(g, X), g.weights(0.1f, 189, 6))),
                smooth("MatMul 4-D x 3-D weight [3,9,4]", 13, g -> g.op("MatMul", X, g.weights(0.3f, 3, 9, 4))),
                smooth("MatMul broadcast A [N,1,21,9] x W [3,9,4]", 13, g -> g.op("MatMul",
                        g.op("Reshape", X, g.ints(0, 1, 21, 9)), g.weights(0.3f, 3, 9, 4))),
                smooth("MatMul broadcast W [1,7] x A [N,3,7,9] (weight as A)", 13, g -> g.op("MatMul",
                        g.weights(0.3f, 1, 7), X)),
                smooth("MatMul batched 3-D x·xᵀ (both operands)", 13, g -> {
                    String a = g.op("Reshape", X, g.ints(0, 21, 9));
                    return g.op("MatMul", a, g.op("Transpose", a, is("perm", 0, 2, 1)));
                }),
                smooth("MatMul broadcast both ways [N,3,1,7,9] x [N,1,3,9,7]", 13, g -> {
                    String a = g.op("Unsqueeze", List.of(X, g.ints(2)));
                    String b = g.op("Unsqueeze", List.of(g.op("Transpose", X, is("perm", 0, 1, 3, 2)), g.ints(1)));
                    return g.op("MatMul", a, b);
                }),
                smooth("MatMul 1-D second operand [9]", 13, g -> g.op("MatMul", X, g.weights(0.3f, 9))),
                smooth("MatMul 1-D first operand [7]", 13, g -> g.op("MatMul", g.weights(0.3f, 7), X)),
                smooth("BatchNormalization after Conv", 13, g -> g.op("BatchNormalization",
                        List.of(conv(g, X, 3, 4), g.weights(1f, 4), g.weights(1f, 4), g.weights(1f, 4),
                                g.positive(0.2f, 2f, 4)), f("epsilon", 1e-3f))),
                smooth("BatchNormalization at opset 7 on input", 7, g -> conv(g, g.op("BatchNormalization",
                        List.of(X, g.weights(1f, 3), g.weights(1f, 3), g.weights(1f, 3), g.positive(0.2f, 2f, 3))))));
    }

    static Stream<Case> activations() {
        return Stream.of(
                sampled("Relu", 13, awayFrom(1, 0.1, 0), 1e-2, g -> conv(g, g.op("Relu", X))),
                sampled("LeakyRelu alpha 0.1", 13, awayFrom(1, 0.1, 0), 1e-2,
                        g -> conv(g, g.op("LeakyRelu", X, f("alpha", 0.1f)))),
                sampled("LeakyRelu default alpha", 13, awayFrom(1, 0.1, 0), 1e-2,
                        g -> conv(g, g.op("LeakyRelu", X))),
                sampled("Clip min -0.5 max 0.7 (inputs)", 13, awayFrom(1, 0.1, -0.5, 0.7), 1e-2,
                        g -> conv(g, g.op("Clip", List.of(X, g.scalar(-0.5f), g.scalar(0.7f))))),
                sampled("Clip only max 0.3 (inputs)", 13, awayFrom(1, 0.1, 0.3), 1e-2,
                        g -> conv(g, g.op("Clip", List.of(X, "", g.scalar(0.3f))))),
                sampled("Clip only min -0.2 (inputs, opset 11)", 11, awayFrom(1, 0.1, -0.2), 1e-2,
                        g -> conv(g, g.op("Clip", List.of(X, g.scalar(-0.2f))))),
                sampled("Clip min 0 max 6 from Constant nodes (ReLU6)", 13, awayFrom(4, 0.1, 0, 6), 1e-2,
                        g -> conv(g, g.op("Clip", List.of(X, g.constantNode(new float[]{0f}),
                                g.constantNode(new float[]{6f}))))),
                sampled("Clip attributes min -0.4 max 0.6 (opset 10)", 10, awayFrom(1, 0.1, -0.4, 0.6), 1e-2,
                        g -> conv(g, g.op("Clip", X, f("min", -0.4f), f("max", 0.6f)))),
                sampled("Clip attribute max only (opset 7)", 7, awayFrom(1, 0.1, 0.25), 1e-2,
                        g -> conv(g, g.op("Clip", X, f("max", 0.25f)))),
                // 16 and 32 channels: masks built from 1x1 convolutions in ONNX Runtime's blocked layout
                blocked("Relu on 16 channels (blocked mask)", 13, awayFrom(1, 0.1, 0),
                        g -> conv(g, g.op("Relu", X), 16, 3)),
                blocked("Clip 0..6 on 16 channels (ReLU6, blocked mask)", 13, awayFrom(4, 0.1, 0, 6),
                        g -> conv(g, g.op("Clip", List.of(X, g.scalar(0f), g.scalar(6f))), 16, 3)),
                blocked("Clip 0..6 attributes on 16 channels (opset 10, blocked mask)", 10, awayFrom(4, 0.1, 0, 6),
                        g -> conv(g, g.op("Clip", X, f("min", 0f), f("max", 6f)), 16, 3)),
                blocked("Clip only max 0.3 on 16 channels (blocked mask)", 13, awayFrom(1, 0.1, 0.3),
                        g -> conv(g, g.op("Clip", List.of(X, "", g.scalar(0.3f))), 16, 3)),
                smooth("Sigmoid after Conv", 13, g -> g.op("Sigmoid", conv(g, X, 3, 4))),
                sampled("HardSigmoid alpha 0.25 beta 0.4", 13, awayFrom(2, 0.1, -1.6, 2.4), 1e-2,
                        g -> conv(g, g.op("HardSigmoid", X, f("alpha", 0.25f), f("beta", 0.4f)))),
                sampled("HardSigmoid default", 13, awayFrom(3, 0.1, -2.5, 2.5), 1e-2,
                        g -> conv(g, g.op("HardSigmoid", X))),
                sampled("HardSwish (opset 14)", 14, awayFrom(3, 0.1, -3, 3), 1e-2,
                        g -> conv(g, g.op("HardSwish", X))),
                smooth("Tanh after Conv", 13, g -> g.op("Tanh", conv(g, X, 3, 4))),
                smooth("Softmax opset 11 axis=1 on 4-D (2-D coercion)", 11,
                        g -> g.op("Softmax", conv(g, X, 3, 4), i("axis", 1))),
                smooth("Softmax opset 11 default axis on 4-D", 11, g -> g.op("Softmax", conv(g, X, 3, 4))),
                smooth("Softmax opset 11 axis=2 on 4-D", 11, g -> g.op("Softmax", conv(g, X, 3, 4), i("axis", 2))),
                smooth("Softmax opset 11 axis=3 (last) on 4-D", 11,
                        g -> g.op("Softmax", conv(g, X, 3, 4), i("axis", 3))),
                smooth("Softmax opset 13 axis=-1", 13, g -> g.op("Softmax", conv(g, X, 3, 4), i("axis", -1))),
                smooth("Softmax opset 13 axis=1", 13, g -> g.op("Softmax", conv(g, X, 3, 4), i("axis", 1))),
                smooth("LogSoftmax opset 11 axis=1 on 4-D (2-D coercion)", 11,
                        g -> g.op("LogSoftmax", conv(g, X, 3, 4), i("axis", 1))),
                smooth("LogSoftmax opset 11 axis=2 on 4-D", 11,
                        g -> g.op("LogSoftmax", conv(g, X, 3, 4), i("axis", 2))),
                smooth("LogSoftmax opset 13 axis=-1", 13, g -> g.op("LogSoftmax", conv(g, X, 3, 4), i("axis", -1))),
                smooth("LogSoftmax opset 13 axis=1", 13, g -> g.op("LogSoftmax", conv(g, X, 3, 4), i("axis", 1))),
                smooth("LogSoftmax opset 13 default axis", 13, g -> g.op("LogSoftmax", conv(g, X, 3, 4))));
    }

    static Stream<Case> elementwise() {
        return Stream.of(
                smooth("Add [N,C,H,W] + const [C,1,1]", 13, g -> g.op("Add", conv(g, X), g.weights(1f, 3, 1, 1))),
                smooth("Add const [1,C,1,1] + [N,C,H,W]", 13, g -> g.op("Add", g.weights(1f, 1, 3, 1, 1), conv(g, X))),
                smooth("Add scalar", 13, g -> g.op("Add", conv(g, X), g.scalar(0.3f))),
                smooth("Add x + GlobalAveragePool(x) (dependent [N,C,1,1])", 13,
                        g -> g.op("Add", X, gap(g, conv(g, X)))),
                smooth("Add [N,3,1,9] + [N,1,7,1] both dependent", 13, g -> g.op("Add",
                        g.op("ReduceMean", X, is("axes", 2)), g.reduceSumNode(X, 1, 3))),
                smooth("Add x + x", 13, g -> g.op("Add", X, X)),
                smooth("Sub [N,C,H,W] - const [C,1,1]", 13, g -> g.op("Sub", conv(g, X), g.weights(1f, 3, 1, 1))),
                smooth("Sub const [1,C,1,1] - x", 13, g -> g.op("Sub", g.weights(1f, 1, 3, 1, 1), conv(g, X))),
                smooth("Sub scalar - x", 13, g -> g.op("Sub", g.scalar(0.5f), conv(g, X))),
                smooth("Sub x - GlobalAveragePool(x)", 13, g -> g.op("Sub", X, gap(g, conv(g, X)))),
                smooth("Sub [N,1,7,1] - [N,3,1,9] both dependent", 13, g -> g.op("Sub",
                        g.reduceSumNode(X, 1, 3), g.op("ReduceMean", X, is("axes", 2)))),
                smooth("Mul x * x", 13, g -> conv(g, g.op("Mul", X, X))),
                smooth("Mul [N,C,H,W] * const [C,1,1]", 13, g -> g.op("Mul", conv(g, X), g.weights(1f, 3, 1, 1))),
                smooth("Mul scalar * x", 13, g -> g.op("Mul", g.scalar(-1.7f), conv(g, X))),
                smooth("Mul x * Conv(x)", 13, g -> g.op("Mul", X, conv(g, X))),
                smooth("Mul [N,3,1,9] * [N,1,7,1] both dependent", 13, g -> g.op("Mul",
                        g.op("ReduceMean", X, is("axes", 2)), g.reduceSumNode(X, 1, 3))),
                smooth("Mul [1,C,1,1] const * GlobalAveragePool(x)", 13,
                        g -> g.op("Mul", g.weights(1f, 1, 3, 1, 1), gap(g, X))),
                smooth("Div x / const [C,1,1]", 13, g -> g.op("Div", conv(g, X), g.positive(0.5f, 2f, 3, 1, 1))),
                smooth("Div scalar / (x*x + 1)", 13, g -> g.op("Div", g.scalar(2f),
                        g.op("Add", g.op("Mul", X, X), g.scalar(1f)))),
                smooth("Div x / (x*x + 1) both dependent", 13, g -> g.op("Div", X,
                        g.op("Add", g.op("Mul", X, X), g.scalar(1f)))),
                smooth("Div [N,C,H,W] / dependent [N,C,1,1]", 13, g -> g.op("Div", conv(g, X),
                        g.op("Add", gap(g, g.op("Mul", X, X)), g.scalar(0.5f)))),
                smooth("Div dependent [N,1,7,1] / [1,C,1,1] const", 13, g -> g.op("Div",
                        g.reduceSumNode(X, 1, 3), g.positive(0.5f, 2f, 1, 3, 1, 1))),
                smooth("Sum of x, Conv(x), const [C,1,1], GAP(x)", 13, g -> g.op("Sum",
                        List.of(X, conv(g, X), g.weights(1f, 3, 1, 1), gap(g, X)))),
                smooth("Sum single input", 13, g -> g.op("Sum", List.of(conv(g, X)))),
                smooth("Sum x, x (same tensor twice)", 13, g -> g.op("Sum", List.of(X, X, conv(g, X)))),
                smooth("Exp", 13, g -> conv(g, g.op("Exp", X))),
                sampled("Log", 13, uniform(0.3, 3), 1e-2, g -> conv(g, g.op("Log", X))),
                sampled("Sqrt", 13, uniform(0.3, 3), 1e-2, g -> conv(g, g.op("Sqrt", X))),
                sampled("Reciprocal", 13, uniform(0.5, 3), 1e-2, g -> conv(g, g.op("Reciprocal", X))),
                smooth("Neg", 13, g -> g.op("Neg", conv(g, X))),
                smooth("Identity", 13, g -> conv(g, g.op("Identity", X))),
                smooth("Dropout (opset 13, inference)", 13, g -> conv(g, g.op("Dropout", X))),
                smooth("Dropout (opset 7, ratio)", 7, g -> conv(g, g.op("Dropout", X, f("ratio", 0.3f)))),
                smooth("Dropout (opset 10, mask output)", 10, g -> conv(g,
                        g.ops("Dropout", List.of(X), 2, f("ratio", 0.3f))[0])),
                smooth("Cast float->float", 13, g -> conv(g, g.op("Cast", X, i("to", 1)))),
                smooth("Constant node added to x", 13, g -> conv(g, g.op("Add", X,
                        g.constantNode(new float[]{0.5f, -1f, 2f}, 3, 1, 1)))));
    }

    static Stream<Case> pooling() {
        Sampler ties = distinct(0.01);
        return Stream.of(
                sampled("MaxPool 3x3 stride 2 (overlapping)", 13, ties, 1e-3,
                        g -> conv(g, g.op("MaxPool", X, is("kernel_shape", 3, 3), is("strides", 2, 2)))),
                sampled("MaxPool 3x3 stride 2 pads 1", 13, ties, 1e-3, g -> conv(g, g.op("MaxPool", X,
                        is("kernel_shape", 3, 3), is("strides", 2, 2), is("pads", 1, 1, 1, 1)))),
                sampled("MaxPool 3x3 stride 2 ceil_mode 1", 13, ties, 1e-3, g -> conv(g, g.op("MaxPool", X,
                        is("kernel_shape", 3, 3), is("strides", 2, 2), i("ceil_mode", 1)))),
                sampled("MaxPool 2x2 stride 2 pads 1,0,0,1 ceil_mode 1", 13, ties, 1e-3, g -> conv(g, g.op("MaxPool",
                        X, is("kernel_shape", 2, 2), is("strides", 2, 2), is("pads", 1, 0, 0, 1),
                        i("ceil_mode", 1)))),
                sampled("MaxPool 2x3 dilations 2", 13, ties, 1e-3, g -> conv(g, g.op("MaxPool", X,
                        is("kernel_shape", 2, 3), is("dilations", 2, 2)))),
                sampled("MaxPool 3x3 stride 1 auto_pad SAME_UPPER", 13, ties, 1e-3, g -> conv(g, g.op("MaxPool", X,
                        is("kernel_shape", 2, 2), s("auto_pad", "SAME_UPPER")))),
                sampled("MaxPool 3x3 stride 2 ceil_mode (opset 10)", 10, ties, 1e-3, g -> conv(g, g.op("MaxPool",
                        X, is("kernel_shape", 3, 3), is("strides", 2, 2), is("pads", 1, 1, 0, 0),
                        i("ceil_mode", 1)))),
                sampled("MaxPool 2x2 (opset 7)", 7, ties, 1e-3, g -> conv(g, g.op("MaxPool", X,
                        is("kernel_shape", 2, 2), is("strides", 1, 2)))),
                sampled("MaxPool 3x3 stride 2 pads 1 (opset 9)", 9, ties, 1e-3, g -> conv(g, g.op("MaxPool", X,
                        is("kernel_shape", 3, 3), is("strides", 2, 2), is("pads", 1, 1, 1, 1)))),
                sampled("Relu, LeakyRelu (opset 7)", 7, awayFrom(1, 0.1, 0), 1e-2, g -> conv(g,
                        g.op("Add", g.op("Relu", X), g.op("LeakyRelu", X, f("alpha", 0.2f))))),
                sampled("HardSigmoid (opset 7)", 7, awayFrom(3, 0.1, -2.5, 2.5), 1e-2,
                        g -> conv(g, g.op("HardSigmoid", X))),
                sampled("MaxPool with indices output", 13, ties, 1e-3, g -> conv(g, g.ops("MaxPool", List.of(X), 2,
                        is("kernel_shape", 3, 3), is("strides", 2, 2))[0])),
                smooth("AveragePool whole 7x9 input (global head)", 13, g -> g.op("AveragePool", conv(g, X),
                        is("kernel_shape", 7, 9))),
                smooth("AveragePool 3x3 stride 2", 13, g -> g.op("AveragePool", conv(g, X),
                        is("kernel_shape", 3, 3), is("strides", 2, 2))),
                smooth("AveragePool pads 1 count_include_pad 0", 13, g -> g.op("AveragePool", conv(g, X),
                        is("kernel_shape", 3, 3), is("strides", 2, 2), is("pads", 1, 1, 1, 1))),
                smooth("AveragePool pads 1 count_include_pad 1", 13, g -> g.op("AveragePool", conv(g, X),
                        is("kernel_shape", 3, 3), is("strides", 2, 2), is("pads", 1, 1, 1, 1),
                        i("count_include_pad", 1))),
                smooth("AveragePool ceil_mode 1", 13, g -> g.op("AveragePool", X,
                        is("kernel_shape", 3, 3), is("strides", 2, 2), i("ceil_mode", 1))),
                smooth("AveragePool ceil_mode 1 pads count_include_pad 0", 13, g -> g.op("AveragePool", X,
                        is("kernel_shape", 2, 3), is("strides", 2, 2), is("pads", 1, 0, 1, 1), i("ceil_mode", 1))),
                smooth("AveragePool ceil_mode 1 pads count_include_pad 1", 13, g -> g.op("AveragePool", X,
                        is("kernel_shape", 2, 3), is("strides", 2, 2), is("pads", 1, 0, 1, 1), i("ceil_mode", 1),
                        i("count_include_pad", 1))),
                smooth("AveragePool auto_pad SAME_UPPER", 13, g -> g.op("AveragePool", X,
                        is("kernel_shape", 3, 2), is("strides", 2, 2), s("auto_pad", "SAME_UPPER"))),
                smooth("AveragePool dilations 2 (opset 19)", 19, g -> g.op("AveragePool", X,
                        is("kernel_shape", 2, 2), is("dilations", 2, 2), is("pads", 1, 1, 1, 1))),
                sampled("MaxPool 2x2 dilations 2 stride 2 pads ceil_mode", 13, ties, 1e-3, g -> conv(g, g.op("MaxPool",
                        X, is("kernel_shape", 2, 2), is("strides", 2, 2), is("dilations", 2, 2),
                        is("pads", 1, 1, 0, 1), i("ceil_mode", 1)))),
                smooth("GlobalAveragePool", 13, g -> g.op("Mul", gap(g, conv(g, X)), g.weights(1f, 3, 1, 1))));
    }

    static Stream<Case> reductions() {
        return Stream.of(
                smooth("ReduceMean axes [2,3] keepdims 1 (attribute, opset 13)", 13,
                        g -> g.op("ReduceMean", conv(g, X), is("axes", 2, 3))),
                smooth("ReduceMean axes [1] keepdims 0 (attribute, opset 13)", 13,
                        g -> g.op("ReduceMean", conv(g, X), is("axes", 1), i("keepdims", 0))),
                smooth("ReduceMean axes [-1] keepdims 0 (attribute, opset 11)", 11,
                        g -> g.op("ReduceMean", conv(g, X), is("axes", -1), i("keepdims", 0))),
                smooth("ReduceMean axes input [2,3] keepdims 0 (opset 18)", 18,
                        g -> g.op("ReduceMean", List.of(conv(g, X), g.ints(2, 3)), i("keepdims", 0))),
                smooth("ReduceMean axes input [1,-2] keepdims 1 (opset 18)", 18,
                        g -> g.op("ReduceMean", List.of(conv(g, X), g.ints(1, -2)))),
                smooth("ReduceSum axes input [1] keepdims 1 (opset 13)", 13,
                        g -> g.op("ReduceSum", List.of(conv(g, X), g.ints(1)))),
                smooth("ReduceSum axes input [2,-1] keepdims 0 (opset 13)", 13,
                        g -> g.op("ReduceSum", List.of(conv(g, X), g.ints(2, -1)), i("keepdims", 0))),
                smooth("ReduceSum axes attribute [3] keepdims 0 (opset 11)", 11,
                        g -> g.op("ReduceSum", conv(g, X), is("axes", 3), i("keepdims", 0))),
                smooth("ReduceSum axes attribute [1,2] keepdims 1 (opset 11)", 11,
                        g -> g.op("ReduceSum", conv(g, X), is("axes", 1, 2))));
    }

    static Stream<Case> shapes() {
        return Stream.of(
                smooth("Flatten axis 1", 13, g -> g.op("Mul", flatten(g, conv(g, X)), g.weights(1f, 189))),
                smooth("Flatten axis 2 -> Reshape", 13, g -> g.op("Reshape",
                        g.op("Flatten", conv(g, X), i("axis", 2)), g.ints(-1, 189))),
                smooth("Reshape [0,-1,7]", 13, g -> g.op("Reshape", conv(g, X), g.ints(0, -1, 7))),
                smooth("Squeeze axes attribute (opset 11)", 11, g -> g.op("Squeeze",
                        g.op("ReduceMean", conv(g, X), is("axes", 2)), is("axes", 2))),
                smooth("Squeeze axes input (opset 13)", 13, g -> g.op("Squeeze", List.of(
                        g.op("ReduceMean", conv(g, X), is("axes", 2, 3)), g.ints(-1, 2)))),
                smooth("Unsqueeze axes attribute (opset 11)", 11, g -> g.op("Unsqueeze", conv(g, X), is("axes", 1, 4))),
                smooth("Unsqueeze axes input (opset 13)", 13, g -> g.op("Unsqueeze",
                        List.of(conv(g, X), g.ints(2, -1)))),
                smooth("Transpose perm [0,3,1,2]", 13, g -> g.op("Transpose", conv(g, X), is("perm", 0, 3, 1, 2))),
                smooth("Transpose perm [0,2,3,1] then MatMul", 13, g -> g.op("MatMul",
                        g.op("Transpose", conv(g, X), is("perm", 0, 2, 3, 1)), g.weights(1f, 3, 2))),
                smooth("Concat axis 1 of x, Conv(x), x*x", 13, g -> g.op("Concat",
                        List.of(X, conv(g, X, 3, 2), g.op("Mul", X, X)), i("axis", 1))),
                smooth("Concat axis -1 with a Slice of x", 13, g -> g.op("Concat",
                        List.of(conv(g, X), g.op("Slice", List.of(X, g.ints(-2), g.ints(100), g.ints(-1))), X),
                        i("axis", -1))),
                smooth("Split axis 1 [1,2] (input form), output 0 unused", 13, g -> g.ops("Split",
                        List.of(conv(g, X), g.ints(1, 2)), 2, i("axis", 1))[1]),
                smooth("Split axis 1 equal (opset 11), middle output unused", 11, g -> {
                    String[] parts = g.ops("Split", List.of(conv(g, X)), 3, i("axis", 1));
                    return g.op("Sub", parts[0], g.op("Mul", parts[2], parts[2]));
                }),
                smooth("Split axis -1 attribute split [4,5] (opset 11), last unused", 11, g -> g.ops("Split",
                        List.of(conv(g, X)), 2, i("axis", -1), is("split", 4, 5))[0]),
                smooth("Split (opset 7), middle output unused", 7, g -> {
                    String[] parts = g.ops("Split", List.of(conv(g, X)), 3, i("axis", 2), is("split", 2, 3, 2));
                    return g.op("Concat", List.of(parts[0], parts[2]), i("axis", 2));
                }),
                smooth("Slice steps 1 starts [1,2] ends [3,-1]", 13, g -> g.op("Slice",
                        List.of(conv(g, X), g.ints(1, 2), g.ints(3, -1), g.ints(1, 2)))),
                smooth("Slice steps 2 axes [2,3]", 13, g -> g.op("Slice",
                        List.of(conv(g, X), g.ints(0, 1), g.ints(7, 9), g.ints(2, 3), g.ints(2, 2)))),
                smooth("Slice step -1 full reverse", 13, g -> g.op("Slice",
                        List.of(conv(g, X), g.ints(-1), g.ints(Long.MIN_VALUE), g.ints(3), g.ints(-1)))),
                smooth("Slice step -2 negative start, end past", 13, g -> g.op("Slice",
                        List.of(conv(g, X), g.ints(-2, 100), g.ints(-100, 0), g.ints(2, 3), g.ints(-2, -3)))),
                smooth("Slice negative starts, steps 1,3,2", 13, g -> g.op("Slice",
                        List.of(conv(g, X), g.ints(-3, -6, -8), g.ints(3, 6, 100), g.ints(1, 2, 3), g.ints(1, 3, 2)))),
                smooth("Slice without axes and steps inputs", 13, g -> g.op("Slice",
                        List.of(g.op("Transpose", conv(g, X), is("perm", 0, 1, 2, 3)), g.ints(0, 1, -5), g.ints(100, 3, -1)))),
                smooth("Slice attribute form (opset 9)", 9, g -> g.op("Slice", conv(g, X),
                        is("starts", 1, -5), is("ends", 3, 100), is("axes", 1, 3))),
                smooth("Pad constant positive pads value 0.3 (opset 13)", 13, g -> g.op("Pad",
                        List.of(conv(g, X), g.ints(0, 1, 2, 0, 0, 0, 1, 3), g.scalar(0.3f)))),
                smooth("Pad negative and positive pads (opset 13)", 13, g -> g.op("Pad",
                        List.of(conv(g, X), g.ints(0, 0, -1, 2, 0, -1, 0, -2)))),
                smooth("Pad attribute form (opset 7)", 7, g -> g.op("Pad", conv(g, X),
                        is("pads", 0, 1, -2, 1, 0, 0, 1, -1), f("value", 0.2f))),
                smooth("Pad with axes input (opset 18)", 18, g -> g.op("Pad",
                        List.of(conv(g, X), g.ints(2, -1, 1, 3), g.scalar(0f), g.ints(2, 3)))),
                smooth("Pad edge mode (opset 13)", 13, g -> g.op("Pad",
                        List.of(conv(g, X), g.ints(0, 1, 2, 3, 0, 2, 1, 4)), s("mode", "edge"))),
                smooth("Pad reflect mode (opset 13)", 13, g -> g.op("Pad",
                        List.of(conv(g, X), g.ints(0, 0, 2, 3, 0, 0, 1, 4)), s("mode", "reflect"))),
                smooth("Pad reflect mode attribute form (opset 10)", 10, g -> g.op("Pad", conv(g, X),
                        is("pads", 0, 1, 1, 2, 0, 1, 2, 1), s("mode", "reflect"))),
                smooth("Pad wrap mode (opset 19)", 19, g -> g.op("Pad",
                        List.of(conv(g, X), g.ints(0, 0, 2, 3, 0, 0, 1, 4)), s("mode", "wrap"))),
                smooth("Gather axis 1 indices [2,0,2] (repeats)", 13, g -> g.op("Gather",
                        conv(g, X), g.ints(2, 0, 2), i("axis", 1))),
                smooth("Gather axis 3 indices [[0,8],[8,-1]]", 13, g -> g.op("Gather",
                        conv(g, X), g.intTensor(new long[]{0, 8, 8, -1}, 2, 2), i("axis", 3))),
                smooth("Gather axis 2 scalar index", 13, g -> g.op("Gather",
                        conv(g, X), g.intTensor(new long[]{3}), i("axis", 2))),
                smooth("Gather axis -1 negative index from a Constant value_ints", 13, g -> g.op("Gather",
                        conv(g, X), g.op("Constant", List.of(), is("value_ints", -2)), i("axis", -1))));
    }

    /** Transformer ops: attention products, GELU, the layer-norm pieces, softmax over any axis. */
    static Stream<Case> transformers() {
        return Stream.of(
                smooth("MatMul 4-D both operands (attention scores) [N,3,7,9] x [N,3,9,7]", 13, g -> g.op("MatMul",
                        conv(g, X), g.op("Transpose", X, is("perm", 0, 1, 3, 2)))),
                smooth("MatMul 4-D broadcast both dependent [N,3,7,9] x [N,1,9,7]", 13, g -> g.op("MatMul", X,
                        g.op("ReduceMean", g.op("Transpose", conv(g, X), is("perm", 0, 1, 3, 2)), is("axes", 1)))),
                smooth("Softmax opset 13 axis=2 (middle) on 4-D", 13, g -> g.op("Softmax", conv(g, X), i("axis", 2))),
                smooth("Softmax opset 13 axis=-1 on attention scores [N,21,21]", 13, g -> {
                    String tokens = g.op("Reshape", conv(g, X), g.ints(0, 21, 9));
                    return g.op("Softmax", g.op("MatMul", tokens, g.op("Transpose", tokens, is("perm", 0, 2, 1))),
                            i("axis", -1));
                }),
                smooth("LogSoftmax opset 12 axis=-2 (2-D coercion)", 12,
                        g -> g.op("LogSoftmax", conv(g, X), i("axis", -2))),
                smooth("Erf after Conv", 13, g -> g.op("Erf", conv(g, X))),
                smooth("GELU as exported at opset 13: x·(erf(x/√2) + 1)·0.5", 13, g -> {
                    String h = conv(g, X);
                    String erf = g.op("Erf", g.op("Div", h, g.scalar(1.4142135f)));
                    return g.op("Mul", g.op("Mul", h, g.op("Add", erf, g.scalar(1f))), g.scalar(0.5f));
                }),
                smooth("Gelu (opset 20)", 20, g -> g.op("Gelu", conv(g, X))),
                smooth("Gelu approximate tanh (opset 20)", 20, g -> g.op("Gelu", conv(g, X), s("approximate", "tanh"))),
                smooth("Pow exponent 2 from a Constant node", 13, g -> g.op("Pow", conv(g, X), g.constantNode(new float[]{2f}))),
                smooth("Pow exponent 3 initializer", 13, g -> g.op("Pow", conv(g, X), g.scalar(3f))),
                sampled("Pow exponent 0.5 on positive input", 13, uniform(0.3, 3), 1e-2,
                        g -> conv(g, g.op("Pow", X, g.scalar(0.5f)))),
                sampled("Pow per-channel exponents [3,1,1]", 13, uniform(0.3, 3), 1e-2,
                        g -> conv(g, g.op("Pow", X, g.floats(new float[]{1.5f, -1f, 2.5f}, 3, 1, 1)))),
                smooth("Pow int64 exponent 3 (opset 15)", 15, g -> g.op("Pow", conv(g, X), g.intTensor(new long[]{3}))),
                smooth("Pow base [N,1,1,1] broadcast to the exponent's shape [3,7,9]", 13, g -> {
                    String c = conv(g, X);
                    String base = g.op("Add", g.op("ReduceMean", g.op("Mul", c, c), is("axes", 1, 2, 3)), g.scalar(0.5f));
                    return g.op("Pow", base, g.positive(1f, 3f, 3, 7, 9));
                }),
                smooth("LayerNorm decomposed (opset 13 export: ReduceMean, Sub, Pow, Sqrt, Div)", 13, g -> {
                    String h = g.op("Transpose", conv(g, X), is("perm", 0, 2, 3, 1));
                    String centred = g.op("Sub", h, g.op("ReduceMean", h, is("axes", -1)));
                    String variance = g.op("ReduceMean", g.op("Pow", centred, g.constantNode(new float[]{2f})),
                            is("axes", -1));
                    String std = g.op("Sqrt", g.op("Add", variance, g.scalar(1e-6f)));
                    return g.op("Add", g.op("Mul", g.op("Div", centred, std), g.weights(1f, 3)), g.weights(1f, 3));
                }));
    }

    static Stream<Case> normalizations() {
        return Stream.of(
                smooth("LayerNormalization axis -1 scale and bias [9] (opset 17)", 17, g -> g.op("LayerNormalization",
                        List.of(conv(g, X), g.weights(1f, 9), g.weights(1f, 9)), f("epsilon", 1e-5f))),
                smooth("LayerNormalization axis 1 over [3,7,9], no bias (opset 17)", 17, g -> g.op("LayerNormalization",
                        List.of(conv(g, X), g.weights(1f, 3, 7, 9)), i("axis", 1))),
                smooth("LayerNormalization channels-last axis 3 (ConvNeXt, opset 17)", 17, g -> g.op("Transpose",
                        g.op("LayerNormalization", List.of(g.op("Transpose", conv(g, X, 3, 8), is("perm", 0, 2, 3, 1)),
                                g.weights(1f, 8), g.weights(1f, 8)), i("axis", 3), f("epsilon", 1e-6f)),
                        is("perm", 0, 3, 1, 2))),
                smooth("LayerNormalization axis -2 with broadcast scale [7,1] (opset 18)", 18, g -> g.op(
                        "LayerNormalization", List.of(conv(g, X), g.weights(1f, 7, 1), g.weights(1f, 1, 9)),
                        i("axis", -2))),
                smooth("InstanceNormalization after Conv 3->4", 13, g -> g.op("InstanceNormalization",
                        List.of(conv(g, X, 3, 4), g.weights(1f, 4), g.weights(1f, 4)), f("epsilon", 1e-4f))),
                smooth("GroupNormalization 2 groups of 2 channels, scale [2] (opset 18)", 18, g -> g.op(
                        "GroupNormalization", List.of(conv(g, X, 3, 4), g.weights(1f, 2), g.weights(1f, 2)),
                        i("num_groups", 2))),
                smooth("GroupNormalization 2 groups, per-channel scale [4] (opset 21)", 21, g -> g.op(
                        "GroupNormalization", List.of(conv(g, X, 3, 4), g.weights(1f, 4), g.weights(1f, 4)),
                        i("num_groups", 2), f("epsilon", 1e-3f))));
    }

    static Stream<Case> moreActivations() {
        return Stream.of(
                sampled("Elu alpha 0.7", 13, awayFrom(1, 0.1, 0), 1e-2, g -> conv(g, g.op("Elu", X, f("alpha", 0.7f)))),
                sampled("Selu default", 13, awayFrom(1, 0.1, 0), 1e-2, g -> conv(g, g.op("Selu", X))),
                smooth("Softplus", 13, g -> conv(g, g.op("Softplus", X))),
                smooth("Mish (opset 18)", 18, g -> conv(g, g.op("Mish", X))),
                sampled("PRelu slope [3,1,1]", 13, awayFrom(1, 0.1, 0), 1e-2,
                        g -> conv(g, g.op("PRelu", X, g.floats(new float[]{0.1f, -0.3f, 0.6f}, 3, 1, 1)))),
                sampled("PRelu scalar slope (opset 7)", 7, awayFrom(1, 0.1, 0), 1e-2,
                        g -> conv(g, g.op("PRelu", X, g.scalar(0.25f)))),
                sampled("Abs", 13, awayFrom(1, 0.1, 0), 1e-2, g -> conv(g, g.op("Abs", X))),
                sampled("Abs (opset 7, sign from comparisons)", 7, awayFrom(1, 0.1, 0), 1e-2,
                        g -> conv(g, g.op("Abs", X))));
    }

    /** Selection and broadcasting: Where, Expand, Tile, Max/Min, ReduceMax/Min/L2, ScatterND. */
    static Stream<Case> selections() {
        Sampler ties = distinct(0.01);
        float[] levels = {-0.5f, 0.2f, 0.9f};
        Sampler awayFromLevels = awayFrom(1, 0.1, -0.5, 0.2, 0.9);
        return Stream.of(
                sampled("Where(x > 0, x·x, Conv(x))", 13, awayFrom(1, 0.1, 0), 1e-2, g -> g.op("Where",
                        List.of(g.op("Greater", X, g.scalar(0f)), g.op("Mul", X, X), conv(g, X)))),
                sampled("Where(x > 0.2, [N,3,1,9] dependent, scalar) broadcast", 13, awayFrom(1, 0.1, 0.2), 1e-2,
                        g -> g.op("Where", List.of(g.op("Greater", X, g.scalar(0.2f)),
                                g.op("ReduceMean", conv(g, X), is("axes", 2)), g.scalar(0.5f)))),
                sampled("Where (opset 9, condition from a constant)", 9, gaussian(1), 1e-2, g -> g.op("Where",
                        List.of(g.op("Greater", g.weights(1f, 3, 7, 9), g.scalar(0f)), conv(g, X), X))),
                smooth("Expand [N,3,1,9] to shape [3,7,1]", 13, g -> g.op("Expand",
                        g.op("ReduceMean", conv(g, X), is("axes", 2)), g.ints(3, 7, 1))),
                smooth("Expand GAP(x) to Shape(x) (computed shape)", 13, g -> g.op("Mul", g.op("Expand",
                        gap(g, conv(g, X)), g.op("Shape", X)), X)),
                smooth("Tile repeats [1,2,1,3]", 13, g -> g.op("Tile", conv(g, X), g.ints(1, 2, 1, 3))),
                smooth("Tile with repeats computed from Shape", 13, g -> g.op("Tile", gap(g, conv(g, X)),
                        g.op("Concat", List.of(g.ints(1, 1), g.op("Slice", List.of(g.op("Shape", X), g.ints(2),
                                g.ints(4)))), i("axis", 0)))),
                sampled("Max(x, const [3,1,1])", 13, awayFromLevels, 1e-2,
                        g -> conv(g, g.op("Max", X, g.floats(levels, 3, 1, 1)))),
                sampled("Min of x, const [3,1,1] and scalar 0.5 (three inputs)", 13, awayFrom(1, 0.1, -0.5, 0.2, 0.9, 0.5),
                        1e-2, g -> conv(g, g.op("Min", List.of(X, g.floats(levels, 3, 1, 1), g.scalar(0.5f))))),
                sampled("Min(x, const) (opset 8, equality from comparisons)", 8, awayFromLevels, 1e-2,
                        g -> conv(g, g.op("Min", X, g.floats(levels, 3, 1, 1)))),
                smooth("Max(x, x) ties split evenly", 13, g -> conv(g, g.op("Max", X, X))),
                smooth("Max single input", 13, g -> conv(g, g.op("Max", List.of(X)))),
                sampled("ReduceMax axes [2,3] keepdims 1 (opset 13)", 13, ties, 1e-3,
                        g -> g.op("ReduceMax", X, is("axes", 2, 3))),
                sampled("ReduceMin axes input [-1] keepdims 0 (opset 18)", 18, ties, 1e-3,
                        g -> g.op("ReduceMin", List.of(X, g.ints(-1)), i("keepdims", 0))),
                sampled("ReduceMax all axes keepdims 0 then Mul", 13, ties, 1e-3,
                        g -> g.op("Mul", g.op("ReduceMax", X, i("keepdims", 0)), X)),
                smooth("ReduceL2 axes [1] (opset 13)", 13, g -> g.op("ReduceL2", conv(g, X), is("axes", 1))),
                smooth("ReduceL2 axes input [2,3] keepdims 0 (opset 18)", 18,
                        g -> g.op("ReduceL2", List.of(conv(g, X), g.ints(2, 3)), i("keepdims", 0))),
                smooth("ScatterND rows of a dependent tensor with dependent updates", 13, g -> {
                    String data = g.op("Transpose", conv(g, X), is("perm", 1, 2, 0, 3)); // [3,7,N,9]
                    String rows = g.op("Squeeze", List.of(g.op("Slice", List.of(X, g.ints(0, 0), g.ints(2, 1),
                            g.ints(1, 2))), g.ints(2))); // [N,2,9]
                    String updates = g.op("Tanh", g.op("Transpose", rows, is("perm", 1, 0, 2)));
                    String scattered = g.op("ScatterND", List.of(data,
                            g.intTensor(new long[]{1, 2, 0, 5}, 2, 2), updates));
                    return g.op("Transpose", scattered, is("perm", 2, 0, 1, 3));
                }),
                smooth("ScatterND reduction add (opset 16)", 16, g -> {
                    String data = g.op("Transpose", conv(g, X), is("perm", 1, 0, 2, 3)); // [3,N,7,9]
                    String updates = g.op("Mul", g.op("Transpose", X, is("perm", 1, 0, 2, 3)), g.scalar(0.5f));
                    String scattered = g.op("ScatterND", List.of(data, g.intTensor(new long[]{2, 0, 1}, 3, 1), updates),
                            s("reduction", "add"));
                    return g.op("Transpose", scattered, is("perm", 1, 0, 2, 3));
                }));
    }

    /** Ops whose bounds, sizes or indices are computed from shapes: constant once the shapes are static. */
    static Stream<Case> shapeArithmetic() {
        return Stream.of(
                smooth("Slice with bounds from Shape→Gather→Div→Mul (ShuffleNet channel split)", 13, g -> {
                    String c = conv(g, X, 3, 4);
                    String channels = g.op("Gather", List.of(g.op("Shape", c), g.ints(1)), i("axis", 0));
                    String half = g.op("Div", g.op("Add", channels, g.ints(1)), g.ints(2));
                    String end = g.op("Mul", half, g.ints(2));
                    String second = g.op("Slice", List.of(c, g.op("Mul", half, g.ints(1)), end, g.ints(1)));
                    String first = g.op("Slice", List.of(c, g.ints(0), half, g.ints(1)));
                    return g.op("Concat", List.of(g.op("Tanh", second), first), i("axis", 1));
                }),
                smooth("Pad with pads computed from Shape (Swin window padding)", 13, g -> {
                    String c = conv(g, X);
                    String width = g.op("Gather", List.of(g.op("Shape", c), g.ints(3)), i("axis", 0));
                    String pad = g.op("Mod", g.op("Sub", g.ints(4), g.op("Mod", width, g.ints(4))), g.ints(4));
                    String pads = g.op("Concat", List.of(g.ints(0, 0, 0, 0, 0, 0, 1), pad), i("axis", 0));
                    return g.op("Pad", List.of(c, pads));
                }),
                smooth("Gather with an index computed from Shape (last column)", 13, g -> {
                    String c = conv(g, X);
                    String last = g.op("Sub", g.op("Gather", List.of(g.op("Shape", c), g.intTensor(new long[]{3})),
                            i("axis", 0)), g.intTensor(new long[]{1}));
                    return g.op("Gather", List.of(c, last), i("axis", 3));
                }),
                smooth("Split with sizes computed from Shape (opset 13)", 13, g -> {
                    String c = conv(g, X, 3, 4);
                    String channels = g.op("Slice", List.of(g.op("Shape", c), g.ints(1), g.ints(2)));
                    String quarter = g.op("Div", channels, g.ints(4));
                    String sizes = g.op("Concat", List.of(quarter, g.op("Sub", channels, quarter)), i("axis", 0));
                    String[] parts = g.ops("Split", List.of(c, sizes), 2, i("axis", 1));
                    return g.op("Concat", List.of(g.op("Mul", parts[1], parts[1]), parts[0]), i("axis", 1));
                }),
                smooth("Class token: Expand a weight to [N,1,9] via Where on shape values, Concat, Slice", 13, g -> {
                    String tokens = g.op("Reshape", conv(g, X), g.ints(0, 21, 9));
                    String batch = g.op("Unsqueeze", List.of(g.op("Gather", List.of(g.op("Shape", tokens),
                            g.intTensor(new long[]{0})), i("axis", 0)), g.ints(0)));
                    String target = g.op("Concat", List.of(batch, g.ints(-1, -1)), i("axis", 0));
                    String ones = g.op("ConstantOfShape", List.of(g.op("Shape", target)), TinyGraphs.intValue(1));
                    String minusOne = g.op("Mul", ones, g.intTensor(new long[]{-1}));
                    String shape = g.op("Where", List.of(g.op("Equal", target, minusOne), ones, target));
                    String cls = g.op("Expand", g.weights(1f, 1, 1, 9), shape);
                    String all = g.op("Concat", List.of(cls, tokens), i("axis", 1));
                    String mixed = g.op("Softmax", g.op("MatMul", all, g.op("Transpose", all, is("perm", 0, 2, 1))));
                    return g.op("Slice", List.of(g.op("MatMul", mixed, all), g.ints(0), g.ints(1), g.ints(1)));
                }),
                smooth("Reshape to a shape from Shape→Gather→Mul→Concat, batch included", 13, g -> {
                    String c = conv(g, X);
                    String shape = g.op("Shape", c);
                    String batch = g.op("Gather", List.of(shape, g.ints(0)), i("axis", 0));
                    String rows = g.op("Mul", g.op("Gather", List.of(shape, g.ints(1)), i("axis", 0)),
                            g.op("Gather", List.of(shape, g.ints(2)), i("axis", 0)));
                    return g.op("Reshape", List.of(g.op("Tanh", c), g.op("Concat",
                            List.of(batch, rows, g.ints(-1)), i("axis", 0))));
                }));
    }

    static Stream<Case> resizes() {
        return Stream.of(
                smooth("Resize nearest x2 asymmetric floor (F.interpolate nearest)", 13, g -> g.op("Resize",
                        List.of(conv(g, X), "", g.floats(new float[]{1, 1, 2, 2}, 4)),
                        s("mode", "nearest"), s("coordinate_transformation_mode", "asymmetric"), s("nearest_mode", "floor"))),
                smooth("Resize nearest half_pixel round_prefer_floor to sizes 4x5 on axes [2,3] (opset 18)", 18,
                        g -> g.op("Resize", List.of(conv(g, X), "", "", g.ints(4, 5)), s("mode", "nearest"),
                                is("axes", 2, 3))),
                smooth("Resize nearest x1.5 round_prefer_ceil", 13, g -> g.op("Resize",
                        List.of(conv(g, X), "", g.floats(new float[]{1, 1, 1.5f, 1.5f}, 4)),
                        s("mode", "nearest"), s("nearest_mode", "round_prefer_ceil"))),
                smooth("Resize linear x2 half_pixel", 13, g -> g.op("Resize",
                        List.of(conv(g, X), "", g.floats(new float[]{1, 1, 2, 2}, 4)), s("mode", "linear"))),
                smooth("Resize linear pytorch_half_pixel to sizes 5x13 on axes [2,3] (opset 18)", 18, g -> g.op(
                        "Resize", List.of(conv(g, X), "", "", g.ints(5, 13)), s("mode", "linear"), is("axes", 2, 3),
                        s("coordinate_transformation_mode", "pytorch_half_pixel"))),
                smooth("Resize linear align_corners x2", 13, g -> g.op("Resize",
                        List.of(conv(g, X), "", g.floats(new float[]{1, 1, 2, 2}, 4)), s("mode", "linear"),
                        s("coordinate_transformation_mode", "align_corners"))),
                smooth("Resize linear asymmetric downsample x0.5", 13, g -> g.op("Resize",
                        List.of(conv(g, X), "", g.floats(new float[]{1, 1, 0.5f, 0.5f}, 4)), s("mode", "linear"),
                        s("coordinate_transformation_mode", "asymmetric"))),
                smooth("Resize nearest opset 11 with empty roi and scales x2", 11, g -> g.op("Resize",
                        List.of(conv(g, X), g.floats(new float[0], 0), g.floats(new float[]{1, 1, 2, 2}, 4)),
                        s("mode", "nearest"), s("coordinate_transformation_mode", "asymmetric"),
                        s("nearest_mode", "floor"))),
                smooth("Resize nearest opset 10 x2", 10, g -> g.op("Resize",
                        List.of(conv(g, X), g.floats(new float[]{1, 1, 2, 2}, 4)), s("mode", "nearest"))),
                smooth("Resize linear opset 10 downsample x0.6", 10, g -> g.op("Resize",
                        List.of(conv(g, X), g.floats(new float[]{1, 1, 0.6f, 0.6f}, 4)), s("mode", "linear"))),
                smooth("Resize linear to sizes computed from Shape x2", 13, g -> {
                    String c = conv(g, X);
                    String sizes = g.op("Mul", g.op("Shape", c), g.ints(1, 1, 2, 2));
                    return g.op("Resize", List.of(c, "", "", sizes), s("mode", "linear"));
                }),
                smooth("Resize linear half_pixel_symmetric on axis 3 only (opset 19)", 19, g -> g.op("Resize",
                        List.of(conv(g, X), "", g.floats(new float[]{1.7f}, 1)), s("mode", "linear"), is("axes", 3),
                        s("coordinate_transformation_mode", "half_pixel_symmetric"))));
    }

    static Stream<Case> einsums() {
        return Stream.of(
                smooth("Einsum bhid,bhjd->bhij (attention scores, both operands)", 13, g -> g.op("Einsum",
                        List.of(conv(g, X), X), s("equation", "bhid,bhjd->bhij"))),
                smooth("Einsum bhij,bhjd->bhid (attention output)", 13, g -> {
                    String scores = g.op("Softmax", g.op("Einsum", List.of(X, X), s("equation", "bhid,bhjd->bhij")));
                    return g.op("Einsum", List.of(scores, conv(g, X)), s("equation", "bhij,bhjd->bhid"));
                }),
                smooth("Einsum nchw,wk->nchk with a weight", 13, g -> g.op("Einsum",
                        List.of(conv(g, X), g.weights(1f, 9, 4)), s("equation", "nchw,wk->nchk"))),
                smooth("Einsum ...ij,...jk->...ik (ellipsis)", 13, g -> g.op("Einsum",
                        List.of(X, g.op("Transpose", conv(g, X), is("perm", 0, 1, 3, 2))), s("equation", "...ij,...jk->...ik"))),
                smooth("Einsum nchw,hw->nc (indices summed in both)", 13, g -> g.op("Einsum",
                        List.of(conv(g, X), g.weights(1f, 7, 9)), s("equation", "nchw,hw->nc"))),
                smooth("Einsum nchw,c->n (w summed in one operand only)", 13, g -> g.op("Einsum",
                        List.of(g.op("Mul", X, conv(g, X)), g.weights(1f, 3)), s("equation", "nchw,c->n"))),
                smooth("Einsum implicit output nchw,ch (-> nw)", 13, g -> g.op("Einsum",
                        List.of(conv(g, X), g.weights(1f, 3, 7)), s("equation", "nchw,ch"))));
    }

    static Stream<Arguments> allCases() {
        return Stream.of(convolutions(), linear(), activations(), elementwise(), pooling(), reductions(), shapes(),
                        transformers(), normalizations(), moreActivations(), selections(), shapeArithmetic(),
                        resizes(), einsums())
                .flatMap(s -> s).map(c -> Arguments.of(c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void gradientMatchesFiniteDifferences(Case c) {
        checkGradient(c.name(), c.model(), c.shape(), c.sampler(), c.eps(), TargetHead.LOGIT);
    }

    /**
     * Known gap: with dilations (ONNX Runtime's non-MLAS kernel), ceil_mode and count_include_pad=1, ORT 1.24 does
     * not count an end-padding row that a dilated window reaches (7 rows, kernel 2, dilation 2, stride 2, pads 1/1:
     * the last window, rows 5 and 7, divides by 1 row, the first, rows −1 and 1, by 2), while the rule counts
     * every position inside the padded border. The rule matches ORT when the window stays inside that border.
     */
    @Test
    @org.junit.jupiter.api.Disabled("ORT's dilated ceil_mode count_include_pad divisor is not modelled yet")
    void averagePoolDilatedCeilModeIncludePad() {
        checkGradient("AveragePool dilations 2 ceil_mode count_include_pad 1 (opset 19)",
                new Case("", 19, SHAPE, gaussian(1), 1e-2, g -> g.op("AveragePool", X, is("kernel_shape", 2, 3),
                        is("strides", 2, 2), is("dilations", 2, 1), is("pads", 1, 0, 1, 1), i("ceil_mode", 1),
                        i("count_include_pad", 1))).model(), SHAPE, gaussian(1), 1e-2, TargetHead.LOGIT);
    }

    // ---- heads, errors, shape chains, inner tensors ------------------------------------------------------

    static OnnxModel classifier(int classes) {
        TinyGraphs g = new TinyGraphs(13, 99);
        String feats = flatten(g, gap(g, g.op("Tanh", conv(g, X, 3, 6))));
        return g.build(g.op("Gemm", List.of(feats, g.weights(2f, 6, classes), g.weights(1f, classes))), SHAPE);
    }

    @Test
    void probabilityHead() {
        checkGradient("PROBABILITY head", classifier(5), SHAPE, gaussian(1), 1e-2, TargetHead.PROBABILITY);
    }

    @Test
    void logProbabilityHead() {
        checkGradient("LOG_PROBABILITY head", classifier(5), SHAPE, gaussian(1), 1e-2, TargetHead.LOG_PROBABILITY);
    }

    @Test
    void integerShapeChainFeedsReshape() {
        TinyGraphs g = new TinyGraphs(13, 7);
        String c = conv(g, X, 3, 4);
        String batch = g.op("Gather", List.of(g.op("Shape", c), g.ints(0)), i("axis", 0));
        String channels = g.op("Gather", List.of(g.op("Shape", X), g.ints(1)), i("axis", 0));
        String shape = g.op("Concat", List.of(batch, channels, g.ints(-1)), i("axis", 0));
        String out = g.op("Reshape", List.of(g.op("Tanh", c), shape));
        checkGradient("Shape -> Gather -> Concat -> Reshape", g.build(out, SHAPE), SHAPE, gaussian(1), 1e-2,
                TargetHead.LOGIT);
    }

    @Test
    void innerTensorGradientEqualsInputGradientThroughIdentity() {
        TinyGraphs g = new TinyGraphs(13, 8);
        String t = g.op("Identity", X);
        String c = conv(g, t, 3, 4);
        String out = g.op("Tanh", g.op("Mul", c, c));
        OnnxModel model = g.build(out, SHAPE);
        Random r = new Random(8);
        try (DifferentiableModel dm = DifferentiableModel.open(model, X, out, SHAPE, EngineOptions.DEFAULT)) {
            float[] x = gaussian(1).sample(r, BATCH * dm.itemSize());
            float[] seeds = gaussian(1).sample(r, BATCH * dm.classes());
            GradientResult res;
            try (var session = dm.gradientSession(TargetHead.LOGIT, RuleTable.standard(), List.of(t, c), BATCH)) {
                res = session.run(x, seeds, BATCH);
            }
            InnerTensor inner = res.inner().get(t);
            assertThat(inner.shape()).containsExactly(BATCH, 3, 7, 9);
            assertThat(inner.value()).containsExactly(x);
            assertThat(inner.gradient()).containsExactly(res.inputGradient());
            // the Conv output's gradient: d/dc Σ s·tanh(c²) = s·(1 − tanh²(c²))·2c, from its own value
            InnerTensor conv = res.inner().get(c);
            float[] expected = new float[conv.value().length];
            for (int k = 0; k < expected.length; k++) {
                double v = conv.value()[k];
                double th = Math.tanh(v * v);
                expected[k] = (float) (seeds[k] * (1 - th * th) * 2 * v);
            }
            assertThat(relativeError(conv.gradient(), expected)).as("Conv output gradient").isLessThan(1e-5);
            checkGradient("inner Identity model", model, SHAPE, gaussian(1), 1e-2, TargetHead.LOGIT);
        }
    }

    // ---- the check --------------------------------------------------------------------------------------

    static double relativeError(float[] actual, float[] expected) {
        return ReferenceGradientTest.relativeError(actual, expected);
    }

    static double[] applyHead(float[] scores, int classes, TargetHead head) {
        double[] out = new double[scores.length];
        for (int b = 0; b < scores.length / classes; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                max = Math.max(max, scores[b * classes + k]);
            }
            double total = 0;
            for (int k = 0; k < classes; k++) {
                total += Math.exp(scores[b * classes + k] - max);
            }
            for (int k = 0; k < classes; k++) {
                double z = scores[b * classes + k];
                out[b * classes + k] = switch (head) {
                    case LOGIT -> z;
                    case PROBABILITY -> Math.exp(z - max) / total;
                    case LOG_PROBABILITY -> z - max - Math.log(total);
                };
            }
        }
        return out;
    }

    static double target(DifferentiableModel dm, float[] x, float[] seeds, TargetHead head) {
        double[] h = applyHead(dm.forward(x, BATCH), dm.classes(), head);
        double sum = 0;
        for (int k = 0; k < h.length; k++) {
            sum += seeds[k] * h[k];
        }
        return sum;
    }

    static void checkGradient(String name, OnnxModel model, long[] shape, Sampler sampler, double eps,
                              TargetHead head) {
        Random r = new Random(name.hashCode() * 31L + 17);
        try (DifferentiableModel dm = DifferentiableModel.open(model, X, model.graph().getOutput(0).getName(),
                shape, EngineOptions.DEFAULT)) {
            int n = BATCH * dm.itemSize();
            float[] x = sampler.sample(r, n);
            float[] seeds = gaussian(1).sample(r, BATCH * dm.classes());
            GradientResult res;
            try (var session = dm.gradientSession(head, RuleTable.standard(), List.of(), BATCH)) {
                res = session.run(x, seeds, BATCH);
            }
            float[] gradient = res.inputGradient();

            float[] scores = dm.forward(x, BATCH);
            assertThat(relativeError(res.scores(), scores)).as("%s: scores vs forward", name).isLessThan(1e-5);
            double[] h = applyHead(scores, dm.classes(), head);
            for (int b = 0; b < BATCH; b++) {
                double t = 0;
                double scale = 0;
                for (int k = 0; k < dm.classes(); k++) {
                    t += seeds[b * dm.classes() + k] * h[b * dm.classes() + k];
                    scale += Math.abs(seeds[b * dm.classes() + k] * h[b * dm.classes() + k]);
                }
                assertThat(Math.abs(res.target()[b] - t)).as("%s: target of item %d", name, b)
                        .isLessThanOrEqualTo(1e-5 * scale + 1e-6);
            }

            double norm2 = 0;
            double normMax = 0;
            for (float v : gradient) {
                norm2 += (double) v * v;
                normMax = Math.max(normMax, Math.abs(v));
            }
            norm2 = Math.sqrt(norm2);
            assertThat(normMax).as("%s: gradient is not zero", name).isGreaterThan(0);

            double worst = 0;
            // random directions
            for (int d = 0; d < 6; d++) {
                float[] v = new float[n];
                for (int k = 0; k < n; k++) {
                    v[k] = (float) Math.max(-3, Math.min(3, r.nextGaussian()));
                }
                double[] result = differenceQuotient(dm, x, v, eps, seeds, head, gradient);
                double error = Math.abs(result[0] - result[1]) / Math.max(Math.abs(result[1]), norm2);
                worst = Math.max(worst, error);
                assertThat(error).as("%s: direction %d: finite difference %s vs gradient·v %s", name, d,
                        result[0], result[1]).isLessThan(TOLERANCE);
            }
            // single coordinates: corners, the item boundary, the largest gradients, random ones
            int item = dm.itemSize();
            List<Integer> coords = new ArrayList<>(List.of(0, item - 1, item, n - 1));
            Integer[] byMagnitude = new Integer[n];
            for (int k = 0; k < n; k++) {
                byMagnitude[k] = k;
            }
            Arrays.sort(byMagnitude, (a, b) -> Float.compare(Math.abs(gradient[b]), Math.abs(gradient[a])));
            coords.addAll(List.of(byMagnitude[0], byMagnitude[1], byMagnitude[2]));
            for (int k = 0; k < 4; k++) {
                coords.add(r.nextInt(n));
            }
            for (int k : coords) {
                float[] v = new float[n];
                v[k] = 1f;
                double[] result = differenceQuotient(dm, x, v, eps, seeds, head, gradient);
                double error = Math.abs(result[0] - result[1]) / Math.max(Math.abs(result[1]), 0.05 * normMax);
                worst = Math.max(worst, error);
                assertThat(error).as("%s: coordinate %d: finite difference %s vs gradient %s", name, k,
                        result[0], result[1]).isLessThan(TOLERANCE);
            }
            System.out.printf("finite differences OK  %-62s worst relative error %.1e%n", name, worst);
        }
    }

    /** {fd, ⟨g, Δ⟩/2ε} for the float32 perturbation Δ = (x+εv) − (x−εv) actually applied. */
    static double[] differenceQuotient(DifferentiableModel dm, float[] x, float[] v, double eps, float[] seeds,
                                       TargetHead head, float[] gradient) {
        float[] plus = new float[x.length];
        float[] minus = new float[x.length];
        double projected = 0;
        for (int k = 0; k < x.length; k++) {
            plus[k] = (float) (x[k] + eps * v[k]);
            minus[k] = (float) (x[k] - eps * v[k]);
            projected += (double) gradient[k] * ((double) plus[k] - minus[k]);
        }
        double fd = target(dm, plus, seeds, head) - target(dm, minus, seeds, head);
        return new double[]{fd / (2 * eps), projected / (2 * eps)};
    }
}
