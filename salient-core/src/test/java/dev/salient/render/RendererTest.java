package dev.salient.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Layout;
import dev.salient.image.Preprocessing;
import dev.salient.image.Preprocessor;
import dev.salient.testing.SharedData;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RendererTest {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** A w×h image of one colour. */
    static BufferedImage flat(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    private static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFFFFFF;
    }

    @Test
    void demoPipelineOnAHandMadeGradientGivesExactGreys() {
        // 2×2 pixels, 3 channels, NCHW. Per pixel (R, G, B) and the demo's |mean| · 20, clamped, · 255:
        //   (0,0): ( .01,  .02,  .03) -> .02 -> 0.4 -> 102
        //   (1,0): (−.03, −.03, −.03) -> .03 -> 0.6 -> 153
        //   (0,1): ( .03, −.03,  0  ) -> 0   -> 0   -> 0     (signs cancel: the mean is signed)
        //   (1,1): ( .2,   .1,   0  ) -> .1  -> 2→1 -> 255
        float[] nchw = {
            .01f, -.03f, .03f, .2f,   // R plane, row-major
            .02f, -.03f, -.03f, .1f,  // G
            .03f, -.03f, 0f, 0f,      // B
        };
        BufferedImage photo = flat(2, 2, 0x336699);
        BufferedImage out = Renderer.render(photo, new Rectangle(0, 0, 2, 2), nchw, 3, 2, 2, Layout.NCHW,
                RenderOptions.DEMO);
        assertThat(out.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(rgb(out, 0, 0)).isEqualTo(0x666666);
        assertThat(rgb(out, 1, 0)).isEqualTo(0x999999);
        assertThat(rgb(out, 0, 1)).isEqualTo(0x000000);
        assertThat(rgb(out, 1, 1)).isEqualTo(0xFFFFFF);

        // Same numbers interleaved per pixel (NHWC) give the same picture.
        float[] nhwc = new float[12];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 4; i++) {
                nhwc[i * 3 + c] = nchw[c * 4 + i];
            }
        }
        BufferedImage out2 = Renderer.render(photo, new Rectangle(0, 0, 2, 2), nhwc, 3, 2, 2, Layout.NHWC,
                RenderOptions.DEMO);
        assertThat(out2.getRGB(0, 0, 2, 2, null, 0, 2)).containsExactly(out.getRGB(0, 0, 2, 2, null, 0, 2));
    }

    @Test
    void multiplyScalesThePhotoByTheIntensity() {
        BufferedImage photo = flat(4, 4, 200 << 16 | 100 << 8 | 50);
        AttributionMap half = new AttributionMap(1, 1, new float[] {0.5f});
        RenderOptions options = new RenderOptions(ChannelAggregation.SIGNED_MEAN, new Scaling.Sensitivity(1),
                ColorMap.GREY, Overlay.MULTIPLY, 0);
        BufferedImage out = Renderer.render(photo, new Rectangle(0, 0, 4, 4), half, options);
        assertThat(rgb(out, 2, 2)).isEqualTo(100 << 16 | 50 << 8 | 25);
    }

    @Test
    void alphaBlendsTheColouredMapOverThePhoto() {
        BufferedImage photo = flat(4, 4, 200 << 16 | 100 << 8 | 50);
        AttributionMap full = new AttributionMap(1, 1, new float[] {1f});
        RenderOptions options = new RenderOptions(ChannelAggregation.SIGNED_MEAN, new Scaling.Sensitivity(1),
                ColorMap.GREY, Overlay.ALPHA, 0.25);
        BufferedImage out = Renderer.render(photo, new Rectangle(0, 0, 4, 4), full, options);
        // 0.75 · (200, 100, 50) + 0.25 · 255 = (213.75, 138.75, 101.25)
        assertThat(rgb(out, 1, 1)).isEqualTo(214 << 16 | 139 << 8 | 101);
        RenderOptions viridis = new RenderOptions(ChannelAggregation.SIGNED_MEAN, new Scaling.Sensitivity(1),
                ColorMap.VIRIDIS, Overlay.ALPHA, 1.0);
        assertThat(rgb(Renderer.render(photo, new Rectangle(0, 0, 4, 4), full, viridis), 0, 0)).isEqualTo(0xFDE725);
    }

    @Test
    void upsamplingIsSmoothAndFillsThePhoto() {
        // Two hot pixels at the ends of a 4×1 map, stretched over a 200×30 photo.
        AttributionMap map = new AttributionMap(4, 1, new float[] {1, 0, 0, 1});
        RenderOptions grey = new RenderOptions(ChannelAggregation.SIGNED_MEAN, new Scaling.Sensitivity(1),
                ColorMap.GREY, Overlay.MASK, 0);
        BufferedImage out = Renderer.render(flat(200, 30, 0), new Rectangle(0, 0, 200, 30), map, grey);
        assertThat(out.getWidth()).isEqualTo(200);
        assertThat(out.getHeight()).isEqualTo(30);
        int[] row = new int[200];
        for (int x = 0; x < 200; x++) {
            row[x] = rgb(out, x, 15) & 0xFF;
            assertThat(rgb(out, x, 0)).isEqualTo(rgb(out, x, 29)); // one map row: constant down the columns
        }
        // Falls monotonically from the left hot pixel to the middle, then rises to the right one.
        for (int x = 1; x < 100; x++) {
            assertThat(row[x]).as("x=%d", x).isLessThanOrEqualTo(row[x - 1]);
        }
        for (int x = 101; x < 200; x++) {
            assertThat(row[x]).as("x=%d", x).isGreaterThanOrEqualTo(row[x - 1]);
        }
        assertThat(row[0]).isEqualTo(255);
        assertThat(row[99]).isEqualTo(0);
        // Smooth, not nearest-neighbour: many intermediate levels, small steps.
        assertThat(java.util.Arrays.stream(row).distinct().count()).isGreaterThan(40);
        for (int x = 1; x < 200; x++) {
            assertThat(Math.abs(row[x] - row[x - 1])).isLessThanOrEqualTo(6);
        }
    }

    @Test
    void mapIsPlacedInTheSourceRegionOnly() {
        BufferedImage photo = flat(20, 10, 0x808080);
        Rectangle region = new Rectangle(5, 2, 10, 6);
        AttributionMap hot = new AttributionMap(2, 2, new float[] {1, 1, 1, 1});
        RenderOptions mask = new RenderOptions(ChannelAggregation.SIGNED_MEAN, new Scaling.Sensitivity(1),
                ColorMap.GREY, Overlay.MASK, 0);
        BufferedImage m = Renderer.render(photo, region, hot, mask);
        assertThat(rgb(m, 5, 2)).isEqualTo(0xFFFFFF);
        assertThat(rgb(m, 14, 7)).isEqualTo(0xFFFFFF);
        assertThat(rgb(m, 4, 2)).isEqualTo(0);
        assertThat(rgb(m, 15, 7)).isEqualTo(0);
        assertThat(rgb(m, 10, 1)).isEqualTo(0);
        assertThat(rgb(m, 10, 8)).isEqualTo(0);

        BufferedImage a = Renderer.render(photo, region, hot, mask.withOverlay(Overlay.ALPHA, 1));
        assertThat(rgb(a, 10, 4)).isEqualTo(0xFFFFFF);
        assertThat(rgb(a, 0, 0)).isEqualTo(0x808080); // outside: the photo untouched
        BufferedImage mul = Renderer.render(photo, region, hot, mask.withOverlay(Overlay.MULTIPLY, 0));
        assertThat(rgb(mul, 10, 4)).isEqualTo(0x808080);
        assertThat(rgb(mul, 0, 0)).isEqualTo(0);

        assertThatThrownBy(() -> Renderer.render(photo, new Rectangle(15, 0, 10, 10), hot, mask))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signedScalingNeedsADivergingMap() {
        assertThatThrownBy(() -> new RenderOptions(ChannelAggregation.SIGNED_MEAN, new Scaling.SignedPercentile(99),
                ColorMap.VIRIDIS, Overlay.MASK, 0.5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DIVERGING");
        assertThatThrownBy(() -> new RenderOptions(ChannelAggregation.SIGNED_MEAN, new Scaling.SignedPercentile(99),
                ColorMap.DIVERGING, Overlay.MULTIPLY, 0.5)).isInstanceOf(IllegalArgumentException.class);
        RenderOptions diverging = new RenderOptions(ChannelAggregation.SIGNED_MEAN, new Scaling.SignedSensitivity(1),
                ColorMap.DIVERGING, Overlay.MASK, 0.5);
        BufferedImage out = Renderer.render(flat(2, 1, 0), new Rectangle(0, 0, 2, 1),
                new AttributionMap(2, 1, new float[] {-1, 1}), diverging);
        assertThat(rgb(out, 0, 0)).isEqualTo(0x2166AC);
        assertThat(rgb(out, 1, 0)).isEqualTo(0xB2182B);
    }

    @Test
    void realPhotoRendersAtFullResolutionWithEveryOverlay() {
        BufferedImage bird = ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT);
        Preprocessing p = Preprocessing.imagenet(224, 224, Layout.NCHW);
        Rectangle region = Preprocessor.sourceRegion(bird.getWidth(), bird.getHeight(), p);
        float[] gradient = new float[p.tensorLength()];
        Random random = new Random(3);
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] = (float) random.nextGaussian() * 0.01f;
        }
        for (Overlay overlay : Overlay.values()) {
            RenderOptions options = new RenderOptions(ChannelAggregation.ABS_MAX, new Scaling.Percentile(99),
                    ColorMap.INFERNO, overlay, 0.5);
            BufferedImage out = Renderer.render(bird, region, gradient, 3, 224, 224, Layout.NCHW, options);
            assertThat(out.getWidth()).isEqualTo(bird.getWidth());
            assertThat(out.getHeight()).isEqualTo(bird.getHeight());
            assertThat(out.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        }
    }
}
