package dev.salient.image;

import static dev.salient.image.TestImages.BLUE;
import static dev.salient.image.TestImages.GREEN;
import static dev.salient.image.TestImages.RED;
import static dev.salient.image.TestImages.WHITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.salient.testing.SharedData;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {

    private static final ImageLimits LIMITS = ImageLimits.DEFAULT;

    @ParameterizedTest
    @ValueSource(strings = {"png", "bmp", "gif"})
    void losslessFormatsDecodeExactly(String format) {
        BufferedImage original = TestImages.quadrants(10, 6);
        BufferedImage decoded = ImageDecoder.decode(TestImages.encode(original, format), LIMITS);
        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(decoded.getWidth()).isEqualTo(10);
        assertThat(decoded.getHeight()).isEqualTo(6);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 10; x++) {
                assertThat(rgb(decoded, x, y)).as("%s pixel (%d,%d)", format, x, y).isEqualTo(original.getRGB(x, y) & 0xFFFFFF);
            }
        }
    }

    @Test
    void jpegDecodesWithinCompressionError() {
        BufferedImage decoded = ImageDecoder.decode(TestImages.jpeg(TestImages.quadrants(64, 32)), LIMITS);
        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(decoded.getWidth()).isEqualTo(64);
        assertThat(decoded.getHeight()).isEqualTo(32);
        assertQuadrants(decoded, RED, GREEN, BLUE, WHITE);
    }

    @Test
    void losslessWebPDecodes() {
        byte[] webp = TestImages.webpLosslessRedBlue(4, 2);
        BufferedImage decoded = ImageDecoder.decode(webp, LIMITS);
        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(decoded.getWidth()).isEqualTo(4);
        assertThat(decoded.getHeight()).isEqualTo(2);
        for (int y = 0; y < 2; y++) {
            assertThat(rgb(decoded, 0, y)).isEqualTo(RED);
            assertThat(rgb(decoded, 1, y)).isEqualTo(RED);
            assertThat(rgb(decoded, 2, y)).isEqualTo(BLUE);
            assertThat(rgb(decoded, 3, y)).isEqualTo(BLUE);
        }
    }

    /**
     * The stored image has red top-left, green top-right, blue bottom-left, white bottom-right; the expected upright
     * corners (TL, TR, BL, BR) for each EXIF orientation are written out by hand from the EXIF definitions.
     */
    @ParameterizedTest(name = "orientation {0}")
    @CsvSource({
        "1, R, G, B, W",
        "2, G, R, W, B", // mirror left-right
        "3, W, B, G, R", // rotate 180
        "4, B, W, R, G", // mirror top-bottom
        "5, R, B, G, W", // transpose
        "6, B, R, W, G", // rotate 90 clockwise: the bottom-left corner comes to the top-left
        "7, W, G, B, R", // transverse
        "8, G, W, R, B", // rotate 90 counter-clockwise: the top-right corner comes to the top-left
    })
    void exifOrientationIsApplied(int orientation, char tl, char tr, char bl, char br) {
        byte[] jpeg = TestImages.withExifOrientation(TestImages.jpeg(TestImages.quadrants(64, 32)), orientation);
        BufferedImage decoded = ImageDecoder.decode(jpeg, LIMITS);
        boolean swapped = orientation >= 5;
        assertThat(decoded.getWidth()).isEqualTo(swapped ? 32 : 64);
        assertThat(decoded.getHeight()).isEqualTo(swapped ? 64 : 32);
        assertQuadrants(decoded, colour(tl), colour(tr), colour(bl), colour(br));
    }

    @Test
    void greyscalePngKeepsItsLevels() {
        BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 100, 255});
        BufferedImage decoded = ImageDecoder.decode(TestImages.encode(grey, "png"), LIMITS);
        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        // Not gamma-brightened: grey 100 stays (100, 100, 100).
        assertThat(rgb(decoded, 0, 0)).isEqualTo(0x000000);
        assertThat(rgb(decoded, 1, 0)).isEqualTo(0x646464);
        assertThat(rgb(decoded, 2, 0)).isEqualTo(0xFFFFFF);
    }

    @Test
    void greyscaleJpegBecomesRgb() {
        BufferedImage grey = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        int[] level = new int[16 * 16];
        Arrays.fill(level, 100);
        grey.getRaster().setSamples(0, 0, 16, 16, 0, level);
        BufferedImage decoded = ImageDecoder.decode(TestImages.jpeg(grey), LIMITS);
        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        int p = rgb(decoded, 8, 8);
        for (int c : new int[] {p >> 16, (p >> 8) & 0xFF, p & 0xFF}) {
            assertThat(c).isBetween(98, 102);
        }
    }

    @Test
    void alphaIsCompositedOverWhite() {
        BufferedImage argb = new BufferedImage(3, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00FF0000);  // fully transparent red -> white
        argb.setRGB(1, 0, 0x800000FF);  // half-transparent blue -> (127, 127, 255)
        argb.setRGB(2, 0, 0xFF00FF00);  // opaque green stays
        BufferedImage decoded = ImageDecoder.decode(TestImages.encode(argb, "png"), LIMITS);
        assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(rgb(decoded, 0, 0)).isEqualTo(WHITE);
        int half = rgb(decoded, 1, 0);
        assertThat(half >> 16).isBetween(126, 128);
        assertThat((half >> 8) & 0xFF).isBetween(126, 128);
        assertThat(half & 0xFF).isEqualTo(255);
        assertThat(rgb(decoded, 2, 0)).isEqualTo(GREEN);
    }

    @Test
    void greyWithAlphaIsCompositedOverWhite() {
        BufferedImage ga = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        ga.setRGB(0, 0, 0x00000000);
        ga.setRGB(1, 0, 0xFF646464);
        BufferedImage decoded = ImageDecoder.decode(TestImages.encode(ga, "png"), LIMITS);
        assertThat(rgb(decoded, 0, 0)).isEqualTo(WHITE);
        assertThat(rgb(decoded, 1, 0)).isEqualTo(0x646464);
    }

    @Test
    void unknownBytesAreRefusedWithTheSupportedFormats() {
        byte[] noise = new byte[200];
        new Random(1).nextBytes(noise);
        noise[0] = 0x13;
        assertThatThrownBy(() -> ImageDecoder.decode(noise, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageStartingWith("not a supported image (PNG, JPEG, BMP, GIF, WebP): it starts with bytes 13 ");
    }

    @Test
    void emptyAndRecognisedForeignFormatsGetSpecificMessages() {
        assertThatThrownBy(() -> ImageDecoder.decode(new byte[0], LIMITS))
                .isInstanceOf(ImageDecodeException.class).hasMessageContaining("empty");
        byte[] heic = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0};
        assertThatThrownBy(() -> ImageDecoder.decode(heic, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageStartingWith("not a supported image (PNG, JPEG, BMP, GIF, WebP)")
                .hasMessageContaining("HEIC");
        byte[] html = "<!DOCTYPE html><html>".getBytes();
        assertThatThrownBy(() -> ImageDecoder.decode(html, LIMITS)).hasMessageContaining("HTML");
    }

    @Test
    void jpegWithGarbageAfterTheMarkerIsCorrupt() {
        byte[] bytes = new byte[300];
        new Random(7).nextBytes(bytes);
        bytes[0] = (byte) 0xFF;
        bytes[1] = (byte) 0xD8;
        bytes[2] = (byte) 0xFF;
        assertThatThrownBy(() -> ImageDecoder.decode(bytes, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageStartingWith("corrupt JPEG: ");
    }

    @Test
    void truncatedPngIsCorrupt() {
        byte[] png = TestImages.encode(TestImages.quadrants(40, 40), "png");
        byte[] truncated = Arrays.copyOf(png, 45); // signature + IHDR + a few bytes of the next chunk
        assertThatThrownBy(() -> ImageDecoder.decode(truncated, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageStartingWith("corrupt PNG: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"parrot.jpg", "dog.jpg"})
    void truncatedJpegIsCorruptNotHalfGrey(String name, @TempDir Path dir) throws IOException {
        byte[] whole = Files.readAllBytes(SharedData.image(name));
        Path half = Files.write(dir.resolve(name), Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> ImageDecoder.decode(half, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageStartingWith("corrupt JPEG: the file is cut short")
                .hasMessageContaining("Missing EOI marker");
        // All but the last byte (the end marker itself) is cut short too.
        byte[] noEnd = Arrays.copyOf(whole, whole.length - 1);
        assertThatThrownBy(() -> ImageDecoder.decode(noEnd, LIMITS)).hasMessageContaining("cut short");
        assertThat(ImageDecoder.decode(whole, LIMITS).getWidth()).isPositive();
    }

    @Test
    void pngBombIsRefusedFromItsHeader() {
        byte[] bomb = TestImages.pngHeaderOnly(100_000, 100_000);
        // Decoding would need 40 GB: an OutOfMemoryError or a timeout here would mean pixels were allocated.
        ImageDecodeException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> catchDecode(bomb, LIMITS));
        assertThat(e).hasMessage("image is 100000x100000 = 10000 megapixels, above the limit of 50 megapixels");
    }

    @Test
    void jpegAndGifBombsAreRefusedFromTheirHeaders() {
        ImageDecodeException jpeg = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> catchDecode(TestImages.jpegClaiming(60_000, 60_000), LIMITS));
        assertThat(jpeg).hasMessage("image is 60000x60000 = 3600 megapixels, above the limit of 50 megapixels");
        ImageDecodeException gif = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> catchDecode(TestImages.gifBomb(), LIMITS));
        assertThat(gif).hasMessage("image is 65535x65535 = 4294.8 megapixels, above the limit of 50 megapixels");
    }

    @Test
    void pixelLimitIsInclusive() {
        byte[] png = TestImages.encode(TestImages.quadrants(10, 10), "png");
        assertThat(ImageDecoder.decode(png, new ImageLimits(1_000_000, 100)).getWidth()).isEqualTo(10);
        assertThatThrownBy(() -> ImageDecoder.decode(png, new ImageLimits(1_000_000, 99)))
                .isInstanceOf(ImageDecodeException.class).hasMessageContaining("10x10");
    }

    @Test
    void oversizeBytesAreRefused() {
        byte[] big = new byte[25_300_000];
        big[0] = (byte) 0xFF; // even a plausible JPEG start is not looked at
        assertThatThrownBy(() -> ImageDecoder.decode(big, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessage("file is 25.3 MB, above the 20 MB upload limit");
    }

    @Test
    void oversizeFileIsRefusedBeforeReading(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("huge.jpg");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(25_300_000); // sparse: costs no disk
        }
        assertThatThrownBy(() -> ImageDecoder.decode(file, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessage("file is 25.3 MB, above the 20 MB upload limit");
    }

    @Test
    void missingFileNamesThePath(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-photo.jpg");
        assertThatThrownBy(() -> ImageDecoder.decode(missing, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining("not found")
                .hasMessageContaining(missing.toAbsolutePath().toString());
        assertThatThrownBy(() -> ImageDecoder.decode(dir, LIMITS))
                .isInstanceOf(ImageDecodeException.class)
                .hasMessageContaining(dir.toAbsolutePath().toString());
    }

    @Test
    void fileRoundTrip(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("q.png");
        Files.write(file, TestImages.encode(TestImages.quadrants(8, 4), "png"));
        BufferedImage decoded = ImageDecoder.decode(file, LIMITS);
        assertThat(rgb(decoded, 0, 0)).isEqualTo(RED);
        assertThat(rgb(decoded, 7, 3)).isEqualTo(WHITE);
    }

    @ParameterizedTest
    @CsvSource({
        "bird.bmp, 512, 343", "cat.bmp, 512, 341", "dragonfly.bmp, 512, 418", "cat_720p.jpg, 1280, 720",
        "dog.jpg, 768, 576", "eagle.jpg, 773, 512", "giraffe.jpg, 500, 500", "horses.jpg, 773, 512",
        "hot_dog.jpg, 512, 384", "kite.jpg, 1352, 900", "parrot.jpg, 512, 929", "person.jpg, 640, 424",
        "scream.jpg, 352, 448",
    })
    void realPhotosDecode(String name, int width, int height) {
        BufferedImage photo = ImageDecoder.decode(SharedData.image(name), LIMITS);
        assertThat(photo.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(photo.getWidth()).isEqualTo(width);
        assertThat(photo.getHeight()).isEqualTo(height);
        // A real photo has many colours along its middle row (catches a reader that returns a blank buffer).
        long distinct = Arrays.stream(photo.getRGB(0, height / 2, width, 1, null, 0, width)).distinct().count();
        assertThat(distinct).isGreaterThan(50);
    }

    private static ImageDecodeException catchDecode(byte[] bytes, ImageLimits limits) {
        try {
            ImageDecoder.decode(bytes, limits);
        } catch (ImageDecodeException e) {
            return e;
        }
        throw new AssertionError("expected the image to be refused");
    }

    private static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFFFFFF;
    }

    private static int colour(char c) {
        return switch (c) {
            case 'R' -> RED;
            case 'G' -> GREEN;
            case 'B' -> BLUE;
            case 'W' -> WHITE;
            default -> throw new IllegalArgumentException("colour " + c);
        };
    }

    /** Checks the centre of each quadrant to within JPEG error. */
    private static void assertQuadrants(BufferedImage img, int tl, int tr, int bl, int br) {
        int w = img.getWidth();
        int h = img.getHeight();
        assertClose(rgb(img, w / 4, h / 4), tl, "top-left");
        assertClose(rgb(img, 3 * w / 4, h / 4), tr, "top-right");
        assertClose(rgb(img, w / 4, 3 * h / 4), bl, "bottom-left");
        assertClose(rgb(img, 3 * w / 4, 3 * h / 4), br, "bottom-right");
    }

    private static void assertClose(int actual, int expected, String where) {
        for (int shift = 0; shift <= 16; shift += 8) {
            int a = (actual >> shift) & 0xFF;
            int e = (expected >> shift) & 0xFF;
            assertThat(Math.abs(a - e)).as("%s: got #%06X, expected #%06X", where, actual, expected).isLessThanOrEqualTo(12);
        }
    }
}
