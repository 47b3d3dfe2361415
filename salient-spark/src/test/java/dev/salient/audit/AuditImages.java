package dev.salient.audit;

import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Resampler;
import dev.salient.testing.SharedData;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * A test dataset made at test time (nothing binary is committed): {@value #VARIANTS} variants of each photo in
 * ../shared/images (crops, flips, quarter turns, scales, as JPEG or PNG, in three sub-folders), plus three bad files
 * (a corrupt JPEG, an empty file, a 100-megapixel PNG bomb) and files every listing must skip (hidden, metadata, not
 * an image). Made once per test JVM.
 */
public final class AuditImages {
    public static final int VARIANTS = 12;
    /** Relative paths of the bad files. */
    public static final String CORRUPT = "faults/corrupt.jpg";
    public static final String EMPTY = "faults/empty.png";
    public static final String BOMB = "faults/bomb.png";

    private static Path dataset;

    private AuditImages() {}

    /** The dataset's folder (made on first use, removed when the JVM exits). */
    public static synchronized Path dataset() {
        if (dataset == null) {
            try {
                Path dir = Files.createTempDirectory("salient-audit-images-");
                generate(dir);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
                dataset = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dataset;
    }

    /** How many image files (good and bad) the dataset holds. */
    public static int files() {
        return photos().size() * VARIANTS + 3;
    }

    static List<Path> photos() {
        try (Stream<Path> files = Files.list(SharedData.path("images"))) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void generate(Path dir) throws IOException {
        for (Path photo : photos()) {
            BufferedImage original = ImageDecoder.decode(photo, ImageLimits.DEFAULT);
            String stem = photo.getFileName().toString().replaceAll("\\.[^.]+$", "");
            for (int v = 0; v < VARIANTS; v++) {
                BufferedImage variant = variant(original, v);
                String format = v % 2 == 0 ? "jpg" : "png";
                Path file = dir.resolve("set" + v % 3).resolve(stem + "_" + v + "." + (v % 4 == 1 ? "PNG" : format));
                Files.createDirectories(file.getParent());
                if (!ImageIO.write(variant, format.equals("jpg") ? "jpeg" : "png", file.toFile())) {
                    throw new IOException("no ImageIO writer for " + format);
                }
            }
        }
        Path faults = Files.createDirectories(dir.resolve("faults"));
        byte[] corrupt = new byte[4000];
        new Random(14).nextBytes(corrupt);
        corrupt[0] = (byte) 0xFF;
        corrupt[1] = (byte) 0xD8;
        corrupt[2] = (byte) 0xFF;
        Files.write(dir.resolve(CORRUPT), corrupt);
        Files.write(dir.resolve(EMPTY), new byte[0]);
        Files.write(dir.resolve(BOMB), pngBomb(10_000, 10_000));
        Files.writeString(faults.resolve("README.txt"), "not an image: never listed");
        Files.writeString(faults.resolve(".DS_Store"), "hidden: never listed");
        Files.writeString(dir.resolve("_SUCCESS.png"), "metadata name: never listed");
    }

    /** Variant v: a crop, a scale to a longest side of 160–270 px, a mirror for odd v, a quarter turn for v % 5 == 4. */
    static BufferedImage variant(BufferedImage img, int v) {
        int w = img.getWidth();
        int h = img.getHeight();
        double keep = 1 - 0.04 * (v % 5);
        int cw = (int) (w * keep);
        int ch = (int) (h * keep);
        BufferedImage crop = img.getSubimage((w - cw) * (v % 3) / 2, (h - ch) * ((v + 1) % 3) / 2, cw, ch);
        double scale = (160 + 10 * v) / (double) Math.max(cw, ch);
        BufferedImage small = Resampler.resize(crop, Math.max(1, (int) (cw * scale)), Math.max(1, (int) (ch * scale)));
        int sw = small.getWidth();
        int sh = small.getHeight();
        boolean turn = v % 5 == 4;
        BufferedImage out = new BufferedImage(turn ? sh : sw, turn ? sw : sh, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                int sx = v % 2 == 1 ? sw - 1 - x : x;
                int rgb = small.getRGB(sx, y);
                if (turn) {
                    out.setRGB(sh - 1 - y, x, rgb);
                } else {
                    out.setRGB(x, y, rgb);
                }
            }
        }
        return out;
    }

    /** A valid 1-bit greyscale PNG of width × height black pixels: tiny on disk, huge decoded. */
    static byte[] pngBomb(int width, int height) throws IOException {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        DataOutputStream ihdr = new DataOutputStream(header);
        ihdr.writeInt(width);
        ihdr.writeInt(height);
        ihdr.write(new byte[]{1, 0, 0, 0, 0}); // bit depth 1, greyscale, deflate, adaptive filter, no interlace
        chunk(file, "IHDR", header.toByteArray());
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(data, new Deflater(9))) {
            byte[] row = new byte[1 + (width + 7) / 8]; // filter byte 0, then zero bits
            for (int y = 0; y < height; y++) {
                z.write(row);
            }
        }
        chunk(file, "IDAT", data.toByteArray());
        chunk(file, "IEND", new byte[0]);
        return file.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeInt(data.length);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        d.write(name);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    static void deleteQuietly(Path dir) {
        try {
            LocalAudit.deleteTree(dir);
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
