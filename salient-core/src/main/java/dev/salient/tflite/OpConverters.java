package dev.salient.tflite;

import static dev.salient.tflite.GraphEmitter.NHWC_TO_NCHW;
import static dev.salient.tflite.GraphEmitter.floating;
import static dev.salient.tflite.GraphEmitter.integer;
import static dev.salient.tflite.GraphEmitter.ints;

import dev.salient.tflite.GraphEmitter.Constant;
import dev.salient.tflite.GraphEmitter.Layout;
import dev.salient.tflite.GraphEmitter.Op;
import dev.salient.tflite.GraphEmitter.Value;
import dev.salient.tflite.TfliteSchema.ActivationOptions;
import dev.salient.tflite.TfliteSchema.ConcatenationOptions;
import dev.salient.tflite.TfliteSchema.Conv2DOptions;
import dev.salient.tflite.TfliteSchema.DepthwiseConv2DOptions;
import dev.salient.tflite.TfliteSchema.FullyConnectedOptions;
import dev.salient.tflite.TfliteSchema.Pool2DOptions;
import dev.salient.tflite.TfliteSchema.ReducerOptions;
import dev.salient.tflite.TfliteSchema.SoftmaxOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One converter per supported TFLite builtin operator, registered by op code in {@link #TABLE}.
 *
 * <p>Quantised models are imported as float: weights are dequantised at import, activations are computed in
 * float, and QUANTIZE/DEQUANTIZE become Identity — there is no fake quantisation, so results differ from the
 * integer kernels by rounding only.
 */
final class OpConverters {
    private OpConverters() {}

    /** Converts one operator, binding its output tensors in the emitter. */
    @FunctionalInterface
    interface Converter {
        void convert(GraphEmitter g, Op op) throws TfliteImportException;
    }

    /** Op code → converter, in code order (the order also used to list supported ops in errors). */
    static final Map<Integer, Converter> TABLE;

    static {
        Map<Integer, Converter> t = new LinkedHashMap<>();
        t.put(BuiltinOperator.ADD, (g, op) -> binary(g, op, "Add"));
        t.put(BuiltinOperator.AVERAGE_POOL_2D, (g, op) -> pool(g, op, "AveragePool"));
        t.put(BuiltinOperator.CONCATENATION, OpConverters::concatenation);
        t.put(BuiltinOperator.CONV_2D, OpConverters::conv2d);
        t.put(BuiltinOperator.DEPTHWISE_CONV_2D, OpConverters::depthwiseConv2d);
        t.put(BuiltinOperator.DEQUANTIZE, OpConverters::identity);
        t.put(BuiltinOperator.FULLY_CONNECTED, OpConverters::fullyConnected);
        t.put(BuiltinOperator.LOGISTIC, (g, op) -> unary(g, op, "Sigmoid"));
        t.put(BuiltinOperator.MAX_POOL_2D, (g, op) -> pool(g, op, "MaxPool"));
        t.put(BuiltinOperator.MUL, (g, op) -> binary(g, op, "Mul"));
        t.put(BuiltinOperator.RELU, (g, op) -> g.bind(op.output(), activation(g, g.value(op.input(0)), Activation.RELU)));
        t.put(BuiltinOperator.RELU_N1_TO_1,
                (g, op) -> g.bind(op.output(), activation(g, g.value(op.input(0)), Activation.RELU_N1_TO_1)));
        t.put(BuiltinOperator.RELU6, (g, op) -> g.bind(op.output(), activation(g, g.value(op.input(0)), Activation.RELU6)));
        t.put(BuiltinOperator.RESHAPE, OpConverters::reshape);
        t.put(BuiltinOperator.SOFTMAX, OpConverters::softmax);
        t.put(BuiltinOperator.TANH, (g, op) -> unary(g, op, "Tanh"));
        t.put(BuiltinOperator.PAD, OpConverters::pad);
        t.put(BuiltinOperator.MEAN, OpConverters::mean);
        t.put(BuiltinOperator.SQUEEZE, OpConverters::reshape);
        t.put(BuiltinOperator.QUANTIZE, OpConverters::identity);
        t.put(BuiltinOperator.HARD_SWISH, OpConverters::hardSwish);
        TABLE = Collections.unmodifiableMap(t);
    }

    // ------------------------------------------------------------ activations

    /** TFLite {@code ActivationFunctionType}, fused into many ops. */
    enum Activation {
        NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT;

        static Activation of(int code, Op op) throws TfliteImportException {
            if (code < 0 || code > TANH.ordinal()) {
                throw new TfliteImportException("operator " + op.index() + " (" + BuiltinOperator.name(op.code())
                        + "): unsupported fused activation " + (code == 5 ? "SIGN_BIT" : code));
            }
            return values()[code];
        }
    }

    /** Applies a (fused) activation; layout-agnostic, so the value keeps its layout. */
    static Value activation(GraphEmitter g, Value v, Activation a) {
        String hint = v.name() + "/" + a.name().toLowerCase();
        String out = switch (a) {
            case NONE -> null;
            case RELU -> g.node("Relu", List.of(v.name()), hint);
            case RELU6 -> g.node("Clip", List.of(v.name(), g.scalar(hint + "/min", 0f), g.scalar(hint + "/max", 6f)), hint);
            case RELU_N1_TO_1 ->
                    g.node("Clip", List.of(v.name(), g.scalar(hint + "/min", -1f), g.scalar(hint + "/max", 1f)), hint);
            case TANH -> g.node("Tanh", List.of(v.name()), hint);
            case SIGN_BIT -> throw new IllegalArgumentException("SIGN_BIT");
        };
        return out == null ? v : new Value(out, v.shape(), v.layout());
    }

    private static void finish(GraphEmitter g, Op op, String out, Layout layout, int fused) throws TfliteImportException {
        Value v = new Value(out, g.shape(op.output()), layout);
        g.bind(op.output(), activation(g, v, Activation.of(fused, op)));
    }

    // ------------------------------------------------------------ convolution and pooling

    /** ONNX pads [begin, end] for one spatial dim; TF SAME puts the odd extra pad at the end. */
    static long[] pads(int padding, int in, int kernel, int stride, int dilation, int out) {
        if (padding == TfliteSchema.PADDING_VALID) return new long[] {0, 0};
        int effective = (kernel - 1) * dilation + 1;
        int total = Math.max((out - 1) * stride + effective - in, 0);
        return new long[] {total / 2, total - total / 2};
    }

    private static long[] pads2d(int padding, int[] in, int kH, int kW, int sH, int sW, int dH, int dW, int[] out) {
        long[] h = pads(padding, in[1], kH, sH, dH, out[1]);
        long[] w = pads(padding, in[2], kW, sW, dW, out[2]);
        return new long[] {h[0], w[0], h[1], w[1]};
    }

    private static List<String> convInputs(GraphEmitter g, Op op, Value x, Constant weight) throws TfliteImportException {
        List<String> inputs = new ArrayList<>(List.of(x.name(), g.initializer(g.tensorName(op.input(1)), weight.data(),
                weight.shape())));
        if (op.input(2) >= 0) inputs.add(g.value(op.input(2)).name());
        return inputs;
    }

    static void conv2d(GraphEmitter g, Op op) throws TfliteImportException {
        Conv2DOptions o = op.options(new Conv2DOptions());
        Value x = g.nchw(g.value(op.input(0)));
        Constant w = GraphEmitter.transpose(g.constant(op.input(1)), new int[] {0, 3, 1, 2}); // OHWI → OIHW
        int kH = w.shape()[2], kW = w.shape()[3];
        long[] pads = pads2d(o.padding(), x.shape(), kH, kW, o.strideH(), o.strideW(), o.dilationH(), o.dilationW(),
                g.shape(op.output()));
        String out = g.node("Conv", convInputs(g, op, x, w), g.tensorName(op.output()), ints("kernel_shape", kH, kW),
                ints("strides", o.strideH(), o.strideW()), ints("dilations", o.dilationH(), o.dilationW()),
                ints("pads", pads), integer("group", 1));
        finish(g, op, out, Layout.NCHW, o.activation());
    }

    /** Depthwise: TFLite weights [1, H, W, C·m] (output channel c·m + j reads input c) = ONNX group conv. */
    static void depthwiseConv2d(GraphEmitter g, Op op) throws TfliteImportException {
        DepthwiseConv2DOptions o = op.options(new DepthwiseConv2DOptions());
        Value x = g.nchw(g.value(op.input(0)));
        Constant w = GraphEmitter.transpose(g.constant(op.input(1)), new int[] {3, 0, 1, 2}); // 1HWO → O1HW
        int kH = w.shape()[2], kW = w.shape()[3];
        int channels = x.shape()[3];
        // The output channel count is authoritative; depth_multiplier is sometimes left 0 by converters.
        if (w.shape()[0] % channels != 0) {
            throw new TfliteImportException("operator " + op.index() + " (DEPTHWISE_CONV_2D): " + w.shape()[0]
                    + " output channels is not a multiple of " + channels + " input channels");
        }
        long[] pads = pads2d(o.padding(), x.shape(), kH, kW, o.strideH(), o.strideW(), o.dilationH(), o.dilationW(),
                g.shape(op.output()));
        String out = g.node("Conv", convInputs(g, op, x, w), g.tensorName(op.output()), ints("kernel_shape", kH, kW),
                ints("strides", o.strideH(), o.strideW()), ints("dilations", o.dilationH(), o.dilationW()),
                ints("pads", pads), integer("group", channels));
        finish(g, op, out, Layout.NCHW, o.activation());
    }

    /** AVERAGE_POOL_2D (padding excluded from the average, as in TFLite) and MAX_POOL_2D. */
    static void pool(GraphEmitter g, Op op, String onnxOp) throws TfliteImportException {
        Pool2DOptions o = op.options(new Pool2DOptions());
        Value x = g.nchw(g.value(op.input(0)));
        long[] pads = pads2d(o.padding(), x.shape(), o.filterHeight(), o.filterWidth(), o.strideH(), o.strideW(), 1, 1,
                g.shape(op.output()));
        String out = g.node(onnxOp, List.of(x.name()), g.tensorName(op.output()),
                ints("kernel_shape", o.filterHeight(), o.filterWidth()), ints("strides", o.strideH(), o.strideW()),
                ints("pads", pads));
        finish(g, op, out, Layout.NCHW, o.activation());
    }

    /** FULLY_CONNECTED: y = x·Wᵀ + b with W [out, in]; inputs of other rank are flattened to [−1, in] first. */
    static void fullyConnected(GraphEmitter g, Op op) throws TfliteImportException {
        FullyConnectedOptions o = op.options(new FullyConnectedOptions());
        if (o.weightsFormat() != 0) {
            throw new TfliteImportException("operator " + op.index() + " (FULLY_CONNECTED): shuffled weights format "
                    + o.weightsFormat() + " is not supported");
        }
        Constant w = g.constant(op.input(1));
        int units = w.shape()[0], depth = w.shape()[1];
        Value x = g.value(op.input(0));
        String hint = g.tensorName(op.output());
        String out;
        if (o.keepNumDims() && x.rank() != 2) {
            Value p = g.plain(x);
            String wt = g.initializer(g.tensorName(op.input(1)), GraphEmitter.transpose(w, new int[] {1, 0}).data(),
                    new int[] {depth, units});
            out = g.node("MatMul", List.of(p.name(), wt), hint);
            if (op.input(2) >= 0) out = g.node("Add", List.of(out, g.value(op.input(2)).name()), hint + "/bias");
        } else {
            if (x.rank() != 2) x = g.reshape(x, new int[] {-1, depth}, hint + "/flat");
            List<String> inputs = new ArrayList<>(List.of(x.name(), g.initializer(g.tensorName(op.input(1)), w.data(),
                    w.shape())));
            if (op.input(2) >= 0) inputs.add(g.value(op.input(2)).name());
            out = g.node("Gemm", inputs, hint, integer("transB", 1));
        }
        finish(g, op, out, Layout.PLAIN, o.activation());
    }

    // ------------------------------------------------------------ elementwise

    /** ADD / MUL with numpy broadcasting; operands are brought to a common layout first. */
    static void binary(GraphEmitter g, Op op, String onnxOp) throws TfliteImportException {
        Value[] ab = commonLayout(g, op.input(0), op.input(1));
        String out = g.node(onnxOp, List.of(ab[0].name(), ab[1].name()), g.tensorName(op.output()));
        boolean nchw = ab[0].layout() == Layout.NCHW || ab[1].layout() == Layout.NCHW;
        finish(g, op, out, nchw ? Layout.NCHW : Layout.PLAIN, op.options(new ActivationOptions()).activation());
    }

    /**
     * Puts two broadcast operands in one layout. A constant meeting an NCHW value is laid out as NCHW at
     * import (a [C] vector becomes [1, C, 1, 1]); two 4-D values meet in NCHW if either already is;
     * anything else is computed in TFLite order.
     */
    private static Value[] commonLayout(GraphEmitter g, int ta, int tb) throws TfliteImportException {
        boolean ca = g.isConstant(ta), cb = g.isConstant(tb);
        if (ca && !cb) {
            Value b = g.value(tb);
            return new Value[] {b.layout() == Layout.NCHW ? broadcastConstantNchw(g, ta) : g.value(ta), b};
        }
        if (cb && !ca) {
            Value a = g.value(ta);
            return new Value[] {a, a.layout() == Layout.NCHW ? broadcastConstantNchw(g, tb) : g.value(tb)};
        }
        Value a = g.value(ta), b = g.value(tb);
        boolean aN = a.layout() == Layout.NCHW, bN = b.layout() == Layout.NCHW;
        if (!aN && !bN) return new Value[] {a, b};
        if (a.rank() == 4 && b.rank() == 4) return new Value[] {g.nchw(a), g.nchw(b)};
        return new Value[] {g.plain(a), g.plain(b)};
    }

    /** A constant of rank ≤ 4, left-padded to 4-D NHWC (numpy broadcasting), then laid out as NCHW. */
    private static Value broadcastConstantNchw(GraphEmitter g, int t) throws TfliteImportException {
        Constant c = g.constant(t);
        int[] s4 = {1, 1, 1, 1};
        int[] s = c.shape();
        System.arraycopy(s, 0, s4, 4 - s.length, s.length);
        Constant nchw = GraphEmitter.transpose(new Constant(c.data(), s4), new int[] {0, 3, 1, 2});
        return new Value(g.initializer(g.tensorName(t) + "/nchw", nchw.data(), nchw.shape()), s4, Layout.NCHW);
    }

    static void unary(GraphEmitter g, Op op, String onnxOp) throws TfliteImportException {
        Value x = g.value(op.input(0));
        String out = g.node(onnxOp, List.of(x.name()), g.tensorName(op.output()));
        g.bind(op.output(), new Value(out, g.shape(op.output()), x.layout()));
    }

    /** HARD_SWISH x·relu6(x+3)/6 = x·HardSigmoid(x; α=1/6, β=1/2); opset 13 has no HardSwish. */
    static void hardSwish(GraphEmitter g, Op op) throws TfliteImportException {
        Value x = g.value(op.input(0));
        String hint = g.tensorName(op.output());
        String hs = g.node("HardSigmoid", List.of(x.name()), hint + "/gate", floating("alpha", 1f / 6),
                floating("beta", 0.5f));
        String out = g.node("Mul", List.of(x.name(), hs), hint);
        g.bind(op.output(), new Value(out, g.shape(op.output()), x.layout()));
    }

    /**
     * QUANTIZE / DEQUANTIZE: activations are already real-valued floats here, so these are Identity (no fake
     * quantisation). On a constant (e.g. float16 or int8 weights) the result stays a constant.
     */
    static void identity(GraphEmitter g, Op op) throws TfliteImportException {
        if (g.isConstant(op.input(0))) {
            g.defineConstant(op.output(), g.constant(op.input(0)));
            return;
        }
        Value x = g.value(op.input(0));
        String out = g.node("Identity", List.of(x.name()), g.tensorName(op.output()));
        g.bind(op.output(), new Value(out, g.shape(op.output()), x.layout()));
    }

    /** SOFTMAX over the last (channel) axis, scaled by beta; NCHW inputs use ONNX axis 1 instead. */
    static void softmax(GraphEmitter g, Op op) throws TfliteImportException {
        float beta = op.options(new SoftmaxOptions()).beta();
        Value x = g.value(op.input(0));
        String hint = g.tensorName(op.output());
        String in = x.name();
        if (beta != 1f && beta != 0f) in = g.node("Mul", List.of(in, g.scalar(hint + "/beta", beta)), hint + "/scaled");
        int axis = x.layout() == Layout.NCHW ? 1 : x.rank() - 1;
        String out = g.node("Softmax", List.of(in), hint, integer("axis", axis));
        g.bind(op.output(), new Value(out, g.shape(op.output()), x.layout()));
    }

    // ------------------------------------------------------------ shape ops

    /** RESHAPE and SQUEEZE: the target is the output tensor's static shape (NHWC element order). */
    static void reshape(GraphEmitter g, Op op) throws TfliteImportException {
        g.bind(op.output(), g.reshape(g.value(op.input(0)), g.shape(op.output()), g.tensorName(op.output())));
    }

    static void concatenation(GraphEmitter g, Op op) throws TfliteImportException {
        ConcatenationOptions o = op.options(new ConcatenationOptions());
        List<Value> in = new ArrayList<>();
        boolean anyNchw = false;
        for (int t : op.inputs()) {
            Value v = g.value(t);
            in.add(v);
            anyNchw |= v.layout() == Layout.NCHW;
        }
        int rank = in.get(0).rank();
        int axis = o.axis() < 0 ? o.axis() + rank : o.axis();
        boolean nchw = anyNchw && rank == 4;
        List<String> names = new ArrayList<>();
        for (Value v : in) names.add((nchw ? g.nchw(v) : g.plain(v)).name());
        String out = g.node("Concat", names, g.tensorName(op.output()), integer("axis", nchw ? NHWC_TO_NCHW[axis] : axis));
        finish(g, op, out, nchw ? Layout.NCHW : Layout.PLAIN, o.activation());
    }

    /** PAD with zeros (the real value of a quantised zero point); paddings [rank, 2] are permuted for NCHW. */
    static void pad(GraphEmitter g, Op op) throws TfliteImportException {
        Value x = g.value(op.input(0));
        long[] p = g.intConstant(op.input(1));
        int r = x.rank();
        long[] pads = new long[2 * r];
        for (int d = 0; d < r; d++) {
            int src = x.layout() == Layout.NCHW ? (int) GraphEmitter.PERM_TO_NCHW[d] : d; // ONNX dim d = TFLite dim src
            pads[d] = p[2 * src];
            pads[r + d] = p[2 * src + 1];
        }
        String hint = g.tensorName(op.output());
        String out = g.node("Pad", List.of(x.name(), g.longInitializer(hint + "/pads", pads)), hint);
        g.bind(op.output(), new Value(out, g.shape(op.output()), x.layout()));
    }

    /** MEAN over constant axes; without keep_dims the reduced dims are then dropped by a reshape. */
    static void mean(GraphEmitter g, Op op) throws TfliteImportException {
        boolean keep = op.options(new ReducerOptions()).keepDims();
        Value x = g.value(op.input(0));
        long[] axes = g.intConstant(op.input(1));
        int r = x.rank();
        int[] kept = x.shape().clone();
        long[] onnxAxes = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = (int) (axes[i] < 0 ? axes[i] + r : axes[i]);
            kept[a] = 1;
            onnxAxes[i] = x.layout() == Layout.NCHW ? NHWC_TO_NCHW[a] : a;
        }
        String hint = g.tensorName(op.output());
        String out = g.node("ReduceMean", List.of(x.name()), keep ? hint : hint + "/keep", ints("axes", onnxAxes),
                integer("keepdims", 1));
        Value v = new Value(out, kept, x.layout());
        g.bind(op.output(), keep ? v : g.reshape(v, g.shape(op.output()), hint));
    }
}
