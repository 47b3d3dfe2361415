package dev.salient.tflite;

import com.google.flatbuffers.Table;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Read-only accessors over the TFLite FlatBuffer schema ({@code tensorflow/lite/schema/schema.fbs},
 * namespace {@code tflite}, file identifier {@code TFL3}), covering only the tables the importer reads.
 *
 * <p>Each field is read by its slot number in the schema (slot {@code k} is vtable offset {@code 4 + 2k}; a
 * union field takes two slots, its type byte first). Absent fields give the schema's default.
 */
final class TfliteSchema {
    private TfliteSchema() {}

    /** {@code TensorType} enum values used by the importer. */
    static final int FLOAT32 = 0, FLOAT16 = 1, INT32 = 2, UINT8 = 3, INT64 = 4, INT16 = 7, INT8 = 9;

    /** {@code Padding} enum. */
    static final int PADDING_SAME = 0, PADDING_VALID = 1;

    /** Base: slot-indexed scalar and vector reads on top of the FlatBuffers runtime. */
    abstract static class Base extends Table {
        Base at(int pos, ByteBuffer bb) {
            __reset(pos, bb);
            return this;
        }

        /**
         * Field offset within this table, 0 when absent. An instance never positioned (options table missing
         * from the file) reads as all-defaults, as the schema says absent fields do.
         */
        final int off(int slot) {
            return bb == null ? 0 : __offset(4 + 2 * slot);
        }

        final int intField(int slot, int dflt) {
            int o = off(slot);
            return o != 0 ? bb.getInt(o + bb_pos) : dflt;
        }

        final int byteField(int slot, int dflt) {
            int o = off(slot);
            return o != 0 ? bb.get(o + bb_pos) : dflt;
        }

        final float floatField(int slot, float dflt) {
            int o = off(slot);
            return o != 0 ? bb.getFloat(o + bb_pos) : dflt;
        }

        final long longField(int slot, long dflt) {
            int o = off(slot);
            return o != 0 ? bb.getLong(o + bb_pos) : dflt;
        }

        final boolean boolField(int slot) {
            return byteField(slot, 0) != 0;
        }

        final String stringField(int slot) {
            int o = off(slot);
            return o != 0 ? __string(o + bb_pos) : null;
        }

        final int vectorLength(int slot) {
            int o = off(slot);
            return o != 0 ? __vector_len(o) : 0;
        }

        final int[] intVector(int slot) {
            int o = off(slot);
            if (o == 0) return new int[0];
            int n = __vector_len(o), start = __vector(o);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) out[i] = bb.getInt(start + 4 * i);
            return out;
        }

        final long[] longVector(int slot) {
            int o = off(slot);
            if (o == 0) return new long[0];
            int n = __vector_len(o), start = __vector(o);
            long[] out = new long[n];
            for (int i = 0; i < n; i++) out[i] = bb.getLong(start + 8 * i);
            return out;
        }

        final float[] floatVector(int slot) {
            int o = off(slot);
            if (o == 0) return new float[0];
            int n = __vector_len(o), start = __vector(o);
            float[] out = new float[n];
            for (int i = 0; i < n; i++) out[i] = bb.getFloat(start + 4 * i);
            return out;
        }

        /** A little-endian view of a {@code [ubyte]} vector, or an empty buffer when absent. */
        final ByteBuffer byteVector(int slot) {
            int o = off(slot);
            if (o == 0) return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN);
            int n = __vector_len(o), start = __vector(o);
            return bb.duplicate().position(start).limit(start + n).slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        /** Positions {@code target} on the i-th table of a {@code [Table]} vector. */
        final <T extends Base> T tableAt(int slot, int i, T target) {
            int o = off(slot);
            if (o == 0 || i < 0 || i >= __vector_len(o)) throw new IndexOutOfBoundsException("table " + i);
            target.at(__indirect(__vector(o) + 4 * i), bb);
            return target;
        }

