package dev.salient.tflite;

import dev.salient.engine.SharedRuntime;
import static dev.salient.tflite.TfliteModelWriter.CONCATENATION_OPTIONS;
import static dev.salient.tflite.TfliteModelWriter.CONV_2D_OPTIONS;
import static dev.salient.tflite.TfliteModelWriter.DEPTHWISE_CONV_2D_OPTIONS;
import static dev.salient.tflite.TfliteModelWriter.FULLY_CONNECTED_OPTIONS;
import static dev.salient.tflite.TfliteModelWriter.POOL_2D_OPTIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Op-level checks on small TFLite models written in the test: the imported ONNX graph, run by ONNX Runtime,
 * must match a direct NHWC implementation of TFLite's float semantics written here, independent of the
 * importer (its own dequantisation, padding arithmetic and loops).
 */
class HandBuiltModelImportTest {
    private static final OrtEnvironment ENV = SharedRuntime.environment();
    private static final int SAME = 0, VALID = 1, NONE = 0, RELU = 1, RELU6 = 3;

    @Test
    void padConvDepthwisePoolConcatReshapeFullyConnectedMatchReference() throws Exception {
        Random rnd = new Random(42);
        TfliteModelWriter w = new TfliteModelWriter();
        int x = w.activation("x", 1, 7, 7, 3);
        // PAD H by (1, 0) and W by (0, 1): 7×7 → 8×8.
        int[] padAmounts = {0, 0, 1, 0, 0, 1, 0, 0};
        int padded = w.activation("padded", 1, 8, 8, 3);
        w.op(BuiltinOperator.PAD, new int[] {x, w.ints("paddings", new int[] {4, 2}, padAmounts)}, new int[] {padded},
                TfliteModelWriter.PAD_OPTIONS, TfliteModelWriter.empty());

        // CONV_2D 3×3 SAME stride 2 (8 → 4: TF pads 0 before, 1 after), int8 per-channel weights, RELU6.
        Quantised convW = quantised(rnd, new int[] {4, 3, 3, 3}, 0, 0.02f);
        Quantised convB = quantisedBias(rnd, 4, convW.scale);
        int conv = w.activation("conv", 1, 4, 4, 4);
        w.op(BuiltinOperator.CONV_2D, new int[] {padded, w.int8("conv/w", convW.shape, convW.q, convW.scale, 0),
                w.ints("conv/b", new int[] {4}, convB.ints(), convB.scale, 0)}, new int[] {conv}, CONV_2D_OPTIONS,
                TfliteModelWriter.conv(SAME, 2, 1, RELU6));

        // DEPTHWISE_CONV_2D multiplier 2, 3×3 dilation 2 SAME, per-channel along dim 3, float bias.
        Quantised dwW = quantised(rnd, new int[] {1, 3, 3, 8}, 3, 0.03f);
        float[] dwB = floats(rnd, 8);
        int dw = w.activation("dw", 1, 4, 4, 8);
        w.op(BuiltinOperator.DEPTHWISE_CONV_2D, new int[] {conv, w.int8("dw/w", dwW.shape, dwW.q, dwW.scale, 3),
                w.floats("dw/b", new int[] {8}, dwB)}, new int[] {dw}, DEPTHWISE_CONV_2D_OPTIONS,
                TfliteModelWriter.depthwise(SAME, 1, 2, 2, NONE));

        // MAX_POOL_2D 3×3 stride 2 SAME (4 → 2, padding 0 before / 1 after) and AVERAGE_POOL_2D 2×2 VALID.
        int max = w.activation("max", 1, 2, 2, 8);
        w.op(BuiltinOperator.MAX_POOL_2D, new int[] {dw}, new int[] {max}, POOL_2D_OPTIONS,
                TfliteModelWriter.pool(SAME, 2, 3, NONE));
        int avg = w.activation("avg", 1, 2, 2, 4);
        w.op(BuiltinOperator.AVERAGE_POOL_2D, new int[] {conv}, new int[] {avg}, POOL_2D_OPTIONS,
                TfliteModelWriter.pool(VALID, 2, 2, NONE));

        int cat = w.activation("cat", 1, 2, 2, 12);
        w.op(BuiltinOperator.CONCATENATION, new int[] {max, avg}, new int[] {cat}, CONCATENATION_OPTIONS,
                TfliteModelWriter.concatenation(-1, NONE));

        // RESHAPE [1,2,2,12] → [1,48]: spatial is not 1×1, so NHWC element order must be restored first.
        int flat = w.activation("flat", 1, 48);
        w.op(BuiltinOperator.RESHAPE, new int[] {cat, w.ints("flat/shape", new int[] {2}, new int[] {1, 48})},
                new int[] {flat}, TfliteModelWriter.RESHAPE_OPTIONS, null);

        Quantised fcW = quantised(rnd, new int[] {5, 48}, 0, 0.01f);
        float[] fcB = floats(rnd, 5);
        int out = w.activation("out", 1, 5);
        w.op(BuiltinOperator.FULLY_CONNECTED, new int[] {flat, w.int8("fc/w", fcW.shape, fcW.q, fcW.scale, 0),
                w.floats("fc/b", new int[] {5}, fcB)}, new int[] {out}, FULLY_CONNECTED_OPTIONS,
                TfliteModelWriter.byteOption(NONE));
        byte[] tflite = w.build(new int[] {x}, new int[] {out});

        TfliteImport imported = TfliteImporter.importModel(tflite);
        OnnxMl.GraphProto graph = imported.model().getGraph();
        assertThat(graph.getOutput(0).getName()).isEqualTo("logits");
        assertThat(graph.getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("N");
        assertThat(imported.sidecar().get("assumed").asText()).contains("float input");

        float[] input = floats(rnd, 7 * 7 * 3, 3f);
        // Reference: TFLite float semantics in NHWC, weights dequantised here.
        T4 r = new T4(input, 1, 7, 7, 3);
        r = pad(r, padAmounts);
        r = conv(r, convW.real(), convB.real(), 4, 3, 3, 2, 1, false);
        T4 convOut = clip(r, 0, 6);
        T4 dwOut = conv(convOut, dwW.real(), dwB, 8, 3, 3, 1, 2, true);
        T4 maxOut = pool(dwOut, 3, 2, true, true);
        T4 avgOut = pool(convOut, 2, 2, false, false);
        float[] catOut = new float[2 * 2 * 12];
        for (int p = 0; p < 4; p++) {
            System.arraycopy(maxOut.v, p * 8, catOut, p * 12, 8);
            System.arraycopy(avgOut.v, p * 4, catOut, p * 12 + 8, 4);
        }
        float[] fcReal = fcW.real();
        float[] expected = new float[5];
        for (int o = 0; o < 5; o++) {
            double s = fcB[o];
            for (int i = 0; i < 48; i++) s += fcReal[o * 48 + i] * catOut[i];
            expected[o] = (float) s;
        }
        assertThat(convOut.v).as("RELU6 must clip some values").contains(6f);

        float[] got = run(imported.model(), "logits", input, new long[] {1, 7, 7, 3});
        for (int o = 0; o < 5; o++) {
            // float32 vs double accumulation: compare relative to the magnitude.
            assertThat(got[o]).as("output %d", o).isCloseTo(expected[o], within(1e-5f * Math.max(1, Math.abs(expected[o]))));
        }
    }

    @Test
    void quantisedInputElementwiseMeanSoftmaxMatchReference() throws Exception {
        Random rnd = new Random(7);
        TfliteModelWriter w = new TfliteModelWriter();
        // uint8 input, real = (q − 10)·0.1.
        int x = w.quantisedActivation("x", TfliteSchema.UINT8, 0.1f, 10, 1, 5, 6, 4);
        float[] gains = floats(rnd, 4);
        int scaled = w.activation("scaled", 1, 5, 6, 4);
        w.op(BuiltinOperator.MUL, new int[] {x, w.floats("gains", new int[] {4}, gains)}, new int[] {scaled},
                TfliteModelWriter.MUL_OPTIONS, TfliteModelWriter.byteOption(NONE));
        int hs = w.activation("hs", 1, 5, 6, 4);
        w.op(BuiltinOperator.HARD_SWISH, new int[] {scaled}, new int[] {hs}, 0, null);
        int sum = w.activation("sum", 1, 5, 6, 4);
        w.op(BuiltinOperator.ADD, new int[] {hs, x}, new int[] {sum}, TfliteModelWriter.ADD_OPTIONS,
                TfliteModelWriter.byteOption(RELU));
        int sig = w.activation("sig", 1, 5, 6, 4);
        w.op(BuiltinOperator.LOGISTIC, new int[] {sum}, new int[] {sig}, 0, null);
        int mean = w.activation("mean", 1, 4);
        w.op(BuiltinOperator.MEAN, new int[] {sig, w.ints("axes", new int[] {2}, new int[] {1, 2})},
                new int[] {mean}, TfliteModelWriter.REDUCER_OPTIONS, TfliteModelWriter.byteOption(0));
        int prob = w.activation("prob", 1, 4);
        w.op(BuiltinOperator.SOFTMAX, new int[] {mean}, new int[] {prob}, TfliteModelWriter.SOFTMAX_OPTIONS,
                TfliteModelWriter.softmax(2f));
        TfliteImport imported = TfliteImporter.importModel(w.build(new int[] {x}, new int[] {prob}));

        var sidecar = imported.sidecar();
        assertThat(sidecar.get("mean").get(0).asDouble()).isEqualTo(10.0);
        assertThat(sidecar.get("std").get(2).asDouble()).isCloseTo(10.0, within(1e-5));
        assertThat(sidecar.get("scale").asDouble()).isEqualTo(1.0);
        assertThat(sidecar.get("width").asInt()).isEqualTo(6);
        assertThat(sidecar.get("height").asInt()).isEqualTo(5);
        OnnxMl.GraphProto graph = imported.model().getGraph();
        assertThat(graph.getNode(graph.getNodeCount() - 1).getOpType()).isEqualTo("Softmax");
        assertThat(graph.getOutput(0).getName()).isEqualTo("probabilities");

        float[] real = new float[5 * 6 * 4];
        for (int i = 0; i < real.length; i++) real[i] = (rnd.nextInt(256) - 10) * 0.1f;
        double[] means = new double[4];
        for (int i = 0; i < real.length; i++) {
            double s = real[i] * gains[i % 4];
            double h = s * Math.min(Math.max(s + 3, 0), 6) / 6;
            double a = Math.max(h + real[i], 0);
            means[i % 4] += 1 / (1 + Math.exp(-a)) / 30;
        }
        double z = 0;
        for (double m : means) z += Math.exp(2 * m);
        float[] got = run(imported.model(), "probabilities", real, new long[] {1, 5, 6, 4});
        for (int c = 0; c < 4; c++) assertThat(got[c]).isCloseTo((float) (Math.exp(2 * means[c]) / z), within(1e-5f));
    }

    @Test
    void quantizeDequantizeClipsReshapeMeanSqueezeMatchReference() throws Exception {
        Random rnd = new Random(3);
        TfliteModelWriter w = new TfliteModelWriter();
        int x = w.activation("x", 1, 4, 4, 2);
        int xq = w.quantisedActivation("xq", TfliteSchema.UINT8, 0.05f, 128, 1, 4, 4, 2);
        w.op(BuiltinOperator.QUANTIZE, new int[] {x}, new int[] {xq}, 0, null);
        int xf = w.activation("xf", 1, 4, 4, 2);
        w.op(BuiltinOperator.DEQUANTIZE, new int[] {xq}, new int[] {xf}, 0, null);
        // DEQUANTIZE of a constant: the conv must still see constant (dequantised) weights.
        Quantised wq = quantised(rnd, new int[] {3, 1, 1, 2}, 0, 0.01f);
        int wf = w.activation("wf", 3, 1, 1, 2);
        w.op(BuiltinOperator.DEQUANTIZE, new int[] {w.int8("wq", wq.shape, wq.q, wq.scale, 0)}, new int[] {wf}, 0, null);
        int c = w.activation("c", 1, 4, 4, 3);
        w.op(BuiltinOperator.CONV_2D, new int[] {xf, wf, -1}, new int[] {c}, CONV_2D_OPTIONS,
                TfliteModelWriter.conv(VALID, 1, 1, NONE));
        int r1 = w.activation("r1", 1, 4, 4, 3);
        w.op(BuiltinOperator.RELU_N1_TO_1, new int[] {c}, new int[] {r1}, 0, null);
        // RESHAPE to another 4-D shape: NHWC element order, so the 4×4 grid becomes 2×8 row by row.
        int rs = w.activation("rs", 1, 2, 8, 3);
        w.op(BuiltinOperator.RESHAPE, new int[] {r1, w.ints("rs/shape", new int[] {4}, new int[] {1, 2, 8, 3})},
                new int[] {rs}, TfliteModelWriter.RESHAPE_OPTIONS, null);
        int r6 = w.activation("r6", 1, 2, 8, 3);
        w.op(BuiltinOperator.RELU6, new int[] {rs}, new int[] {r6}, 0, null);
        int m = w.activation("m", 1, 1, 8, 3);
        w.op(BuiltinOperator.MEAN, new int[] {r6, w.ints("axes", new int[] {1}, new int[] {1})}, new int[] {m},
                TfliteModelWriter.REDUCER_OPTIONS, TfliteModelWriter.byteOption(1));
        int sq = w.activation("sq", 1, 8, 3);
        w.op(BuiltinOperator.SQUEEZE, new int[] {m}, new int[] {sq}, 0, null);
        TfliteImport imported = TfliteImporter.importModel(w.build(new int[] {x}, new int[] {sq}));

        float[] input = floats(rnd, 32, 4f);
        float[] wr = wq.real();
        float[] f = new float[16 * 3];
        for (int p = 0; p < 16; p++)
            for (int o = 0; o < 3; o++) {
                double s = 0;
                for (int ch = 0; ch < 2; ch++) s += wr[o * 2 + ch] * input[p * 2 + ch];
                f[p * 3 + o] = (float) Math.max(Math.min(Math.min(Math.max(s, -1), 1), 6), 0);
            }
        float[] got = run(imported.model(), "logits", input, new long[] {1, 4, 4, 2});
        assertThat(got).hasSize(24);
        for (int col = 0; col < 8; col++)
            for (int o = 0; o < 3; o++) {
                float want = (f[col * 3 + o] + f[(8 + col) * 3 + o]) / 2;
                assertThat(got[col * 3 + o]).as("w=%d c=%d", col, o).isCloseTo(want, within(1e-5f));
            }
        assertThat(imported.model().getGraph().getNodeList()).extracting(OnnxMl.NodeProto::getOpType)
                .contains("Identity", "Clip", "ReduceMean", "Reshape");
    }

    @Test
    void unsupportedOperatorIsNamedWithIndexAndSupportedList() {
        TfliteModelWriter w = new TfliteModelWriter();
        int x = w.activation("x", 1, 4, 4, 4);
        int y = w.activation("y", 1, 4, 4, 4);
        int z = w.activation("z", 1, 2, 2, 16);
        w.op(BuiltinOperator.RELU, new int[] {x}, new int[] {y}, 0, null);
        w.op(26, new int[] {y}, new int[] {z}, 0, null); // SPACE_TO_DEPTH
        byte[] tflite = w.build(new int[] {x}, new int[] {z});
        assertThatThrownBy(() -> TfliteImporter.importModel(tflite)).isInstanceOf(TfliteImportException.class)
                .hasMessageContaining("SPACE_TO_DEPTH").hasMessageContaining("builtin code 26")
                .hasMessageContaining("operator index 1").hasMessageContaining("CONV_2D")
                .hasMessageContaining("DEPTHWISE_CONV_2D").hasMessageContaining("HARD_SWISH");
    }

    @Test
    void nonTfliteBytesAreRejectedClearly() {
        byte[] onnxLike = "\u0008\u0007\u0012\u0004ONNXnot a flatbuffer".getBytes();
        assertThatThrownBy(() -> TfliteImporter.importModel(onnxLike)).isInstanceOf(TfliteImportException.class)
                .hasMessageContaining("not a TFLite model").hasMessageContaining("TFL3");
        assertThatThrownBy(() -> TfliteImporter.importModel(new byte[3])).isInstanceOf(TfliteImportException.class)
                .hasMessageContaining("not a TFLite model");
    }

    // ------------------------------------------------------------------ reference implementation (NHWC)

    /** An NHWC float tensor. */
    record T4(float[] v, int n, int h, int w, int c) {
        float at(int y, int x, int ch) {
            return v[(y * w + x) * c + ch];
        }
    }

    /** Quantised weights: int8 values with per-channel scales along {@code dim} (zero point 0). */
    record Quantised(byte[] q, int[] shape, int dim, float[] scale) {
        float[] real() {
            int inner = 1;
            for (int d = dim + 1; d < shape.length; d++) inner *= shape[d];
            float[] out = new float[q.length];
            for (int i = 0; i < q.length; i++) out[i] = q[i] * scale[(i / inner) % shape[dim]];
            return out;
        }

        int[] ints() {
            int[] out = new int[q.length];
            for (int i = 0; i < q.length; i++) out[i] = q[i];
            return out;
        }
    }

    static Quantised quantised(Random rnd, int[] shape, int dim, float baseScale) {
        int n = 1;
        for (int d : shape) n *= d;
        byte[] q = new byte[n];
        for (int i = 0; i < n; i++) q[i] = (byte) (rnd.nextInt(255) - 127);
        float[] scale = new float[shape[dim]];
        for (int c = 0; c < scale.length; c++) scale[c] = baseScale * (0.5f + c);
        return new Quantised(q, shape, dim, scale);
    }

    /** An int32 bias quantised with scale = weight scale (input scale 1), small values fit in a byte. */
    static Quantised quantisedBias(Random rnd, int n, float[] weightScale) {
        byte[] q = new byte[n];
        for (int i = 0; i < n; i++) q[i] = (byte) (rnd.nextInt(201) - 100);
        return new Quantised(q, new int[] {n}, 0, weightScale.clone());
    }

    static float[] floats(Random rnd, int n) {
        return floats(rnd, n, 1f);
    }

    static float[] floats(Random rnd, int n, float range) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (rnd.nextFloat() * 2 - 1) * range;
        return v;
    }

