package dev.salient.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.salient.testing.SharedData;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

    /** A 4×3 image with distinct, known R, G, B per pixel: R = 10·x, G = 20·y, B = 100 + x + 10·y. */
    private static BufferedImage known() {
        BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                img.setRGB(x, y, (10 * x) << 16 | (20 * y) << 8 | (100 + x + 10 * y));
            }
        }
        return img;
    }

    @Test
    void nchwPutsChannelPlanesOneAfterAnother() {
        float[] t = Preprocessor.toTensor(known(), new Preprocessing(4, 3, ResizeMode.STRETCH, 1, Layout.NCHW, 1,
                new double[] {0, 0, 0}, new double[] {1, 1, 1}));
        assertThat(t).hasSize(3 * 3 * 4);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                assertThat(t[0 * 12 + y * 4 + x]).isCloseTo(10 * x, within(1e-4f));
                assertThat(t[1 * 12 + y * 4 + x]).isCloseTo(20 * y, within(1e-4f));
                assertThat(t[2 * 12 + y * 4 + x]).isCloseTo(100 + x + 10 * y, within(1e-4f));
            }
        }
    }

    @Test
    void nhwcInterleavesChannelsPerPixel() {
        float[] t = Preprocessor.toTensor(known(), Preprocessing.unitRange(4, 3, Layout.NHWC));
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                int pixel = (y * 4 + x) * 3;
                assertThat(t[pixel]).isCloseTo(10 * x / 255f, within(1e-6f));
                assertThat(t[pixel + 1]).isCloseTo(20 * y / 255f, within(1e-6f));
                assertThat(t[pixel + 2]).isCloseTo((100 + x + 10 * y) / 255f, within(1e-6f));
            }
        }
    }

    @Test
    void meanAndStdArePerChannel() {
        BufferedImage flat = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 2; x++) {
                flat.setRGB(x, y, 255 << 16 | 0 << 8 | 51);
            }
        }
        Preprocessing p = new Preprocessing(2, 2, ResizeMode.STRETCH, 1, Layout.NCHW, 1.0 / 255,
                new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
        float[] t = Preprocessor.toTensor(flat, p);
        assertThat(t[0]).isCloseTo((float) ((1.0 - 0.485) / 0.229), within(1e-5f));
        assertThat(t[4]).isCloseTo((float) ((0.0 - 0.456) / 0.224), within(1e-5f));
        assertThat(t[8]).isCloseTo((float) ((0.2 - 0.406) / 0.225), within(1e-5f));
    }

    @Test
    void imagenetFactoryMatchesTorchvision() {
        Preprocessing p = Preprocessing.imagenet(224, 224, Layout.NCHW);
        assertThat(p.resize()).isEqualTo(ResizeMode.CENTER_CROP);
        assertThat(p.cropFraction()).isEqualTo(0.875);
        assertThat(p.mean()).containsExactly(0.485, 0.456, 0.406);
        assertThat(p.std()).containsExactly(0.229, 0.224, 0.225);
        assertThat(p).isEqualTo(Preprocessing.imagenet(224, 224, Layout.NCHW));
    }

    @Test
    void stretchSeesTheWholePhoto() {
        assertThat(Preprocessor.sourceRegion(1280, 720, Preprocessing.unitRange(224, 224, Layout.NCHW)))
                .isEqualTo(new Rectangle(0, 0, 1280, 720));
    }

    @Test
    void centreCropKeepsTheCropFractionOfTheShorterSide() {
        Preprocessing p = Preprocessing.imagenet(224, 224, Layout.NCHW);
        // Landscape: shorter side 720 -> square of 0.875 · 720 = 630, centred.
        assertThat(Preprocessor.sourceRegion(1280, 720, p)).isEqualTo(new Rectangle(325, 45, 630, 630));
        // Portrait 512×929 (parrot.jpg): 0.875 · 512 = 448.
        assertThat(Preprocessor.sourceRegion(512, 929, p)).isEqualTo(new Rectangle(32, 240, 448, 448));
        // Crop fraction 1 on a square photo: everything.
        Preprocessing full = new Preprocessing(224, 224, ResizeMode.CENTER_CROP, 1, Layout.NCHW, 1,
                new double[3], new double[] {1, 1, 1});
        assertThat(Preprocessor.sourceRegion(500, 500, full)).isEqualTo(new Rectangle(0, 0, 500, 500));
        // Non-square input 300×200 on a 600×600 photo: scale 0.5 covers it; region 600×400.
        Preprocessing wide = new Preprocessing(300, 200, ResizeMode.CENTER_CROP, 1, Layout.NCHW, 1,
                new double[3], new double[] {1, 1, 1});
        assertThat(Preprocessor.sourceRegion(600, 600, wide)).isEqualTo(new Rectangle(0, 100, 600, 400));
    }

    @Test
    void centreCropTensorShowsOnlyTheCentre() {
        // 12×4 photo: 4 black columns, 4 white, 4 black. Crop fraction 1 to 4×4 keeps exactly the white middle.
        BufferedImage img = new BufferedImage(12, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 4; x < 8; x++) {
                img.setRGB(x, y, 0xFFFFFF);
            }
        }
        Preprocessing p = new Preprocessing(4, 4, ResizeMode.CENTER_CROP, 1, Layout.NCHW, 1.0 / 255,
                new double[3], new double[] {1, 1, 1});
        assertThat(Preprocessor.sourceRegion(12, 4, p)).isEqualTo(new Rectangle(4, 0, 4, 4));
        for (float v : Preprocessor.toTensor(img, p)) {
            assertThat(v).isCloseTo(1f, within(1e-6f));
        }
    }

    @Test
    void downscalingAFinePatternDoesNotAlias() {
        // A 1-pixel checkerboard has no structure at 224×224: an antialiased resize gives flat mid-grey, while
        // point sampling (nearest, or bilinear without widening the filter) gives black/white moiré.
        BufferedImage checker = new BufferedImage(1280, 720, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 720; y++) {
            for (int x = 0; x < 1280; x++) {
                checker.setRGB(x, y, ((x + y) & 1) == 0 ? 0xFFFFFF : 0);
            }
        }
        float[] t = Preprocessor.toTensor(checker, Preprocessing.unitRange(224, 224, Layout.NCHW));
        for (float v : t) {
            assertThat(v).isBetween(0.45f, 0.55f);
        }
    }

    @Test
    void upscalingIsBilinearBetweenPixelCentres() {
        // 2×1 (0, 255) to 4×1: centres at 0.25, 0.75, 1.25, 1.75 in source pixels -> 0, 63.75, 191.25, 255.
        BufferedImage two = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        two.setRGB(1, 0, 0xFFFFFF);
        Preprocessing p = new Preprocessing(4, 1, ResizeMode.STRETCH, 1, Layout.NCHW, 1,
                new double[3], new double[] {1, 1, 1});
        float[] t = Preprocessor.toTensor(two, p);
        assertThat(t[0]).isCloseTo(0f, within(1e-3f));
        assertThat(t[1]).isCloseTo(63.75f, within(1e-3f));
        assertThat(t[2]).isCloseTo(191.25f, within(1e-3f));
        assertThat(t[3]).isCloseTo(255f, within(1e-3f));
    }

    @Test
    void realPhotoGivesATensorOfTheRightLengthAndRange() {
        BufferedImage bird = ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT);
        float[] unit = Preprocessor.toTensor(bird, Preprocessing.unitRange(224, 224, Layout.NCHW));
        assertThat(unit).hasSize(3 * 224 * 224);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : unit) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isGreaterThanOrEqualTo(0f);
        assertThat(max).isLessThanOrEqualTo(1f);
        assertThat(max - min).as("a photo has contrast").isGreaterThan(0.5f);

        float[] norm = Preprocessor.toTensor(bird, Preprocessing.imagenet(224, 224, Layout.NHWC));
        assertThat(norm).hasSize(3 * 224 * 224);
        for (float v : norm) {
            assertThat(v).isBetween(-0.485f / 0.225f - 1e-3f, (1 - 0.406f) / 0.224f + 1e-3f);
        }
    }
}
