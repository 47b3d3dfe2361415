package dev.salient.tflite;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.salient.tflite.TfliteSchema.Buffer;
import dev.salient.tflite.TfliteSchema.Model;
import dev.salient.tflite.TfliteSchema.QuantizationParameters;
import dev.salient.tflite.TfliteSchema.SubGraph;
import dev.salient.tflite.TfliteSchema.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the ONNX graph while walking a TFLite subgraph: tracks which ONNX value holds each TFLite tensor
 * (and in which layout), turns constant tensors into float initializers, and emits nodes.
 *
 * <p>4-D activations are kept in ONNX's NCHW order so that Conv/pooling need no per-op transposes; every
 * {@link Value} remembers whether it is NCHW or in TFLite's own ("plain") order, and converters ask for the
 * layout they need ({@link #nchw}, {@link #plain}), which inserts a Transpose only when the layout differs.
 */
final class GraphEmitter {
    /** How an ONNX value's dimensions relate to the TFLite tensor's. */
    enum Layout {
        /** Same order as the TFLite tensor. */
        PLAIN,
        /** A 4-D NHWC TFLite tensor held transposed to NCHW. */
        NCHW
    }

    /** An ONNX value standing for a TFLite tensor; {@code shape} is always the TFLite (NHWC) shape. */
    record Value(String name, int[] shape, Layout layout) {
        int rank() {
            return shape.length;
        }
    }

    /** A constant tensor as float values in TFLite order (dequantised if it was quantised). */
    record Constant(float[] data, int[] shape) {}

    /** One TFLite operator being converted. */
    record Op(int index, int code, TfliteSchema.Operator raw, int[] inputs, int[] outputs) {
        /** Input tensor index {@code i}, or -1 when absent (TFLite marks optional inputs with -1). */
        int input(int i) {
            return i < inputs.length ? inputs[i] : -1;
        }

        int output() {
            return outputs[0];
        }

        <T extends TfliteSchema.Base> T options(T target) {
            return raw.builtinOptions(target);
        }
    }

    /** NHWC axis {@code a} sits at NCHW position {@code NHWC_TO_NCHW[a]}. */
    static final int[] NHWC_TO_NCHW = {0, 2, 3, 1};
    /** Permutation taking NHWC data to NCHW (ONNX Transpose {@code perm}). */
    static final long[] PERM_TO_NCHW = {0, 3, 1, 2};
    /** Permutation taking NCHW data back to NHWC. */
    static final long[] PERM_TO_NHWC = {0, 2, 3, 1};

    private final Model model;
    private final SubGraph graph;
    private final ByteBuffer file;
    private final Map<Integer, Value> values = new HashMap<>();
    private final Map<Integer, Constant> derivedConstants = new HashMap<>();
    private final Set<String> names = new HashSet<>();
    final List<NodeProto.Builder> nodes = new ArrayList<>();
    final List<TensorProto> initializers = new ArrayList<>();

    GraphEmitter(Model model, SubGraph graph, ByteBuffer file) {
        this.model = model;
        this.graph = graph;
        this.file = file;
    }

    Tensor tensor(int t) {
        return graph.tensor(t);
    }

    int[] shape(int t) {
        return tensor(t).shape();
    }

    /** A fresh ONNX name derived from {@code hint} (ONNX needs every value name to be unique). */
    String fresh(String hint) {
        String base = hint == null || hint.isEmpty() ? "t" : hint;
        String name = base;
        for (int i = 1; !names.add(name); i++) name = base + "_" + i;
        return name;
    }

    /** Reserves an exact name (graph input/output); fails if already taken. */
    void reserve(String name) {
        if (!names.add(name)) throw new IllegalStateException("name already used: " + name);
    }

    String tensorName(int t) {
        String n = tensor(t).name();
        return n == null || n.isEmpty() ? "tensor" + t : n;
    }

    // ---------------------------------------------------------------- values

    /** Binds a TFLite tensor to the ONNX value that holds it. */
    void bind(int t, Value v) {
        values.put(t, v);
    }

    /** The ONNX value for a TFLite tensor; constants become initializers (in TFLite order) on first use. */
    Value value(int t) throws TfliteImportException {
        Value v = values.get(t);
        if (v != null) return v;
        if (!isConstant(t)) {
            throw new TfliteImportException("tensor " + t + " ('" + tensorName(t) + "') is used before any operator"
                    + " produces it");
        }
        Constant c = constant(t);
        v = new Value(initializer(tensorName(t), c.data(), c.shape()), c.shape(), Layout.PLAIN);
        values.put(t, v);
        return v;
    }

    boolean isConstant(int t) {
        return derivedConstants.containsKey(t) || rawData(tensor(t)).remaining() > 0;
    }

    /** Marks {@code t} as a constant computed at import time (e.g. DEQUANTIZE of a weight). */
    void defineConstant(int t, Constant c) {
        derivedConstants.put(t, c);
    }

    /**
     * A constant tensor as floats: float32/float16 as is, quantised integers dequantised as
     * (q − zero_point)·scale (per-channel along quantized_dimension), unquantised integers cast.
     */
    Constant constant(int t) throws TfliteImportException {
        Constant derived = derivedConstants.get(t);
        if (derived != null) return derived;
        Tensor tensor = tensor(t);
        int[] shape = tensor.shape();
        int n = Math.toIntExact(count(shape));
        ByteBuffer data = rawData(tensor);
        if (data.remaining() == 0) {
            throw new TfliteImportException("tensor " + t + " ('" + tensorName(t) + "') must be a constant");
        }
        float[] raw = new float[n];
        int type = tensor.type();
        switch (type) {
            case TfliteSchema.FLOAT32 -> { for (int i = 0; i < n; i++) raw[i] = data.getFloat(4 * i); }
            case TfliteSchema.FLOAT16 -> { for (int i = 0; i < n; i++) raw[i] = halfToFloat(data.getShort(2 * i)); }
            case TfliteSchema.UINT8 -> { for (int i = 0; i < n; i++) raw[i] = data.get(i) & 0xFF; }
            case TfliteSchema.INT8 -> { for (int i = 0; i < n; i++) raw[i] = data.get(i); }
            case TfliteSchema.INT16 -> { for (int i = 0; i < n; i++) raw[i] = data.getShort(2 * i); }
            case TfliteSchema.INT32 -> { for (int i = 0; i < n; i++) raw[i] = data.getInt(4 * i); }
            case TfliteSchema.INT64 -> { for (int i = 0; i < n; i++) raw[i] = data.getLong(8 * i); }
            default -> throw new TfliteImportException("tensor " + t + " ('" + tensorName(t)
                    + "') has unsupported element type " + type);
        }
        QuantizationParameters q = tensor.quantization();
        boolean floating = type == TfliteSchema.FLOAT32 || type == TfliteSchema.FLOAT16;
        if (q != null && q.detailsType() != 0) {
            throw new TfliteImportException("tensor " + t + " ('" + tensorName(t) + "') uses custom quantization,"
                    + " which is not supported");
        }
        if (!floating && q != null && q.scale().length > 0) dequantise(raw, shape, q);
        return new Constant(raw, shape);
    }

    private static void dequantise(float[] v, int[] shape, QuantizationParameters q) {
        float[] scale = q.scale();
        long[] zero = q.zeroPoint();
        if (scale.length == 1) {
            double z = zero.length > 0 ? zero[0] : 0;
            for (int i = 0; i < v.length; i++) v[i] = (float) ((v[i] - z) * scale[0]);
            return;
        }
        // Per-channel: channel of element i is its index along quantized_dimension.
        int dim = q.quantizedDimension();
        int inner = 1;
        for (int d = dim + 1; d < shape.length; d++) inner *= shape[d];
        for (int i = 0; i < v.length; i++) {
            int c = (i / inner) % shape[dim];
            double z = zero.length > c ? zero[c] : 0;
            v[i] = (float) ((v[i] - z) * scale[c]);
        }
    }

    /** Integer contents of a constant tensor (shapes, axes, paddings), without dequantisation. */
    long[] intConstant(int t) throws TfliteImportException {
        Tensor tensor = tensor(t);
        ByteBuffer data = rawData(tensor);
        int n = Math.toIntExact(count(tensor.shape()));
        long[] out = new long[n];
        switch (tensor.type()) {
            case TfliteSchema.INT32 -> { for (int i = 0; i < n; i++) out[i] = data.getInt(4 * i); }
            case TfliteSchema.INT64 -> { for (int i = 0; i < n; i++) out[i] = data.getLong(8 * i); }
            default -> throw new TfliteImportException("tensor " + t + " ('" + tensorName(t)
                    + "') must be a constant int32/int64 tensor");
        }
        if (data.remaining() == 0 && n > 0) {
            throw new TfliteImportException("tensor " + t + " ('" + tensorName(t) + "') must be a constant");
        }
        return out;
    }

    private ByteBuffer rawData(Tensor tensor) {
        int b = tensor.buffer();
        if (b <= 0 || b >= model.bufferCount()) return ByteBuffer.allocate(0);
        Buffer buffer = model.buffer(b);
        ByteBuffer data = buffer.data();
        if (data.remaining() == 0 && buffer.offset() > 1) {
            // Models over 2 GB keep buffers after the flatbuffer, addressed by offset/size from the file start.
            int start = Math.toIntExact(buffer.offset());
            data = file.duplicate().position(start).limit(start + Math.toIntExact(buffer.size())).slice();
        }
        return data.order(ByteOrder.LITTLE_ENDIAN);
    }

    // ---------------------------------------------------------------- layout

    /** The value in NCHW layout if it is 4-D (transposing a plain one), unchanged otherwise. */
    Value nchw(Value v) {
        if (v.rank() != 4 || v.layout() == Layout.NCHW) return v;
        String out = node("Transpose", List.of(v.name()), v.name() + "/nchw", ints("perm", PERM_TO_NCHW));
        return new Value(out, v.shape(), Layout.NCHW);
    }

    /** The value in TFLite order (transposing an NCHW one back to NHWC). */
    Value plain(Value v) {
        if (v.layout() == Layout.PLAIN) return v;
        String out = node("Transpose", List.of(v.name()), v.name() + "/nhwc", ints("perm", PERM_TO_NHWC));
        return new Value(out, v.shape(), Layout.PLAIN);
    }

    /**
     * Reshapes to a TFLite shape. An NCHW value is first transposed back to NHWC unless its element order
     * already matches NHWC (H·W = 1 or C = 1), because TFLite reshapes in NHWC element order.
     * The batch dimension is copied from the input (ONNX 0) when it is kept, so the batch stays free.
     */
    Value reshape(Value v, int[] shape, String hint) {
        if (v.layout() == Layout.NCHW) {
            int[] s = v.shape();
            boolean sameOrder = s[1] * s[2] == 1 || s[3] == 1;
            if (!sameOrder) v = plain(v);
        }
        long[] target = new long[shape.length];
        for (int i = 0; i < shape.length; i++) target[i] = shape[i];
        if (shape.length > 0 && v.rank() > 0 && shape[0] == v.shape()[0]) target[0] = 0;
        String out = node("Reshape", List.of(v.name(), longInitializer(hint + "/shape", target)), hint);
        return new Value(out, shape, Layout.PLAIN);
    }

    // ---------------------------------------------------------------- emission

    /** Adds a node with one output named after {@code hint}; returns the output name. */
    String node(String opType, List<String> inputs, String hint, AttributeProto... attributes) {
        String out = fresh(hint);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(fresh("node/" + out))
                .addAllInput(inputs).addOutput(out);
        for (AttributeProto a : attributes) n.addAttribute(a);
        nodes.add(n);
        return out;
    }

    /** Adds a float32 initializer; returns its name. */
    String initializer(String hint, float[] data, int[] shape) {
        String name = fresh(hint);
        ByteBuffer bytes = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) bytes.putFloat(f);
        bytes.flip();
        TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                .setDataType(TensorProto.DataType.FLOAT.getNumber()).setRawData(ByteString.copyFrom(bytes));
        for (int d : shape) t.addDims(d);
        initializers.add(t.build());
        return name;
    }

    /** Adds a 1-D int64 initializer (shapes, pads); returns its name. */
    String longInitializer(String hint, long[] data) {
        String name = fresh(hint);
        ByteBuffer bytes = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long l : data) bytes.putLong(l);
        bytes.flip();
        initializers.add(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64.getNumber())
                .addDims(data.length).setRawData(ByteString.copyFrom(bytes)).build());
        return name;
    }

    /** A scalar float initializer (Clip bounds, scale factors). */
    String scalar(String hint, float value) {
        return initializer(hint, new float[] {value}, new int[0]);
    }

    static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) a.addInts(v);
        return a.build();
    }

    static AttributeProto integer(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto floating(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }

    /** Renames a value everywhere it is produced or consumed (used for the final logits/probabilities). */
    void rename(String from, String to) {
        for (NodeProto.Builder n : nodes) {
            for (int i = 0; i < n.getInputCount(); i++) if (n.getInput(i).equals(from)) n.setInput(i, to);
            for (int i = 0; i < n.getOutputCount(); i++) if (n.getOutput(i).equals(from)) n.setOutput(i, to);
        }
        names.add(to);
    }

    // ---------------------------------------------------------------- helpers

    static long count(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** Permutes a constant's dimensions (ONNX Transpose semantics: out dim i = in dim perm[i]). */
    static Constant transpose(Constant c, int[] perm) {
        int[] in = c.shape();
        int r = in.length;
        int[] out = new int[r];
        for (int i = 0; i < r; i++) out[i] = in[perm[i]];
        int[] inStride = new int[r];
        for (int i = r - 1, s = 1; i >= 0; s *= in[i], i--) inStride[i] = s;
        float[] data = new float[c.data().length];
        int[] idx = new int[r];
        for (int k = 0; k < data.length; k++) {
            int src = 0;
            for (int i = 0; i < r; i++) src += idx[i] * inStride[perm[i]];
            data[k] = c.data()[src];
            for (int i = r - 1; i >= 0 && ++idx[i] == out[i]; i--) idx[i] = 0;
        }
        return new Constant(data, out);
    }

    /** IEEE half → float (Java 17 lacks Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int sign = (h >>> 15) & 1, exp = (h >>> 10) & 0x1F, mant = h & 0x3FF;
        float v;
        if (exp == 0) v = mant * 0x1p-24f;
        else if (exp == 31) v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        else v = (1 + mant / 1024f) * (float) Math.pow(2, exp - 15);
        return sign == 1 ? -v : v;
    }

    /** ONNX element type of float32, the only type the emitted graph computes in. */
    static final int FLOAT = OnnxMl.TensorProto.DataType.FLOAT.getNumber();
}
