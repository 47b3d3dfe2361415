package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.*;

/**
 * Emits new nodes and constant initializers into a graph being extended, with unique tensor names.
 * Helpers whose operator form changed between opsets (axes as attribute or as input) emit the form
 * valid for the model's opset, so the extended graph keeps the model's own opset import.
 */
public final class GraphBuilder {
    private final int opset;
    private final String prefix;
    private final Set<String> taken;
    private final List<OnnxMl.NodeProto> nodes = new ArrayList<>();
    private final List<OnnxMl.TensorProto> initializers = new ArrayList<>();
    private final Map<String, String> constantCache = new HashMap<>();
    private int counter;

    /**
     * @param taken names already used in the graph; new names never collide with them
     */
    public GraphBuilder(int opset, String prefix, Set<String> taken) {
        this.opset = opset;
        this.prefix = prefix;
        this.taken = new HashSet<>(taken);
    }

    public int opset() {
        return opset;
    }

    public List<OnnxMl.NodeProto> nodes() {
        return nodes;
    }

    public List<OnnxMl.TensorProto> initializers() {
        return initializers;
    }

    /** A fresh tensor name containing {@code hint}. */
    public String fresh(String hint) {
        String name;
        do {
            name = prefix + hint + "_" + (counter++);
        } while (!taken.add(name));
        return name;
    }

    /** Adds a node with one output and returns the output's name. */
    public String op(String opType, List<String> inputs, AttributeProto... attributes) {
        return ops(opType, inputs, 1, attributes)[0];
    }

    public String op(String opType, String input, AttributeProto... attributes) {
        return op(opType, List.of(input), attributes);
    }

    public String op(String opType, String a, String b, AttributeProto... attributes) {
        return op(opType, List.of(a, b), attributes);
    }

    /** Adds a node with several outputs. */
    public String[] ops(String opType, List<String> inputs, int outputCount, AttributeProto... attributes) {
        String[] outputs = new String[outputCount];
        for (int i = 0; i < outputCount; i++) {
            outputs[i] = fresh(opType.toLowerCase(Locale.ROOT));
        }
        add(node(opType, inputs, List.of(outputs), attributes));
        return outputs;
    }

    /** Adds a node whose outputs the caller names. */
    public void add(OnnxMl.NodeProto node) {
        nodes.add(node);
    }

    public OnnxMl.NodeProto node(String opType, List<String> inputs, List<String> outputs,
                                 AttributeProto... attributes) {
        return OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(fresh(opType + "_node"))
                .addAllInput(inputs).addAllOutput(outputs).addAllAttribute(Arrays.asList(attributes)).build();
    }

    // ---- constants ------------------------------------------------------------------------------------

    public String constFloats(float[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return constant("f", DataType.FLOAT_VALUE, buf.array(), dims);
    }

    public String constScalar(float value) {
        return constFloats(new float[]{value});
    }

    public String constInt64s(long... values) {
        return constInt64Tensor(values, values.length);
    }

    public String constInt64Tensor(long[] values, long... dims) {
        return constant("i", DataType.INT64_VALUE, TensorData.int64Bytes(values), dims);
    }

    private String constant(String kind, int dataType, byte[] raw, long... dims) {
        String key = kind + Arrays.toString(dims) + Base64.getEncoder().encodeToString(raw);
        boolean small = raw.length <= 256; // dedupe only small constants: keys of big ones cost memory
        if (small && constantCache.containsKey(key)) {
            return constantCache.get(key);
        }
        String name = fresh("const");
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(dataType)
                .setRawData(com.google.protobuf.ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        initializers.add(t.build());
        if (small) {
            constantCache.put(key, name);
        }
        return name;
    }

    // ---- opset-aware helpers --------------------------------------------------------------------------

    public String reduceSum(String x, long[] axes, boolean keepDims) {
        AttributeProto keep = Attributes.ofInt("keepdims", keepDims ? 1 : 0);
        if (opset >= 13) {
            return op("ReduceSum", List.of(x, constInt64s(axes)), keep);
        }
        return op("ReduceSum", List.of(x), Attributes.ofInts("axes", axes), keep);
    }

    public String reduceMean(String x, long[] axes, boolean keepDims) {
        AttributeProto keep = Attributes.ofInt("keepdims", keepDims ? 1 : 0);
        if (opset >= 18) {
            return op("ReduceMean", List.of(x, constInt64s(axes)), keep);
        }
        return op("ReduceMean", List.of(x), Attributes.ofInts("axes", axes), keep);
    }

    public String unsqueeze(String x, long... axes) {
        if (opset >= 13) {
            return op("Unsqueeze", List.of(x, constInt64s(axes)));
        }
        return op("Unsqueeze", List.of(x), Attributes.ofInts("axes", axes));
    }

    public String reshape(String x, long... shape) {
        return op("Reshape", x, constInt64s(shape));
    }

    public String transpose(String x, long... perm) {
        return op("Transpose", List.of(x), Attributes.ofInts("perm", perm));
    }

    /** Before opset 10 Slice takes attributes and has no steps: every step must then be 1. */
    public String slice(String x, long[] starts, long[] ends, long[] axes, long[] steps) {
        if (opset < 10) {
            if (Arrays.stream(steps).anyMatch(s -> s != 1)) {
                throw new IllegalArgumentException("Slice steps other than 1 need opset 10: " + Arrays.toString(steps));
            }
            long[] clampedEnds = Arrays.stream(ends).map(e -> Math.min(e, Integer.MAX_VALUE)).toArray();
            return op("Slice", List.of(x), Attributes.ofInts("starts", starts), Attributes.ofInts("ends", clampedEnds),
                    Attributes.ofInts("axes", axes));
        }
        return op("Slice", List.of(x, constInt64s(starts), constInt64s(ends), constInt64s(axes), constInt64s(steps)));
    }

    /** Zero padding; {@code pads} in ONNX order (all begins, then all ends). */
    public String pad(String x, long[] pads) {
        if (opset >= 11) {
            return op("Pad", List.of(x, constInt64s(pads)));
        }
        return op("Pad", List.of(x), Attributes.ofInts("pads", pads));
    }

    /**
     * Sums a gradient of a broadcast result back to the shape of one operand: over the leading axes the
     * operand lacks and over the axes where it has size 1 (the numpy broadcasting rule in reverse).
     */
    public String reduceToShape(String grad, long[] gradShape, long[] targetShape) {
        if (Arrays.equals(gradShape, targetShape)) {
            return grad;
        }
        int lead = gradShape.length - targetShape.length;
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < gradShape.length; i++) {
            if (i < lead) {
                axes.add((long) i);
            } else if (targetShape[i - lead] == 1 && gradShape[i] != 1) {
                axes.add((long) i);
            }
        }
        String reduced = axes.isEmpty() ? grad
                : reduceSum(grad, axes.stream().mapToLong(Long::longValue).toArray(), true);
        return reshape(reduced, targetShape);
    }
}