        /** Positions {@code target} on a sub-table field, or returns null when absent. */
        final <T extends Base> T table(int slot, T target) {
            int o = off(slot);
            if (o == 0) return null;
            target.at(__indirect(o + bb_pos), bb);
            return target;
        }
    }

    /** {@code table Model}: version, operator_codes, subgraphs, description, buffers. */
    static final class Model extends Base {
        static boolean hasIdentifier(ByteBuffer bb) {
            return __has_identifier(bb, "TFL3");
        }

        static Model root(ByteBuffer bb) {
            bb.order(ByteOrder.LITTLE_ENDIAN);
            Model m = new Model();
            m.at(bb.getInt(bb.position()) + bb.position(), bb);
            return m;
        }

        int version() { return intField(0, 0); }
        int operatorCodeCount() { return vectorLength(1); }
        OperatorCode operatorCode(int i) { return tableAt(1, i, new OperatorCode()); }
        int subgraphCount() { return vectorLength(2); }
        SubGraph subgraph(int i) { return tableAt(2, i, new SubGraph()); }
        String description() { return stringField(3); }
        int bufferCount() { return vectorLength(4); }
        Buffer buffer(int i) { return tableAt(4, i, new Buffer()); }
    }

    /** {@code table SubGraph}: tensors, inputs, outputs, operators, name. */
    static final class SubGraph extends Base {
        int tensorCount() { return vectorLength(0); }
        Tensor tensor(int i) { return tableAt(0, i, new Tensor()); }
        int[] inputs() { return intVector(1); }
        int[] outputs() { return intVector(2); }
        int operatorCount() { return vectorLength(3); }
        Operator operator(int i) { return tableAt(3, i, new Operator()); }
        String name() { return stringField(4); }
    }

    /** {@code table Tensor}: shape, type, buffer, name, quantization, is_variable. */
    static final class Tensor extends Base {
        int[] shape() { return intVector(0); }
        int type() { return byteField(1, FLOAT32); }
        int buffer() { return intField(2, 0); }
        String name() { return stringField(3); }
        QuantizationParameters quantization() { return table(4, new QuantizationParameters()); }
    }

    /**
     * {@code table QuantizationParameters}: min, max, scale, zero_point, details (union: slots 4-5),
     * quantized_dimension. Real value = scale · (q − zero_point).
     */
    static final class QuantizationParameters extends Base {
        float[] scale() { return floatVector(2); }
        long[] zeroPoint() { return longVector(3); }
        int detailsType() { return byteField(4, 0); }
        int quantizedDimension() { return intField(6, 0); }
    }

    /** {@code table Buffer}: data, and for models over 2 GB an offset/size into the file. */
    static final class Buffer extends Base {
        ByteBuffer data() { return byteVector(0); }
        long offset() { return longField(1, 0); }
        long size() { return longField(2, 0); }
    }

    /** {@code table OperatorCode}: deprecated_builtin_code (byte), custom_code, version, builtin_code (int). */
    static final class OperatorCode extends Base {
        /**
         * The builtin code. Old writers fill only the byte field, new ones the int field (and put 127 in the
         * byte for codes above it), so the larger of the two is the real code.
         */
        int builtinCode() { return Math.max(byteField(0, 0), intField(3, 0)); }
        String customCode() { return stringField(1); }
        int version() { return intField(2, 1); }
    }

    /** {@code table Operator}: opcode_index, inputs, outputs, builtin_options (union: slots 3-4). */
    static final class Operator extends Base {
        int opcodeIndex() { return intField(0, 0); }
        int[] inputs() { return intVector(1); }
        int[] outputs() { return intVector(2); }
        int builtinOptionsType() { return byteField(3, 0) & 0xFF; }

        /** Positions {@code target} on the builtin options table; left unpositioned (all defaults) when absent. */
        <T extends Base> T builtinOptions(T target) {
            table(4, target);
            return target;
        }
    }

    /** {@code table Conv2DOptions}. */
    static final class Conv2DOptions extends Base {
        int padding() { return byteField(0, PADDING_SAME); }
        int strideW() { return intField(1, 1); }
        int strideH() { return intField(2, 1); }
        int activation() { return byteField(3, 0); }
        int dilationW() { return intField(4, 1); }
        int dilationH() { return intField(5, 1); }
    }

    /** {@code table DepthwiseConv2DOptions}. */
    static final class DepthwiseConv2DOptions extends Base {
        int padding() { return byteField(0, PADDING_SAME); }
        int strideW() { return intField(1, 1); }
        int strideH() { return intField(2, 1); }
        int depthMultiplier() { return intField(3, 0); }
        int activation() { return byteField(4, 0); }
        int dilationW() { return intField(5, 1); }
        int dilationH() { return intField(6, 1); }
    }

    /** {@code table Pool2DOptions}. */
    static final class Pool2DOptions extends Base {
        int padding() { return byteField(0, PADDING_SAME); }
        int strideW() { return intField(1, 1); }
        int strideH() { return intField(2, 1); }
        int filterWidth() { return intField(3, 1); }
        int filterHeight() { return intField(4, 1); }
        int activation() { return byteField(5, 0); }
    }

    /** {@code table FullyConnectedOptions}: fused activation, weights_format, keep_num_dims. */
    static final class FullyConnectedOptions extends Base {
        int activation() { return byteField(0, 0); }
        int weightsFormat() { return byteField(1, 0); }
        boolean keepNumDims() { return boolField(2); }
    }

    /** {@code table SoftmaxOptions}. */
    static final class SoftmaxOptions extends Base {
        float beta() { return floatField(0, 0f); }
    }

    /** {@code table ConcatenationOptions}. */
    static final class ConcatenationOptions extends Base {
        int axis() { return intField(0, 0); }
        int activation() { return byteField(1, 0); }
    }

    /** {@code AddOptions}, {@code MulOptions}, {@code SubOptions}...: fused activation in slot 0. */
    static final class ActivationOptions extends Base {
        int activation() { return byteField(0, 0); }
    }

    /** {@code table ReshapeOptions}. */
    static final class ReshapeOptions extends Base {
        int[] newShape() { return intVector(0); }
    }

    /** {@code table SqueezeOptions}. */
    static final class SqueezeOptions extends Base {
        int[] squeezeDims() { return intVector(0); }
    }

    /** {@code table ReducerOptions}. */
    static final class ReducerOptions extends Base {
        boolean keepDims() { return boolField(0); }
    }
}
