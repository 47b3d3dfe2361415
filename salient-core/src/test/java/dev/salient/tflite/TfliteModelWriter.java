package dev.salient.tflite;

import com.google.flatbuffers.FlatBufferBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Writes small TFLite models with the FlatBuffers builder, field slots as in {@code schema.fbs}, so tests can
 * check single operators without the real models.
 */
final class TfliteModelWriter {
    /** A tensor: shape, element type, optional constant bytes and quantisation. */
    record TensorSpec(String name, int[] shape, int type, byte[] data, float[] scale, long[] zeroPoint, int qdim) {}

    /** An operator: builtin code, tensor indices, options union type and a writer for the options table. */
    record OpSpec(int code, int[] inputs, int[] outputs, int optionsType, ToIntFunction<FlatBufferBuilder> options) {}

    private final List<TensorSpec> tensors = new ArrayList<>();
    private final List<OpSpec> ops = new ArrayList<>();

    int activation(String name, int... shape) {
        return add(new TensorSpec(name, shape, TfliteSchema.FLOAT32, null, null, null, 0));
    }

    int quantisedActivation(String name, int type, float scale, long zeroPoint, int... shape) {
        return add(new TensorSpec(name, shape, type, null, new float[] {scale}, new long[] {zeroPoint}, 0));
    }

