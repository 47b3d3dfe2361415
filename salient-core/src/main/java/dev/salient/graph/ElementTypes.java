package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Element type of every tensor in a graph, propagated from inputs, initializers and value_info through
 * each node. The engine needs it to tell differentiable (floating) tensors from integer shape arithmetic,
 * and to declare inner tensors as graph outputs.
 */
public final class ElementTypes {
    private static final Set<String> BOOLEAN_OPS = Set.of("Equal", "Greater", "Less", "GreaterOrEqual",
            "LessOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf");
    private static final Set<String> INT64_OPS = Set.of("Shape", "Size", "ArgMax", "ArgMin", "NonZero",
            "NonMaxSuppression");

    private final Map<String, Integer> types = new HashMap<>();
    private final int opset;

    private ElementTypes(int opset) {
        this.opset = opset;
    }

    public static ElementTypes of(OnnxModel model) {
        ElementTypes t = new ElementTypes(model.opset());
        OnnxMl.GraphProto g = model.graph();
        for (OnnxMl.ValueInfoProto v : g.getInputList()) {
            t.types.put(v.getName(), v.getType().getTensorType().getElemType());
        }
        for (OnnxMl.ValueInfoProto v : g.getValueInfoList()) {
            if (v.getType().hasTensorType()) {
                t.types.put(v.getName(), v.getType().getTensorType().getElemType());
            }
        }
        for (OnnxMl.TensorProto init : g.getInitializerList()) {
            t.types.put(init.getName(), init.getDataType());
        }
        for (OnnxMl.NodeProto node : g.getNodeList()) {
            for (int i = 0; i < node.getOutputCount(); i++) {
                String out = node.getOutput(i);
                if (!out.isEmpty()) {
                    t.types.put(out, t.outputType(node, i));
                }
            }
        }
        return t;
    }

    private int outputType(OnnxMl.NodeProto node, int index) {
        String op = node.getOpType();
        int first = node.getInputCount() > 0 ? types.getOrDefault(node.getInput(0), DataType.FLOAT_VALUE)
                : DataType.FLOAT_VALUE;
        if (BOOLEAN_OPS.contains(op)) {
            return DataType.BOOL_VALUE;
        }
        if (INT64_OPS.contains(op)) {
            return DataType.INT64_VALUE;
        }
        switch (op) {
            case "Cast":
                return (int) Attributes.getInt(node, "to", DataType.FLOAT_VALUE);
            case "CastLike":
                return types.getOrDefault(node.getInput(1), first);
            case "Constant": {
                OnnxMl.AttributeProto value = Attributes.find(node, "value");
                if (value != null) {
                    return value.getT().getDataType();
                }
                if (Attributes.find(node, "value_ints") != null || Attributes.find(node, "value_int") != null) {
                    return DataType.INT64_VALUE;
                }
                return DataType.FLOAT_VALUE;
            }
            case "ConstantOfShape": {
                OnnxMl.AttributeProto value = Attributes.find(node, "value");
                return value != null ? value.getT().getDataType() : DataType.FLOAT_VALUE;
            }
            case "Where":
                return types.getOrDefault(node.getInput(1), DataType.FLOAT_VALUE);
            case "DequantizeLinear":
                return DataType.FLOAT_VALUE;
            case "QuantizeLinear":
                return node.getInputCount() > 2 ? types.getOrDefault(node.getInput(2), DataType.UINT8_VALUE)
                        : DataType.UINT8_VALUE;
            case "MaxPool":
            case "TopK":
                return index == 1 ? DataType.INT64_VALUE : first;
            case "Dropout":
                return index == 1 && opset >= 10 ? DataType.BOOL_VALUE : first; // the mask was float before opset 10
            case "EyeLike":
            case "RandomNormalLike":
            case "RandomUniformLike":
                return (int) Attributes.getInt(node, "dtype", first);
            case "RandomNormal":
            case "RandomUniform":
                return (int) Attributes.getInt(node, "dtype", DataType.FLOAT_VALUE);
            default:
                return first;
        }
    }

    /** Element type of a tensor, or FLOAT when nothing is known of it. */
    public int of(String tensor) {
        return types.getOrDefault(tensor, DataType.FLOAT_VALUE);
    }

    public boolean isFloating(String tensor) {
        int t = of(tensor);
        return t == DataType.FLOAT_VALUE || t == DataType.DOUBLE_VALUE || t == DataType.FLOAT16_VALUE
                || t == DataType.BFLOAT16_VALUE;
    }
}
