package dev.salient.attribution;

import dev.salient.image.Layout;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Tensors#gaussianBlur} reads rows through a padded copy and sums a row at a time; its result must be, bit for
 * bit, that of the definition indexing every tap: deletion, insertion and integrated gradients keep their numbers.
 */
class GaussianBlurTest {
    @Test
    void aPhotoIsBlurredBitForBitAsTheDefinitionReads() {
        float[] bird = Fixtures.image("bird.bmp");
        ImageGeometry g = new ImageGeometry(3, 224, 224, Layout.NCHW);
        for (double sigma : new double[]{5.0, 0.7}) {
            // Arrays.mismatch compares floats by their bits (-0 ≠ 0): -1 when identical, else the first difference
            assertThat(Arrays.mismatch(Tensors.gaussianBlur(bird, g, sigma), byTheDefinition(bird, g, sigma)))
                    .as("sigma " + sigma).isEqualTo(-1);
        }
    }

    @Test
    void anNhwcImageNarrowerThanTheKernelIsBlurredBitForBitAsTheDefinitionReads() {
        // 5 columns and 40 rows against a kernel reaching 8 pixels each side: both edges clamp at once along x
        ImageGeometry g = new ImageGeometry(2, 40, 5, Layout.NHWC);
        SplittableRandom random = new SplittableRandom(7);
        float[] x = new float[g.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        assertThat(Arrays.mismatch(Tensors.gaussianBlur(x, g, 2.5), byTheDefinition(x, g, 2.5))).isEqualTo(-1);
        ImageGeometry single = new ImageGeometry(1, 1, 1, Layout.NHWC);
        assertThat(Tensors.gaussianBlur(new float[]{3f}, single, 2.5)).containsExactly(3f);
    }

    /**
     * t(y, x) = Σ_i k_i x(y, clamp(x + i)), then the same along y, each sum in double from i = −⌈3σ⌉ up, indexing
     * every tap: what the blur computed before it summed rows.
     */
    private static float[] byTheDefinition(float[] x, ImageGeometry g, double sigma) {
        double[] k = Tensors.gaussianKernel(sigma);
        int radius = k.length / 2;
        int h = g.height();
        int w = g.width();
        float[] tmp = new float[x.length];
        float[] out = new float[x.length];
        for (int ch = 0; ch < g.channels(); ch++) {
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double acc = 0;
                    for (int i = -radius; i <= radius; i++) {
                        acc += k[i + radius] * x[g.index(ch, y, Math.min(Math.max(xx + i, 0), w - 1))];
                    }
                    tmp[g.index(ch, y, xx)] = (float) acc;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < w; xx++) {
                    double acc = 0;
                    for (int i = -radius; i <= radius; i++) {
                        acc += k[i + radius] * tmp[g.index(ch, Math.min(Math.max(y + i, 0), h - 1), xx)];
                    }
                    out[g.index(ch, y, xx)] = (float) acc;
                }
            }
        }
        return out;
    }
}
