package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Reads the values of a constant {@link OnnxMl.TensorProto} (raw_data or the typed fields). */
public final class TensorData {
    private TensorData() {}

    public static long[] longs(OnnxMl.TensorProto t) {
        int n = Math.toIntExact(count(t));
        long[] out = new long[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.getDataType()) {
            case DataType.INT64_VALUE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getRawData().isEmpty() ? t.getInt64Data(i) : raw.getLong();
                }
            }
            case DataType.INT32_VALUE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getRawData().isEmpty() ? t.getInt32Data(i) : raw.getInt();
                }
            }
            default -> throw new ModelFormatException("constant '" + t.getName() + "' is not an integer tensor");
        }
        return out;
    }

    public static float[] floats(OnnxMl.TensorProto t) {
        int n = Math.toIntExact(count(t));
        float[] out = new float[n];
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.getDataType()) {
            case DataType.FLOAT_VALUE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = t.getRawData().isEmpty() ? t.getFloatData(i) : raw.getFloat();
                }
            }
            case DataType.DOUBLE_VALUE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) (t.getRawData().isEmpty() ? t.getDoubleData(i) : raw.getDouble());
                }
            }
            default -> throw new ModelFormatException("constant '" + t.getName() + "' is not a float tensor");
        }
        return out;
    }

    /** The raw_data form of int64 values: little-endian, 8 bytes each. */
    public static byte[] int64Bytes(long[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buf.putLong(v);
        }
        return buf.array();
    }

    public static long count(OnnxMl.TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            n *= d;
        }
        return n;
    }
}
