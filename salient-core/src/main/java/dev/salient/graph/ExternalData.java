package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.UnsafeByteOperations;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * ONNX tensors whose bytes live in a file beside the model ({@code data_location = EXTERNAL}, with
 * {@code location}, {@code offset} and {@code length} entries). Salient reads those bytes itself, relative to the
 * model's folder and confined to it by {@link ModelFolder}, and stores them as {@code raw_data}: ONNX Runtime is
 * always given a self-contained model, so it never resolves a location itself (it would do so against the
 * process's working folder, and follow any path a model file wrote).
 */
final class ExternalData {
    /** Largest tensor Salient can hold inline: a protobuf {@code bytes} field is one Java array. */
    private static final long MAX_INLINE_BYTES = Integer.MAX_VALUE - 8;

    private ExternalData() {}

    /** The model with every external tensor (initializers, attributes, subgraphs, functions) read into raw_data. */
    static OnnxMl.ModelProto inline(OnnxMl.ModelProto model, ModelFolder folder) {
        return map(model, (tensor, owner) -> isExternal(tensor) ? read(tensor, owner, folder) : tensor);
    }

    /** Refuses a model that still has external tensors: without a folder there is nothing safe to read them from. */
    static void refuseExternal(OnnxMl.ModelProto model) {
        map(model, (tensor, owner) -> {
            if (isExternal(tensor)) {
                throw new ModelFormatException(owner + " keeps its data in an external file ('"
                        + entry(tensor, "location") + "'), but the model was given without its folder: load it "
                        + "from its file so the data can be read from beside it");
            }
            return tensor;
        });
    }

    private static OnnxMl.ModelProto map(OnnxMl.ModelProto model,
                                         BiFunction<OnnxMl.TensorProto, String, OnnxMl.TensorProto> f) {
        OnnxMl.ModelProto.Builder b = null;
        OnnxMl.GraphProto graph = map(model.getGraph(), f);
        if (graph != model.getGraph()) {
            b = model.toBuilder().setGraph(graph);
        }
        for (int i = 0; i < model.getFunctionsCount(); i++) {
            OnnxMl.FunctionProto function = model.getFunctions(i);
            OnnxMl.FunctionProto.Builder changed = null;
            for (int n = 0; n < function.getNodeCount(); n++) {
                OnnxMl.NodeProto node = node(function.getNode(n), f);
                if (node != function.getNode(n)) {
                    changed = changed != null ? changed : function.toBuilder();
                    changed.setNode(n, node);
                }
            }
            if (changed != null) {
                b = b != null ? b : model.toBuilder();
                b.setFunctions(i, changed);
            }
        }
        return b == null ? model : b.build();
    }

    private static boolean isExternal(OnnxMl.TensorProto t) {
        return t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL;
    }

    /**
     * Applies {@code f} (tensor, description) to every tensor the graph holds, recursively, rebuilding only what
     * changed.
     */
    private static OnnxMl.GraphProto map(OnnxMl.GraphProto graph,
                                         BiFunction<OnnxMl.TensorProto, String, OnnxMl.TensorProto> f) {
        OnnxMl.GraphProto.Builder g = null;
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = graph.getInitializer(i);
            OnnxMl.TensorProto mapped = f.apply(t, "initializer '" + t.getName() + "'");
            if (mapped != t) {
                g = g != null ? g : graph.toBuilder();
                g.setInitializer(i, mapped);
            }
        }
        for (int i = 0; i < graph.getSparseInitializerCount(); i++) {
            OnnxMl.SparseTensorProto s = graph.getSparseInitializer(i);
            OnnxMl.SparseTensorProto mapped = sparse(s, "sparse initializer '" + s.getValues().getName() + "'", f);
            if (mapped != s) {
                g = g != null ? g : graph.toBuilder();
                g.setSparseInitializer(i, mapped);
            }
        }
        for (int n = 0; n < graph.getNodeCount(); n++) {
            OnnxMl.NodeProto node = graph.getNode(n);
            OnnxMl.NodeProto mapped = node(node, f);
            if (mapped != node) {
                g = g != null ? g : graph.toBuilder();
                g.setNode(n, mapped);
            }
        }
        return g == null ? graph : g.build();
    }

    private static OnnxMl.NodeProto node(OnnxMl.NodeProto node,
                                         BiFunction<OnnxMl.TensorProto, String, OnnxMl.TensorProto> f) {
        OnnxMl.NodeProto.Builder b = null;
        for (int a = 0; a < node.getAttributeCount(); a++) {
            OnnxMl.AttributeProto attribute = node.getAttribute(a);
            String owner = "attribute '" + attribute.getName() + "' of node '" + node.getName() + "' ("
                    + node.getOpType() + ")";
            OnnxMl.AttributeProto.Builder changed = attribute.toBuilder();
            boolean any = false;
            if (attribute.hasT()) {
                OnnxMl.TensorProto t = f.apply(attribute.getT(), owner);
                any |= t != attribute.getT();
                changed.setT(t);
            }
            for (int i = 0; i < attribute.getTensorsCount(); i++) {
                OnnxMl.TensorProto t = f.apply(attribute.getTensors(i), owner);
                any |= t != attribute.getTensors(i);
                changed.setTensors(i, t);
            }
            if (attribute.hasSparseTensor()) {
                OnnxMl.SparseTensorProto s = sparse(attribute.getSparseTensor(), owner, f);
                any |= s != attribute.getSparseTensor();
                changed.setSparseTensor(s);
            }
            for (int i = 0; i < attribute.getSparseTensorsCount(); i++) {
                OnnxMl.SparseTensorProto s = sparse(attribute.getSparseTensors(i), owner, f);
                any |= s != attribute.getSparseTensors(i);
                changed.setSparseTensors(i, s);
            }
            if (attribute.hasG()) {
                OnnxMl.GraphProto sub = map(attribute.getG(), f);
                any |= sub != attribute.getG();
                changed.setG(sub);
            }
            for (int i = 0; i < attribute.getGraphsCount(); i++) {
                OnnxMl.GraphProto sub = map(attribute.getGraphs(i), f);
                any |= sub != attribute.getGraphs(i);
                changed.setGraphs(i, sub);
            }
            if (any) {
                b = b != null ? b : node.toBuilder();
                b.setAttribute(a, changed);
            }
        }
        return b == null ? node : b.build();
    }

    private static OnnxMl.SparseTensorProto sparse(OnnxMl.SparseTensorProto s, String owner,
                                                   BiFunction<OnnxMl.TensorProto, String, OnnxMl.TensorProto> f) {
        OnnxMl.TensorProto values = f.apply(s.getValues(), owner + " values");
        OnnxMl.TensorProto indices = f.apply(s.getIndices(), owner + " indices");
        if (values == s.getValues() && indices == s.getIndices()) {
            return s;
        }
        return s.toBuilder().setValues(values).setIndices(indices).build();
    }

    /** The tensor with the bytes its external-data entries name read into raw_data. */
    private static OnnxMl.TensorProto read(OnnxMl.TensorProto t, String owner, ModelFolder folder) {
        String location = entry(t, "location");
        if (location == null) {
            throw new ModelFormatException(owner + " is marked as external data but names no location");
        }
        Path file = folder.resolve(location, owner);
        long offset = number(t, "offset", 0, owner);
        long length = number(t, "length", -1, owner);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            if (offset > size) {
                throw new ModelFormatException(owner + ": offset " + offset + " is past the end of '" + location
                        + "' (" + size + " bytes)");
            }
            long bytes = length >= 0 ? length : size - offset;
            if (bytes > size - offset) {
                throw new ModelFormatException(owner + ": bytes " + offset + " to " + (offset + bytes) + " of '"
                        + location + "' are named, but the file has " + size + " bytes");
            }
            long expected = expectedBytes(t, owner);
            if (expected >= 0 && expected != bytes) {
                throw new ModelFormatException(owner + " has shape " + t.getDimsList() + " (" + expected
                        + " bytes), but its external data in '" + location + "' is " + bytes + " bytes");
            }
            if (bytes > MAX_INLINE_BYTES) {
                throw new ModelFormatException(owner + " is " + bytes + " bytes, above the 2 GB one tensor may have");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) bytes);
            while (buffer.hasRemaining()) {
                if (in.read(buffer, offset + buffer.position()) < 0) {
                    throw new ModelFormatException(owner + ": '" + location + "' ended early while reading");
                }
            }
            return t.toBuilder().clearExternalData().clearDataLocation()
                    .setRawData(UnsafeByteOperations.unsafeWrap(buffer.array())).build();
        } catch (IOException e) {
            throw new ModelFormatException(owner + ": cannot read '" + location + "': " + e.getMessage());
        }
    }

    private static String entry(OnnxMl.TensorProto t, String key) {
        for (OnnxMl.StringStringEntryProto e : t.getExternalDataList()) {
            if (e.getKey().equals(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static long number(OnnxMl.TensorProto t, String key, long absent, String owner) {
        String text = entry(t, key);
        if (text == null) {
            return absent;
        }
        try {
            long v = Long.parseLong(text.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below with the others
        }
        throw new ModelFormatException(owner + ": external-data " + key + " '" + text
                + "' is not a byte count (a whole number >= 0)");
    }

    /** Bytes the tensor's shape and element type call for, or -1 for types without a fixed size per element. */
    private static long expectedBytes(OnnxMl.TensorProto t, String owner) {
        int elementBytes = switch (t.getDataType()) {
            case DataType.UINT8_VALUE, DataType.INT8_VALUE, DataType.BOOL_VALUE, DataType.FLOAT8E4M3FN_VALUE,
                    DataType.FLOAT8E4M3FNUZ_VALUE, DataType.FLOAT8E5M2_VALUE, DataType.FLOAT8E5M2FNUZ_VALUE -> 1;
            case DataType.UINT16_VALUE, DataType.INT16_VALUE, DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE -> 2;
            case DataType.FLOAT_VALUE, DataType.INT32_VALUE, DataType.UINT32_VALUE -> 4;
            case DataType.DOUBLE_VALUE, DataType.INT64_VALUE, DataType.UINT64_VALUE, DataType.COMPLEX64_VALUE -> 8;
            case DataType.COMPLEX128_VALUE -> 16;
            default -> -1;
        };
        if (elementBytes < 0) {
            return -1;
        }
        try {
            long n = elementBytes;
            for (long d : t.getDimsList()) {
                if (d < 0) {
                    throw new ModelFormatException(owner + " has a negative dimension in " + t.getDimsList());
                }
                n = Math.multiplyExact(n, d);
            }
            return n;
        } catch (ArithmeticException e) {
            throw new ModelFormatException(owner + " has shape " + t.getDimsList() + ", too large to hold");
        }
    }
}
