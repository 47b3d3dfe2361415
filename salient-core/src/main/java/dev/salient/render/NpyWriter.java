package dev.salient.render;

import dev.salient.graph.TensorShapes;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes a float32 array as a NumPy {@code .npy} file (format 1.0, little-endian, C order), for numpy users. */
public final class NpyWriter {
    private NpyWriter() {}

    public static void write(Path file, float[] values, long... shape) throws IOException {
        long count = TensorShapes.elementCount(shape);
        if (count != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count
                    + " values, got " + values.length);
        }
        String dims = Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + (shape.length == 1 ? "," : "")
                + "), }";
        int unpadded = 10 + header.length() + 1;
        header = header + " ".repeat((64 - unpadded % 64) % 64) + "\n"; // the data starts 64-byte aligned
        byte[] headerBytes = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(values);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
            out.write(headerBytes.length & 0xFF);
            out.write(headerBytes.length >> 8);
            out.write(headerBytes);
            out.write(data.array());
        }
    }
}
