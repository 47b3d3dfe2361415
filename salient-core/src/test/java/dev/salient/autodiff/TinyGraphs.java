package dev.salient.autodiff;

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
 * Builds tiny ONNX models for gradient tests: one float input {@code x} with a symbolic batch axis,
 * nodes added in order, random float weights as raw little-endian initializers.
 */
final class TinyGraphs {
    static final String X = "x";

    private final int opset;
    private final Random random;
    private final List<OnnxMl.NodeProto> nodes = new ArrayList<>();
    private final List<OnnxMl.TensorProto> initializers = new ArrayList<>();
    private int counter;

    TinyGraphs(int opset, long seed) {
        this.opset = opset;
        this.random = new Random(seed);
    }

    int opset() {
        return opset;
    }

    /** Adds a node with one output; returns its name. */
    String op(String opType, List<String> inputs, AttributeProto... attributes) {
        return ops(opType, inputs, 1, attributes)[0];
    }

    String op(String opType, String input, AttributeProto... attributes) {
        return op(opType, List.of(input), attributes);
    }

    String op(String opType, String a, String b, AttributeProto... attributes) {
        return op(opType, List.of(a, b), attributes);
    }

    /** Adds a node with several outputs (named {@code <op>_<n>_<k>}); returns their names. */
    String[] ops(String opType, List<String> inputs, int outputs, AttributeProto... attributes) {
        int id = counter++;
        String[] names = new String[outputs];
        for (int k = 0; k < outputs; k++) {
            names[k] = opType.toLowerCase() + "_" + id + "_" + k;
        }
        nodes.add(OnnxMl.NodeProto.newBuilder().setOpType(opType).setName(opType + "_node_" + id)
                .addAllInput(inputs).addAllOutput(List.of(names)).addAllAttribute(List.of(attributes)).build());
        return names;
    }

    /** ReduceSum with keepdims 1 over {@code axes}, in the form valid for the opset. */
    String reduceSumNode(String x, long... axes) {
        return opset >= 13 ? op("ReduceSum", List.of(x, ints(axes))) : op("ReduceSum", x, is("axes", axes));
    }

    /** Random N(0, scale²) float weights. */
    String weights(float scale, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        return floats(v, dims);
    }

    /** Random conv weights [out, in/group, k...] scaled by 1/sqrt(fan-in). */
    String convWeights(long out, long inPerGroup, long... kernel) {
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
    String positive(float lo, float hi, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * random.nextFloat();
        }
        return floats(v, dims);
    }

    String floats(float[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return initializer(DataType.FLOAT_VALUE, buf.array(), dims);
    }

    String scalar(float value) {
        return floats(new float[]{value});
    }

    /** 1-D int64 initializer. */
    String ints(long... values) {
        return intTensor(values, values.length);
    }

    String intTensor(long[] values, long... dims) {
        return initializer(DataType.INT64_VALUE, TensorData.int64Bytes(values), dims);
    }

    private String initializer(int type, byte[] raw, long... dims) {
        String name = "w" + (counter++);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(type)
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        initializers.add(t.build());
        return name;
    }

    /** A Constant node holding a float tensor. */
    String constantNode(float[] values, long... dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setDataType(DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return op("Constant", List.of(), AttributeProto.newBuilder().setName("value")
                .setType(AttributeProto.AttributeType.TENSOR).setT(t).build());
    }

    /** ConstantOfShape's {@code value}: a one-element int64 tensor. */
    static AttributeProto intValue(long value) {
        OnnxMl.TensorProto t = OnnxMl.TensorProto.newBuilder().setDataType(DataType.INT64_VALUE).addDims(1)
                .setRawData(ByteString.copyFrom(TensorData.int64Bytes(new long[]{value}))).build();
        return AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR).setT(t).build();
    }

    static AttributeProto i(String name, long value) {
        return Attributes.ofInt(name, value);
    }

    static AttributeProto f(String name, float value) {
        return Attributes.ofFloat(name, value);
    }

    static AttributeProto is(String name, long... values) {
        return Attributes.ofInts(name, values);
    }

    static AttributeProto s(String name, String value) {
        return Attributes.ofString(name, value);
    }

    /** The model: input x of shape [batch, rest...] (batch symbolic), output {@code output}. */
    OnnxModel build(String output, long... inputShapeBatch1) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (int k = 1; k < inputShapeBatch1.length; k++) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(inputShapeBatch1[k]));
        }
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("tiny")
                .addInput(OnnxMl.ValueInfoProto.newBuilder().setName(X).setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE)
                                .setShape(shape))))
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(output).setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT_VALUE))))
                .addAllNode(nodes).addAllInitializer(initializers);
        long ir = opset <= 13 ? 7 : opset <= 18 ? 8 : 9;
        OnnxMl.ModelProto proto = OnnxMl.ModelProto.newBuilder().setIrVersion(ir).setProducerName("tiny-graphs")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(g).build();
        return new OnnxModel(proto);
    }
}
