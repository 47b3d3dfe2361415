package dev.salient.testing;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A tiny image classifier written as real files, for tests of how models are loaded: input {@code input}
 * [N, 3, 2, 2] (NCHW), Flatten, MatMul by W [12, 3], Add b [3], output {@code logits}. W and b are inline, or kept
 * as ONNX external data in a file beside the model (16 padding bytes, then W, then b: offsets are exercised).
 */
public final class TinyClassifier {
    public static final int CLASSES = 3;
    public static final int INPUT_LENGTH = 12;
    /** Where W starts in {@link #externalData()}. */
    public static final int WEIGHTS_OFFSET = 16;
    public static final int WEIGHTS_BYTES = INPUT_LENGTH * CLASSES * 4;
    public static final int BIAS_OFFSET = WEIGHTS_OFFSET + WEIGHTS_BYTES;
    public static final int BIAS_BYTES = CLASSES * 4;

    private static final float[] BIAS = {0.5f, -0.25f, 1f};

    private TinyClassifier() {}

    private static float[] weights() {
        float[] w = new float[INPUT_LENGTH * CLASSES];
        for (int i = 0; i < w.length; i++) {
            w[i] = ((i * 7) % 11 - 5) / 10f;
        }
        return w;
    }

    /** Logits the model must compute for one input: x · W + b. */
    public static float[] logits(float[] input) {
        float[] w = weights();
        float[] out = BIAS.clone();
        for (int k = 0; k < CLASSES; k++) {
            for (int i = 0; i < INPUT_LENGTH; i++) {
                out[k] += input[i] * w[i * CLASSES + k];
            }
        }
        return out;
    }

    /** The bytes of the external-data file: padding, W, b (little-endian float32). */
    public static byte[] externalData() {
        ByteBuffer buf = ByteBuffer.allocate(BIAS_OFFSET + BIAS_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[WEIGHTS_OFFSET]);
        for (float v : weights()) {
            buf.putFloat(v);
        }
        for (float v : BIAS) {
            buf.putFloat(v);
        }
        return buf.array();
    }

    /** Writes {@code dir/name} with W and b inline; returns its path. */
    public static Path writeInline(Path dir, String name) throws IOException {
        return writeWithInputSide(dir, name, 2);
    }

    /**
     * Writes {@code dir/name} whose W and b are external data at the given locations (as written in the model, with
     * the offsets and lengths of {@link #externalData()}); the data files themselves are the caller's to place.
     */
    public static Path writeExternal(Path dir, String name, String weightsLocation, String biasLocation)
            throws IOException {
        OnnxMl.TensorProto w = external(tensor("W", INPUT_LENGTH, CLASSES), weightsLocation, WEIGHTS_OFFSET,
                WEIGHTS_BYTES);
        OnnxMl.TensorProto b = external(tensor("b", CLASSES), biasLocation, BIAS_OFFSET, BIAS_BYTES);
        return Files.write(dir.resolve(name), model(w, b).toByteArray());
    }

    /**
     * Writes {@code dir/name} whose input claims to be {@code side}×{@code side} pixels: a model file with an
     * absurd fixed input size, for tests of how sizes are read (its weights still fit only 2×2).
     */
    public static Path writeWithInputSide(Path dir, String name, long side) throws IOException {
        byte[] data = externalData();
        OnnxMl.TensorProto w = tensor("W", INPUT_LENGTH, CLASSES)
                .setRawData(ByteString.copyFrom(data, WEIGHTS_OFFSET, WEIGHTS_BYTES)).build();
        OnnxMl.TensorProto b = tensor("b", CLASSES)
                .setRawData(ByteString.copyFrom(data, BIAS_OFFSET, BIAS_BYTES)).build();
        return Files.write(dir.resolve(name), model(w, b, side).toByteArray());
    }

    /** The model proto with external data at {@code location}, for in-memory tests. */
    public static OnnxMl.ModelProto externalModel(String location) {
        return model(external(tensor("W", INPUT_LENGTH, CLASSES), location, WEIGHTS_OFFSET, WEIGHTS_BYTES),
                external(tensor("b", CLASSES), location, BIAS_OFFSET, BIAS_BYTES));
    }

    private static OnnxMl.TensorProto.Builder tensor(String name, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        return t;
    }

    private static OnnxMl.TensorProto external(OnnxMl.TensorProto.Builder t, String location, long offset,
                                               long length) {
        t.setDataLocation(OnnxMl.TensorProto.DataLocation.EXTERNAL);
        Map.of("location", location, "offset", Long.toString(offset), "length", Long.toString(length)).forEach(
                (k, v) -> t.addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return t.build();
    }

    private static OnnxMl.ModelProto model(OnnxMl.TensorProto w, OnnxMl.TensorProto b) {
        return model(w, b, 2);
    }

    private static OnnxMl.ModelProto model(OnnxMl.TensorProto w, OnnxMl.TensorProto b, long side) {
        TestGraph g = new TestGraph(13, 0);
        g.initializer(w);
        g.initializer(b);
        g.node("Flatten", "Flatten_flat", List.of("input"), List.of("flat"));
        g.node("MatMul", "MatMul_scores", List.of("flat", "W"), List.of("scores"));
        g.node("Add", "Add_logits", List.of("scores", "b"), List.of("logits"));
        return g.proto(new TestGraph.Port("input", TestGraph.BATCH, 3, side, side), TestGraph.Port.unshaped("logits"));
    }
}
