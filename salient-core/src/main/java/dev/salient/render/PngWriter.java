package dev.salient.render;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Encodes rendered images as PNG (lossless: attribution maps must not get JPEG artefacts). */
public final class PngWriter {
    private PngWriter() {}

    /** Writes {@code image} to {@code file} as PNG, creating missing parent folders; replaces an existing file. */
    public static void write(BufferedImage image, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                encode(image, out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write PNG " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** The PNG bytes of {@code image}. */
    public static byte[] toPng(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            encode(image, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory: not expected
        }
        return out.toByteArray();
    }

    private static void encode(BufferedImage image, OutputStream out) throws IOException {
        if (!ImageIO.write(image, "png", out)) {
            throw new IOException("no PNG writer for image type " + image.getType());
        }
    }
}
