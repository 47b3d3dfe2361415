package dev.salient.image;

import dev.salient.image.ImageDecodeException.Kind;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes untrusted image files (JPEG, PNG, BMP, GIF, WebP) into upright {@code TYPE_INT_RGB} images.
 *
 * <p>Order of checks, cheapest first: encoded size against {@link ImageLimits#maxBytes()}; the format from the first
 * bytes (not the file name); width × height from the header via {@link ImageReader#getWidth(int)} against
 * {@link ImageLimits#maxPixels()}, so a decompression bomb is refused before any pixel buffer is allocated; then
 * the pixels. JPEGs are decoded by TwelveMonkeys (CMYK/YCCK, broken ICC profiles) and turned upright by their EXIF
 * orientation. Greyscale becomes R = G = B, transparency is composited over white, GIF and WebP animations give
 * their first frame.
 */
public final class ImageDecoder {
    private ImageDecoder() {}

    private static final String SUPPORTED = "not a supported image (PNG, JPEG, BMP, GIF, WebP)";

    /** Reads and decodes an image file; a missing file, a directory or an oversize file is refused by name. */
    public static BufferedImage decode(Path file, ImageLimits limits) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(limits, "limits");
        if (!Files.exists(file)) {
            throw new ImageDecodeException(Kind.UNREADABLE, "image file not found: " + file.toAbsolutePath());
        }
        if (!Files.isRegularFile(file)) {
            throw new ImageDecodeException(Kind.UNREADABLE, "not an image file (a directory or device): "
                    + file.toAbsolutePath());
        }
        byte[] bytes;
        try {
            // Check the size before reading so a huge file is never loaded into memory.
            checkBytes(Files.size(file), limits);
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(Kind.UNREADABLE, "image file not found: " + file.toAbsolutePath(), e);
        } catch (IOException e) {
            throw new ImageDecodeException(Kind.UNREADABLE, "cannot read image file " + file.toAbsolutePath() + ": "
                    + e.getMessage(), e);
        }
        return decode(bytes, limits);
    }

    /** Decodes an encoded image held in memory. */
    public static BufferedImage decode(byte[] bytes, ImageLimits limits) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(limits, "limits");
        if (bytes.length == 0) {
            throw new ImageDecodeException(Kind.UNSUPPORTED, SUPPORTED + ": the file is empty");
        }
        checkBytes(bytes.length, limits);
        ImageFormat format = ImageFormat.sniff(bytes);
        if (format == null) {
            throw new ImageDecodeException(Kind.UNSUPPORTED, SUPPORTED + ": " + describeUnknown(bytes));
        }
        ImageReader reader = readerFor(format);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            reader.setInput(in, true, true);
            int width;
            int height;
            try {
                width = reader.getWidth(0);
                height = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw corrupt(format, e);
            }
            checkPixels(width, height, limits);
            List<String> cutShort = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> {
                if (meansDataIsMissing(warning)) {
                    cutShort.add(warning);
                }
            });
            BufferedImage decoded;
            try {
                decoded = reader.read(0);
            } catch (IOException | RuntimeException e) {
                throw corrupt(format, e);
            }
            if (!cutShort.isEmpty()) {
                // The readers fill the rows they never got with grey and only warn: a silent half photo.
                throw new ImageDecodeException(Kind.CORRUPT, "corrupt " + format.displayName() + ": the file is cut "
                        + "short, it ends before the image data does (" + String.join("; ", cutShort) + ")");
            }
            BufferedImage rgb = toRgb(decoded);
            if (format == ImageFormat.JPEG) {
                rgb = ExifOrientation.apply(rgb, ExifOrientation.read(bytes));
            }
            return rgb;
        } catch (IOException e) {
            throw corrupt(format, e); // closing an in-memory stream; not expected
        } finally {
            reader.dispose();
        }
    }

    /**
     * Whether a reader's warning says the data ran out. ImageIO reports that only as text: the JDK's JPEG reader
     * (which TwelveMonkeys delegates to) says "Truncated File - Missing EOI marker" and libjpeg's "Corrupt JPEG
     * data: premature end of data segment". Other warnings (extraneous bytes, a bad ICC profile) are common in
     * real photos that decode fine, so they are not refused.
     */
    private static boolean meansDataIsMissing(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        return w.contains("truncated") || w.contains("premature end") || w.contains("missing eoi");
    }

    private static void checkBytes(long size, ImageLimits limits) {
        if (size > limits.maxBytes()) {
            throw new ImageDecodeException(Kind.TOO_LARGE, String.format(Locale.ROOT,
                    "file is %.1f MB, above the %s MB upload limit", size / 1e6, plain(limits.maxBytes() / 1e6)));
        }
    }

    private static void checkPixels(int width, int height, ImageLimits limits) {
        if (width <= 0 || height <= 0) {
            throw new ImageDecodeException(Kind.CORRUPT, "image header gives an impossible size of " + width + "x"
                    + height);
        }
        long pixels = (long) width * height;
        if (pixels > limits.maxPixels()) {
            throw new ImageDecodeException(Kind.TOO_LARGE, String.format(Locale.ROOT,
                    "image is %dx%d = %s megapixels, above the limit of %s megapixels", width, height,
                    plain(Math.round(pixels / 1e5) / 10.0), plain(limits.maxPixels() / 1e6)));
        }
    }

    /** "20" rather than "20.0", but "25.3" stays. */
    private static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static ImageDecodeException corrupt(ImageFormat format, Exception e) {
        String detail = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return new ImageDecodeException(Kind.CORRUPT, "corrupt " + format.displayName() + ": " + detail, e);
    }

    private static ImageReader readerFor(ImageFormat format) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.readerName());
        ImageReader fallback = null;
        while (readers.hasNext()) {
            ImageReader candidate = readers.next();
            // Prefer TwelveMonkeys where it exists (JPEG): the JDK reader fails on CMYK and on many real-world files.
            if (candidate.getClass().getName().startsWith("com.twelvemonkeys")) {
                if (fallback != null) {
                    fallback.dispose();
                }
                return candidate;
            }
            if (fallback == null) {
                fallback = candidate;
            } else {
                candidate.dispose();
            }
        }
        if (fallback == null) {
            throw new ImageDecodeException(Kind.UNSUPPORTED, format.displayName() + " images cannot be read: no "
                    + "ImageIO reader on the classpath (is the TwelveMonkeys imageio plug-in, with its "
                    + "META-INF/services files, missing?)");
        }
        return fallback;
    }

    private static String describeUnknown(byte[] bytes) {
        String head = new String(bytes, 0, Math.min(bytes.length, 64), StandardCharsets.ISO_8859_1);
        if (head.length() >= 12 && head.startsWith("ftyp", 4)) {
            String brand = head.substring(8, 12);
            if (brand.startsWith("hei") || brand.startsWith("hev") || brand.equals("mif1") || brand.equals("msf1")) {
                return "this looks like a HEIC/HEIF photo (iPhone default); export it as JPEG";
            }
            if (brand.startsWith("avi")) {
                return "this looks like an AVIF image; export it as PNG or JPEG";
            }
        }
        if (head.startsWith("II*\0") || head.startsWith("MM\0*")) {
            return "this looks like a TIFF image; export it as PNG or JPEG";
        }
        if (head.startsWith("%PDF")) {
            return "this is a PDF document, not an image";
        }
        String trimmed = head.stripLeading().toLowerCase(Locale.ROOT);
        if (trimmed.startsWith("<svg") || trimmed.startsWith("<?xml")) {
            return "this looks like SVG/XML; rasterise it to PNG first";
        }
        if (trimmed.startsWith("<")) {
            return "this looks like an HTML page (a download that failed?), not an image";
        }
        StringBuilder hex = new StringBuilder("it starts with bytes");
        for (int i = 0; i < Math.min(bytes.length, 8); i++) {
            hex.append(String.format(Locale.ROOT, " %02X", bytes[i] & 0xFF));
        }
        return hex.toString();
    }

    /** Converts any decoded image to {@code TYPE_INT_RGB}: grey replicated to R = G = B, alpha composited on white. */
    static BufferedImage toRgb(BufferedImage src) {
        if (src.getType() == BufferedImage.TYPE_INT_RGB) {
            return src;
        }
        ColorModel cm = src.getColorModel();
        if (cm instanceof ComponentColorModel && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            return greyToRgb(src, cm);
        }
        BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.drawImage(src, 0, 0, null); // SrcOver: rgb·a + white·(1 − a)
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * Grey samples copied to R = G = B. Done by hand because Java's grey colour space is linear: going through
     * {@code getRGB} or a colour conversion would gamma-brighten every pixel (grey 100 would become ~170).
     */
    private static BufferedImage greyToRgb(BufferedImage src, ColorModel cm) {
        Raster raster = src.getRaster();
        int w = src.getWidth();
        int h = src.getHeight();
        double greyMax = (1L << cm.getComponentSize(0)) - 1;
        boolean alpha = cm.hasAlpha() && raster.getNumBands() > 1;
        double alphaMax = alpha ? (1L << cm.getComponentSize(1)) - 1 : 1;
        boolean premultiplied = cm.isAlphaPremultiplied();
        int[] grey = new int[w];
        int[] a = new int[w];
        int[] row = new int[w];
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, grey);
            if (alpha) {
                raster.getSamples(0, y, w, 1, 1, a);
            }
            for (int x = 0; x < w; x++) {
                double g = grey[x] * 255.0 / greyMax;
                if (alpha) {
                    double t = a[x] / alphaMax;
                    g = (premultiplied ? g : g * t) + 255.0 * (1 - t);
                }
                int v = (int) Math.max(0, Math.min(255, Math.round(g)));
                row[x] = (v << 16) | (v << 8) | v;
            }
            out.setRGB(0, y, w, 1, row, 0, w);
        }
        return out;
    }
}