    static T4 pad(T4 x, int[] p) {
        int h = x.h + p[2] + p[3], w = x.w + p[4] + p[5];
        float[] v = new float[h * w * x.c];
        for (int y = 0; y < x.h; y++)
            for (int xx = 0; xx < x.w; xx++)
                for (int c = 0; c < x.c; c++) v[((y + p[2]) * w + xx + p[4]) * x.c + c] = x.at(y, xx, c);
        return new T4(v, 1, h, w, x.c);
    }

    /** TF SAME: output ceil(in/stride); pad total split with the extra at the end. */
    static int sameBefore(int in, int k, int stride, int dilation) {
        int out = (in + stride - 1) / stride;
        int total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0);
        return total / 2;
    }

    /** Conv (OHWI weights) or depthwise (1HW(C·m) weights) with SAME padding. */
    static T4 conv(T4 x, float[] wt, float[] bias, int outC, int kh, int kw, int stride, int dil, boolean depthwise) {
        int oh = (x.h + stride - 1) / stride, ow = (x.w + stride - 1) / stride;
        int py = sameBefore(x.h, kh, stride, dil), px = sameBefore(x.w, kw, stride, dil);
        int m = outC / x.c;
        float[] v = new float[oh * ow * outC];
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                for (int o = 0; o < outC; o++) {
                    double s = bias[o];
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++) {
                            int iy = oy * stride - py + ky * dil, ix = ox * stride - px + kx * dil;
                            if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
                            if (depthwise) {
                                s += wt[(ky * kw + kx) * outC + o] * x.at(iy, ix, o / m);
                            } else {
                                for (int c = 0; c < x.c; c++) s += wt[((o * kh + ky) * kw + kx) * x.c + c] * x.at(iy, ix, c);
                            }
                        }
                    v[(oy * ow + ox) * outC + o] = (float) s;
                }
        return new T4(v, 1, oh, ow, outC);
    }

    static T4 clip(T4 x, float lo, float hi) {
        float[] v = x.v.clone();
        for (int i = 0; i < v.length; i++) v[i] = Math.min(Math.max(v[i], lo), hi);
        return new T4(v, x.n, x.h, x.w, x.c);
    }

    /** Max or average pool; SAME excludes padded cells (TFLite average counts only real cells). */
    static T4 pool(T4 x, int k, int stride, boolean same, boolean max) {
        int oh = same ? (x.h + stride - 1) / stride : (x.h - k) / stride + 1;
        int ow = same ? (x.w + stride - 1) / stride : (x.w - k) / stride + 1;
        int py = same ? sameBefore(x.h, k, stride, 1) : 0, px = same ? sameBefore(x.w, k, stride, 1) : 0;
        float[] v = new float[oh * ow * x.c];
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                for (int c = 0; c < x.c; c++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int count = 0;
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++) {
                            int iy = oy * stride - py + ky, ix = ox * stride - px + kx;
                            if (iy < 0 || ix < 0 || iy >= x.h || ix >= x.w) continue;
                            acc = max ? Math.max(acc, x.at(iy, ix, c)) : acc + x.at(iy, ix, c);
                            count++;
                        }
                    v[(oy * ow + ox) * x.c + c] = (float) (max ? acc : acc / count);
                }
        return new T4(v, 1, oh, ow, x.c);
    }

    static float[] run(OnnxMl.ModelProto model, String output, float[] input, long[] shape) throws Exception {
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
                OrtSession s = ENV.createSession(model.toByteArray(), opts);
                OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input), shape);
                OrtSession.Result r = s.run(Map.of("input", x))) {
            FloatBuffer b = ((OnnxTensor) r.get(output).orElseThrow()).getFloatBuffer();
            float[] out = new float[b.remaining()];
            b.get(out);
            return out;
        }
    }
}
