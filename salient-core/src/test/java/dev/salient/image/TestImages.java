package dev.salient.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Builds small synthetic encoded images in memory, so no binary test files are committed. */
final class TestImages {
    private TestImages() {}

    static final int RED = 0xFF0000;
    static final int GREEN = 0x00FF00;
    static final int BLUE = 0x0000FF;
    static final int WHITE = 0xFFFFFF;

    /** A w×h image whose four quadrants are red (top-left), green (top-right), blue (bottom-left), white. */
    static BufferedImage quadrants(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean right = x >= w / 2;
                boolean bottom = y >= h / 2;
                img.setRGB(x, y, bottom ? (right ? WHITE : BLUE) : (right ? GREEN : RED));
            }
        }
        return img;
    }

    static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A high-quality baseline JPEG (so flat colour blocks survive compression within a few levels). */
    static byte[] jpeg(BufferedImage img) {
        try {
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                ImageWriteParam param = writer.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.98f);
                writer.write(null, new IIOImage(img, null, null), param);
            } finally {
                writer.dispose();
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Inserts an APP1 Exif segment right after SOI holding one IFD0 entry: Orientation (0x0112, SHORT) = value.
     * Big-endian TIFF ("MM").
     */
    static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] tiff = {
            'M', 'M', 0, 42, 0, 0, 0, 8,                // header, IFD0 at offset 8
            0, 1,                                        // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) orientation, 0, 0, // Orientation, SHORT, count 1, value
            0, 0, 0, 0                                   // no next IFD
        };
        byte[] exifHeader = "Exif\0\0".getBytes(StandardCharsets.ISO_8859_1);
        int length = 2 + exifHeader.length + tiff.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2); // SOI
        out.write(0xFF);
        out.write(0xE1);
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.write(exifHeader, 0, exifHeader.length);
        out.write(tiff, 0, tiff.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** A PNG consisting only of a signature and an IHDR announcing width × height (8-bit RGB): a bomb's header. */
    static byte[] pngHeaderOnly(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        byte[] ihdr = new byte[17];
        System.arraycopy("IHDR".getBytes(StandardCharsets.ISO_8859_1), 0, ihdr, 0, 4);
        putInt(ihdr, 4, width);
        putInt(ihdr, 8, height);
        ihdr[12] = 8; // bit depth
        ihdr[13] = 2; // colour type RGB
        byte[] len = new byte[4];
        putInt(len, 0, 13);
        out.writeBytes(len);
        out.writeBytes(ihdr);
        CRC32 crc = new CRC32();
        crc.update(ihdr);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.writeBytes(c);
        return out.toByteArray();
    }

    /** A GIF whose screen and first frame claim 65535 × 65535 pixels, followed by an empty image. */
    static byte[] gifBomb() {
        return new byte[] {
            'G', 'I', 'F', '8', '9', 'a', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0, 0,
            0x2C, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0,
            2, 2, 0x4C, 0x01, 0, 0x3B
        };
    }

    /** A real JPEG whose SOF0 header is patched to claim width × height. */
    static byte[] jpegClaiming(int width, int height) {
        byte[] jpeg = jpeg(quadrants(16, 16));
        for (int i = 2; i + 8 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 5] = (byte) (height >> 8);
                jpeg[i + 6] = (byte) height;
                jpeg[i + 7] = (byte) (width >> 8);
                jpeg[i + 8] = (byte) width;
                return jpeg;
            }
        }
        throw new IllegalStateException("no SOF0 marker in the test JPEG");
    }

    /**
     * A lossless WebP (VP8L) of {@code width × height} whose left half is red and right half blue, encoded by hand
     * with "simple" prefix codes: green and alpha have one symbol (0 bits per pixel), red and blue two symbols each
     * {0, 255} (1 bit per pixel; the smaller symbol gets code 0).
     */
    static byte[] webpLosslessRedBlue(int width, int height) {
        BitWriter bits = new BitWriter();
        bits.write(0x2F, 8);            // VP8L signature
        bits.write(width - 1, 14);
        bits.write(height - 1, 14);
        bits.write(0, 1);               // alpha_is_used
        bits.write(0, 3);               // version
        bits.write(0, 1);               // no transform
        bits.write(0, 1);               // no colour cache
        bits.write(0, 1);               // no meta prefix codes
        simpleCode(bits, 0);            // green: always 0
        simpleCode(bits, 0, 255);       // red
        simpleCode(bits, 0, 255);       // blue
        simpleCode(bits, 255);          // alpha: opaque
        simpleCode(bits, 0);            // distance: unused
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                boolean red = x < width / 2;
                bits.write(red ? 1 : 0, 1); // red 255 or 0
                bits.write(red ? 0 : 1, 1); // blue 0 or 255
            }
        }
        byte[] vp8l = bits.toByteArray();
        int padded = vp8l.length + (vp8l.length & 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(le32(4 + 8 + padded));
        out.writeBytes("WEBP".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes("VP8L".getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(le32(vp8l.length));
        out.writeBytes(vp8l);
        if ((vp8l.length & 1) == 1) {
            out.write(0);
        }
        return out.toByteArray();
    }

    private static void simpleCode(BitWriter bits, int... symbols) {
        bits.write(1, 1);                       // simple code
        bits.write(symbols.length - 1, 1);      // number of symbols − 1
        boolean eightBits = symbols[0] > 1;
        bits.write(eightBits ? 1 : 0, 1);
        bits.write(symbols[0], eightBits ? 8 : 1);
        if (symbols.length == 2) {
            bits.write(symbols[1], 8);
        }
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    private static void putInt(byte[] b, int offset, int v) {
        b[offset] = (byte) (v >> 24);
        b[offset + 1] = (byte) (v >> 16);
        b[offset + 2] = (byte) (v >> 8);
        b[offset + 3] = (byte) v;
    }

    /** VP8L packs bits least-significant first. */
    private static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int current;
        private int used;

        void write(int value, int count) {
            for (int i = 0; i < count; i++) {
                current |= ((value >> i) & 1) << used;
                if (++used == 8) {
                    out.write(current);
                    current = 0;
                    used = 0;
                }
            }
        }

        byte[] toByteArray() {
            if (used > 0) {
                out.write(current);
                current = 0;
                used = 0;
            }
            return out.toByteArray();
        }
    }
}
