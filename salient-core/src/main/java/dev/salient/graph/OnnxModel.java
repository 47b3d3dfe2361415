package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ONNX model held as its protobuf, with the look-ups the engine needs: the default-domain opset,
 * initializers by name, and the graph's real (non-initializer) inputs.
 */
public final class OnnxModel {
    /** Opsets whose operator semantics the gradient rules know. */
    public static final int MIN_OPSET = 7;
    public static final int MAX_OPSET = 21;

    private final OnnxMl.ModelProto proto;
    private final Map<String, OnnxMl.TensorProto> initializers = new LinkedHashMap<>();

    /**
     * A model held in memory. Its tensors must carry their data: one that names an external file is refused,
     * as there is no folder to read it from safely ({@link #load(Path)} reads external data).
     */
    public OnnxModel(OnnxMl.ModelProto proto) {
        ExternalData.refuseExternal(proto);
        this.proto = proto;
        for (OnnxMl.TensorProto t : proto.getGraph().getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        int opset = opset();
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new ModelFormatException("ONNX opset " + opset + " is not supported (supported: "
                    + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        if (proto.getGraph().getNodeCount() == 0) {
            throw new ModelFormatException("the ONNX model has an empty graph");
        }
    }

    /**
     * Reads an ONNX file; a missing, unreadable or non-ONNX file gives a {@link ModelFormatException}. Tensors kept
     * as external data are read from the model's folder (never from outside it: {@link ModelFolder}) into the
     * model, so the result is self-contained.
     */
    public static OnnxModel load(Path file) {
        OnnxMl.ModelProto proto;
        try (InputStream in = Files.newInputStream(file)) {
            proto = parse(CodedInputStream.newInstance(in), file.toString());
        } catch (NoSuchFileException e) {
            throw new ModelFormatException("model file not found: " + file);
        } catch (IOException e) {
            throw new ModelFormatException("cannot read model file " + file + ": " + e.getMessage());
        }
        return new OnnxModel(ExternalData.inline(proto, ModelFolder.of(file)));
    }

    public static OnnxModel fromBytes(byte[] bytes, String description) {
        return fromBuffer(java.nio.ByteBuffer.wrap(bytes), description);
    }

    /** A model from the bytes between {@code buffer}'s position and limit (a file mapped into memory, say). */
    public static OnnxModel fromBuffer(java.nio.ByteBuffer buffer, String description) {
        try {
            return new OnnxModel(parse(CodedInputStream.newInstance(buffer), description));
        } catch (IOException e) {
            throw new ModelFormatException("cannot read model " + description + ": " + e.getMessage());
        }
    }

    private static OnnxMl.ModelProto parse(CodedInputStream coded, String description) throws IOException {
        coded.setSizeLimit(Integer.MAX_VALUE); // real models exceed protobuf's 64 MB default
        OnnxMl.ModelProto proto;
        try {
            proto = OnnxMl.ModelProto.parseFrom(coded);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(description + " is not an ONNX model (" + e.getMessage() + ")");
        }
        if (!proto.hasGraph() || proto.getOpsetImportCount() == 0) {
            throw new ModelFormatException(description + " is not an ONNX model (no graph or opset import)");
        }
        return proto;
    }

    public OnnxMl.ModelProto proto() {
        return proto;
    }

    public OnnxMl.GraphProto graph() {
        return proto.getGraph();
    }

    /** Version of the default ("" or "ai.onnx") operator set. */
    public int opset() {
        for (OnnxMl.OperatorSetIdProto id : proto.getOpsetImportList()) {
            if (id.getDomain().isEmpty() || id.getDomain().equals("ai.onnx")) {
                return (int) id.getVersion();
            }
        }
        throw new ModelFormatException("the ONNX model imports no default-domain opset");
    }

    public Map<String, OnnxMl.TensorProto> initializers() {
        return initializers;
    }

    public boolean isInitializer(String name) {
        return initializers.containsKey(name);
    }

    /** Graph inputs that are fed at run time (older exporters also list initializers as inputs). */
    public java.util.List<OnnxMl.ValueInfoProto> runtimeInputs() {
        return graph().getInputList().stream().filter(v -> !isInitializer(v.getName())).toList();
    }

    public byte[] toBytes() {
        return proto.toByteArray();
    }
}