    int floats(String name, int[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return add(new TensorSpec(name, shape, TfliteSchema.FLOAT32, b.array(), null, null, 0));
    }

    int ints(String name, int[] shape, int[] values) {
        return ints(name, shape, values, null, 0);
    }

    /** int32 constant, optionally quantised (biases: per-channel scales, zero point 0). */
    int ints(String name, int[] shape, int[] values, float[] scale, int qdim) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) b.putInt(v);
        return add(new TensorSpec(name, shape, TfliteSchema.INT32, b.array(), scale,
                scale == null ? null : new long[scale.length], qdim));
    }

    /** int8 constant, per-channel symmetric along {@code qdim}. */
    int int8(String name, int[] shape, byte[] values, float[] scale, int qdim) {
        return add(new TensorSpec(name, shape, TfliteSchema.INT8, values, scale, new long[scale.length], qdim));
    }

    private int add(TensorSpec t) {
        tensors.add(t);
        return tensors.size() - 1;
    }

    void op(int code, int[] inputs, int[] outputs, int optionsType, ToIntFunction<FlatBufferBuilder> options) {
        ops.add(new OpSpec(code, inputs, outputs, optionsType, options));
    }

    /** Serialises the model with file identifier TFL3. */
    byte[] build(int[] inputs, int[] outputs) {
        FlatBufferBuilder b = new FlatBufferBuilder(1024);

        // Buffers: index 0 is the mandatory empty sentinel; each constant gets its own.
        List<Integer> bufferOffsets = new ArrayList<>();
        b.startTable(3);
        bufferOffsets.add(b.endTable());
        int[] tensorOffsets = new int[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            int buffer = 0;
            if (t.data() != null) {
                int data = b.createByteVector(t.data());
                b.startTable(3);
                b.addOffset(0, data, 0);
                bufferOffsets.add(b.endTable());
                buffer = bufferOffsets.size() - 1;
            }
            int quant = 0;
            if (t.scale() != null) {
                int scale = floatVector(b, t.scale());
                int zero = longVector(b, t.zeroPoint());
                b.startTable(7);
                b.addOffset(2, scale, 0);
                b.addOffset(3, zero, 0);
                b.addInt(6, t.qdim(), 0);
                quant = b.endTable();
            }
            int shape = intVector(b, t.shape());
            int name = b.createString(t.name());
            b.startTable(5);
            b.addOffset(0, shape, 0);
            b.addByte(1, (byte) t.type(), 0);
            b.addInt(2, buffer, 0);
            b.addOffset(3, name, 0);
            if (quant != 0) b.addOffset(4, quant, 0);
            tensorOffsets[i] = b.endTable();
        }

        // One OperatorCode per operator keeps opcode_index trivial.
        int[] codeOffsets = new int[ops.size()];
        int[] opOffsets = new int[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            OpSpec op = ops.get(i);
            b.startTable(4);
            b.addByte(0, (byte) Math.min(op.code(), 127), 0);
            b.addInt(2, 1, 1);
            b.addInt(3, op.code(), 0);
            codeOffsets[i] = b.endTable();
            int options = op.options() == null ? 0 : op.options().applyAsInt(b);
            int in = intVector(b, op.inputs());
            int out = intVector(b, op.outputs());
            b.startTable(5);
            b.addInt(0, i, 0);
            b.addOffset(1, in, 0);
            b.addOffset(2, out, 0);
            if (options != 0) {
                b.addByte(3, (byte) op.optionsType(), 0);
                b.addOffset(4, options, 0);
            }
            opOffsets[i] = b.endTable();
        }

        int tensorsVec = b.createVectorOfTables(tensorOffsets);
        int inVec = intVector(b, inputs);
        int outVec = intVector(b, outputs);
        int opsVec = b.createVectorOfTables(opOffsets);
        int sgName = b.createString("main");
        b.startTable(5);
        b.addOffset(0, tensorsVec, 0);
        b.addOffset(1, inVec, 0);
        b.addOffset(2, outVec, 0);
        b.addOffset(3, opsVec, 0);
        b.addOffset(4, sgName, 0);
        int subgraph = b.endTable();

        int codesVec = b.createVectorOfTables(codeOffsets);
        int subgraphsVec = b.createVectorOfTables(new int[] {subgraph});
        int buffersVec = b.createVectorOfTables(bufferOffsets.stream().mapToInt(Integer::intValue).toArray());
        int description = b.createString("hand-built test model");
        b.startTable(5);
        b.addInt(0, 3, 0);
        b.addOffset(1, codesVec, 0);
        b.addOffset(2, subgraphsVec, 0);
        b.addOffset(3, description, 0);
        b.addOffset(4, buffersVec, 0);
        b.finish(b.endTable(), "TFL3");
        return b.sizedByteArray();
    }

    static int intVector(FlatBufferBuilder b, int[] v) {
        b.startVector(4, v.length, 4);
        for (int i = v.length - 1; i >= 0; i--) b.addInt(v[i]);
        return b.endVector();
    }

    static int floatVector(FlatBufferBuilder b, float[] v) {
        b.startVector(4, v.length, 4);
        for (int i = v.length - 1; i >= 0; i--) b.addFloat(v[i]);
        return b.endVector();
    }

    static int longVector(FlatBufferBuilder b, long[] v) {
        b.startVector(8, v.length, 8);
        for (int i = v.length - 1; i >= 0; i--) b.addLong(v[i]);
        return b.endVector();
    }

    // ---- options tables (slots from schema.fbs; union type numbers from the BuiltinOptions order)

    static final int CONV_2D_OPTIONS = 1, DEPTHWISE_CONV_2D_OPTIONS = 2, POOL_2D_OPTIONS = 5,
            FULLY_CONNECTED_OPTIONS = 8, SOFTMAX_OPTIONS = 9, CONCATENATION_OPTIONS = 10, ADD_OPTIONS = 11,
            RESHAPE_OPTIONS = 17, MUL_OPTIONS = 21, PAD_OPTIONS = 22, REDUCER_OPTIONS = 27;

    static ToIntFunction<FlatBufferBuilder> conv(int padding, int stride, int dilation, int activation) {
        return b -> {
            b.startTable(6);
            b.addByte(0, (byte) padding, 0);
            b.addInt(1, stride, 0);
            b.addInt(2, stride, 0);
            b.addByte(3, (byte) activation, 0);
            b.addInt(4, dilation, 1);
            b.addInt(5, dilation, 1);
            return b.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> depthwise(int padding, int stride, int multiplier, int dilation,
            int activation) {
        return b -> {
            b.startTable(7);
            b.addByte(0, (byte) padding, 0);
            b.addInt(1, stride, 0);
            b.addInt(2, stride, 0);
            b.addInt(3, multiplier, 0);
            b.addByte(4, (byte) activation, 0);
            b.addInt(5, dilation, 1);
            b.addInt(6, dilation, 1);
            return b.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> pool(int padding, int stride, int filter, int activation) {
        return b -> {
            b.startTable(6);
            b.addByte(0, (byte) padding, 0);
            b.addInt(1, stride, 0);
            b.addInt(2, stride, 0);
            b.addInt(3, filter, 0);
            b.addInt(4, filter, 0);
            b.addByte(5, (byte) activation, 0);
            return b.endTable();
        };
    }

    /** Tables whose only field is a byte or int in slot 0 (activation, axis, keep_dims...). */
    static ToIntFunction<FlatBufferBuilder> byteOption(int value) {
        return b -> {
            b.startTable(1);
            b.addByte(0, (byte) value, 0);
            return b.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> concatenation(int axis, int activation) {
        return b -> {
            b.startTable(2);
            b.addInt(0, axis, 0);
            b.addByte(1, (byte) activation, 0);
            return b.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> softmax(float beta) {
        return b -> {
            b.startTable(1);
            b.addFloat(0, beta, 0);
            return b.endTable();
        };
    }

    static ToIntFunction<FlatBufferBuilder> empty() {
        return b -> {
            b.startTable(0);
            return b.endTable();
        };
    }
}
