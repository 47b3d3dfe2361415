package dev.salient.testing;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
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

/**
 * The one builder of ONNX models for tests: nodes added in order, seeded N(0, scale²) float weights and other
 * tensors as raw little-endian initializers, and the model with one float input and one float output.
 * Node outputs are named {@code <op>_<n>_<k>}; {@link #node} names them itself where a test needs the name.
 */
public class TestGraph {
    /** The input's name for {@link #build(String, long...)}. */
    public static final String X = "x";

    private final int opset;
    private final Random random;
    private final List<OnnxMl.NodeProto> nodes = new ArrayList<>();
    private final List<OnnxMl.TensorProto> initializers = new ArrayList<>();
    private int counter;

    /**
     * A graph input or output: its name and dims, {@link #BATCH} for the symbolic batch axis; {@code dims} null for
     * an output whose shape is left to the runtime.
     */
    public record Port(String name, long... dims) {
        public static Port unshaped(String name) {
            return new Port(name, (long[]) null);
        }
    }

    /** In a {@link Port}'s dims: the symbolic batch axis. */
    public static final long BATCH = -1;

    public TestGraph(int opset, long seed) {
        this.opset = opset;
        this.random = new Random(seed);
    }

    public int opset() {
        return opset;
    }

    /** Adds a node with one output; returns its name. */
    public String op(String opType, List<String> inputs, AttributeProto... attributes) {
        return ops(opType, inputs, 1, attributes)[0];
    }

    public String op(String opType, String input, AttributeProto... attributes) {
        return op(opType, List.of(input), attributes);
    }

    public String op(String opType, String a, String b, AttributeProto... attributes) {
        return op(opType, List.of(a, b), attributes);
    }

    /** Adds a node with several outputs (named {@code <op>_<n>_<k>}); returns their names. */
    public String[] ops(String opType, List<String> inputs, int outputs, AttributeProto... attributes) {
        int id = counter++;
        String[] names = new String[outputs];
        for (int k = 0; k < outputs; k++) {
            names[k] = opType.toLowerCase() + "_" + id + "_" + k;
        }
        node(opType, opType + "_node_" + id, inputs, List.of(names), attributes);
        return names;
    }

    /** Adds a node with the given node name and output names, for tests that refer to them. */
    public void node(String opType, String name, List<String> inputs, List<String> outputs,
                     AttributeProto... attributes) {
        nodes.add(OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(name).addAllInput(inputs)
                .addAllOutput(outputs).addAllAttribute(List.of(attributes)).build());
    }

    /** ReduceSum with keepdims 1 over {@code axes}, in the form valid for the opset. */
    public String reduceSumNode(String x, long... axes) {
        return opset >= 13 ? op("ReduceSum", List.of(x, ints(axes))) : op("ReduceSum", x, is("axes", axes));
    }

    /** Random N(0, scale²) float weights, drawn in order from the graph's seeded generator. */
    public String weights(double scale, long... dims) {
        float[] v = new float[count(dims)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return floats(v, dims);
    }

    /** Random conv weights [out, in/group, k...] scaled by 1/sqrt(fan-in). */
    public String convWeights(long out, long inPerGroup, long... kernel) {
        long fanIn = inPerGroup;
        long[] dims = new long[kernel.length + 2];
        dims[0] = out;
        dims[1] = inPerGroup;
        for (int i = 0; i < kernel.length; i++) {
            fanIn *= kernel[i];
            dims[i + 2] = kernel[i];
        }
        return weights((float) (1 / Math.sqrt(fanIn)), dims);
    }

    /** Random positive floats in [lo, hi). */
    public String positive(float lo, float hi, long... dims) {
        float[] v = new float[count(dims)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * random.nextFloat();
        }
        return floats(v, dims);
    }

    private static int count(long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    public String floats(float[] values, long... dims) {
        return initializer(DataType.FLOAT_VALUE, floatBytes(values), dims);
    }

    public String scalar(float value) {
        return floats(new float[]{value});
    }

    /** 1-D int64 initializer. */
    public String ints(long... values) {
        return intTensor(values, values.length);
    }

    public String intTensor(long[] values, long... dims) {
        return initializer(DataType.INT64_VALUE, TensorData.int64Bytes(values), dims);
    }

    /** Adds an initializer built by the test (e.g. one kept as external data); returns its name. */
    public String initializer(OnnxMl.TensorProto tensor) {
        initializers.add(tensor);
        return tensor.getName();
    }

    private String initializer(int type, byte[] raw, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName("w" + (counter++)).setDataType(type)
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return initializer(t.build());
    }

    private static byte[] floatBytes(float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.array();
    }

    /** A Constant node holding a float tensor. */
    public String constantNode(float[] values, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setDataType(DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(floatBytes(values)));
        for (long d : dims) {
            t.addDims(d);
        }
        return op("Constant", List.of(), AttributeProto.newBuilder().setName("value")
                .setType(AttributeProto.AttributeType.TENSOR).setT(t).build());
    }

    /** ConstantOfShape's {@code value}: a one-element int64 tensor. */
    public static AttributeProto intValue(long value) {
        OnnxMl.TensorProto t = OnnxMl.TensorProto.newBuilder().setDataType(DataType.INT64_VALUE).addDims(1)
                .setRawData(ByteString.copyFrom(TensorData.int64Bytes(new long[]{value}))).build();
        return AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    public static AttributeProto i(String name, long value) {
        return Attributes.ofInt(name, value);
    }

    public static AttributeProto f(String name, float value) {
        return Attributes.ofFloat(name, value);
    }

    public static AttributeProto is(String name, long... values) {
        return Attributes.ofInts(name, values);
    }

    public static AttributeProto s(String name, String value) {
        return Attributes.ofString(name, value);
    }

    /** The model: input x of shape [batch, rest...] (batch symbolic), output {@code output} of unknown shape. */
    public OnnxModel build(String output, long... inputShapeBatch1) {
        long[] dims = inputShapeBatch1.clone();
        dims[0] = BATCH;
        return build(new Port(X, dims), Port.unshaped(output));
    }

    /** The model with one float input and one float output, IR version matching the opset. */
    public OnnxModel build(Port input, Port output) {
        return new OnnxModel(proto(input, output));
    }

    /** As {@link #build(Port, Port)}, unchecked: for a model file whose weights are external data. */
    public OnnxMl.ModelProto proto(Port input, Port output) {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("test-graph")
                .addInput(value(input)).addOutput(value(output)).addAllNode(nodes).addAllInitializer(initializers);
        long ir = opset <= 13 ? 7 : opset <= 18 ? 8 : 9;
        return OnnxMl.ModelProto.newBuilder().setIrVersion(ir).setProducerName("salient-tests")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(g).build();
    }

    private static OnnxMl.ValueInfoProto value(Port port) {
        OnnxMl.TypeProto.Tensor.Builder type = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE);
        if (port.dims() != null) {
            OnnxMl.TensorShapeProto.Builder shape = type.getShapeBuilder();
            for (long d : port.dims()) {
                OnnxMl.TensorShapeProto.Dimension.Builder dim = OnnxMl.TensorShapeProto.Dimension.newBuilder();
                shape.addDim(d == BATCH ? dim.setDimParam("N") : dim.setDimValue(d));
            }
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(port.name())
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(type)).build();
    }
}
