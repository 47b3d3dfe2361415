package dev.salient.image;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.jpeg.JpegProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifReader;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;

/**
 * The EXIF Orientation tag (0x0112) of a JPEG and the transform that turns the stored pixels upright.
 *
 * <p>Cameras store pixels in sensor order and record how to display them; browsers and phones apply it, so a
 * model must see the upright photo too. Values: 1 as stored, 2 mirror left–right, 3 rotate 180°, 4 mirror
 * top–bottom, 5 transpose (mirror along the main diagonal), 6 rotate 90° clockwise, 7 transverse (mirror along the
 * anti-diagonal), 8 rotate 90° counter-clockwise.
 */
final class ExifOrientation {
    private ExifOrientation() {}

    /** The orientation recorded in a JPEG's EXIF block; 1 (as stored) when absent, unreadable or out of range. */
    static int read(byte[] jpeg) {
        try {
            Metadata metadata = JpegMetadataReader.readMetadata(new ByteArrayInputStream(jpeg), List.of(new ExifReader()));
            ExifIFD0Directory ifd0 = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (ifd0 == null || !ifd0.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
                return 1;
            }
            int value = ifd0.getInt(ExifIFD0Directory.TAG_ORIENTATION);
            return value >= 1 && value <= 8 ? value : 1;
        } catch (JpegProcessingException | IOException | MetadataException | RuntimeException e) {
            // Broken metadata must not cost the user their photo: the pixels decode fine, show them as stored.
            return 1;
        }
    }

    /** The upright image: {@code out(X, Y) = in(source(X, Y))} for the mapping of the given orientation. */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        int[] in = image.getRGB(0, 0, w, h, null, 0, w);
        boolean swaps = orientation >= 5; // 5..8 exchange width and height
        int outW = swaps ? h : w;
        int outH = swaps ? w : h;
        int[] out = new int[in.length];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    default -> { sx = w - 1 - y; sy = x; } // 8
                }
                out[y * outW + x] = in[sy * w + sx];
            }
        }
        BufferedImage result = new BufferedImage(outW, outH, BufferedImage.TYPE_INT_RGB);
        result.setRGB(0, 0, outW, outH, out, 0, outW);
        return result;
    }
}
