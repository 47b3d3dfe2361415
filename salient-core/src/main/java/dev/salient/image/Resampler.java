package dev.salient.image;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;

/**
 * Separable bilinear resampling with area-style antialiasing, the algorithm of Pillow's {@code Image.resize(...,
 * BILINEAR)} and of torchvision's {@code Resize(antialias=True)}.
 *
 * <p>Each output sample is a normalised weighted sum of input samples under a triangle (tent) filter centred at the
 * output pixel's centre mapped into the input, {@code (o + 0.5) · in/out} (half-pixel centres, no corner alignment).
 * When upscaling the tent has radius 1 input pixel: plain bilinear interpolation, edges clamped. When downscaling by a
 * factor s the tent is stretched to radius s, so every input pixel contributes: a 1280×720 photo shrunk to 224×224
 * averages ~6×3 pixels per output instead of sampling 4 of them, which is what prevents aliasing. Unlike Pillow, no
 * rounding to 8 bits happens between or after the two passes.
 */
public final class Resampler {
    private Resampler() {}

    /**
     * Resizes an image of interleaved float channels ({@code index = (y·w + x)·channels + c}).
     *
     * @return {@code dstW · dstH · channels} floats, same interleaving
     */
    public static float[] resize(float[] src, int srcW, int srcH, int channels, int dstW, int dstH) {
        checkSizes(srcW, srcH, dstW, dstH);
        if (channels <= 0 || src.length != (long) srcW * srcH * channels) {
            throw new IllegalArgumentException("expected " + srcW + "x" + srcH + "x" + channels + " = "
                    + (long) srcW * srcH * channels + " values, got " + src.length);
        }
        Weights horizontal = Weights.of(srcW, dstW);
        float[] rows = new float[srcH * dstW * channels];
        float[] line = new float[srcW * channels];
        for (int y = 0; y < srcH; y++) {
            System.arraycopy(src, y * srcW * channels, line, 0, line.length);
            horizontal.apply(line, channels, rows, y * dstW * channels);
        }
        return vertical(rows, srcH, dstW * channels, dstH);
    }

    /**
     * Resizes the {@code region} of {@code image} to {@code dstW × dstH} RGB samples in 0..255 (not rounded).
     *
     * @return {@code dstW · dstH · 3} floats interleaved R, G, B per pixel, row-major
     */
    public static float[] resizeRgb(BufferedImage image, Rectangle region, int dstW, int dstH) {
        if (!new Rectangle(0, 0, image.getWidth(), image.getHeight()).contains(region) || region.isEmpty()) {
            throw new IllegalArgumentException("region " + region + " is not inside the " + image.getWidth() + "x"
                    + image.getHeight() + " image");
        }
        checkSizes(region.width, region.height, dstW, dstH);
        Weights horizontal = Weights.of(region.width, dstW);
        float[] rows = new float[region.height * dstW * 3];
        int[] packed = new int[region.width];
        float[] line = new float[region.width * 3];
        // Row by row: a 50-megapixel photo is never expanded to floats as a whole, only one row at a time.
        for (int y = 0; y < region.height; y++) {
            image.getRGB(region.x, region.y + y, region.width, 1, packed, 0, region.width);
            for (int x = 0; x < region.width; x++) {
                int p = packed[x];
                line[3 * x] = (p >> 16) & 0xFF;
                line[3 * x + 1] = (p >> 8) & 0xFF;
                line[3 * x + 2] = p & 0xFF;
            }
            horizontal.apply(line, 3, rows, y * dstW * 3);
        }
        return vertical(rows, region.height, dstW * 3, dstH);
    }

    /** Resizes a whole image to a {@code TYPE_INT_RGB} image of {@code dstW × dstH}, rounding to 8 bits at the end. */
    public static BufferedImage resize(BufferedImage image, int dstW, int dstH) {
        float[] rgb = resizeRgb(image, new Rectangle(0, 0, image.getWidth(), image.getHeight()), dstW, dstH);
        BufferedImage out = new BufferedImage(dstW, dstH, BufferedImage.TYPE_INT_RGB);
        int[] packed = new int[dstW * dstH];
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (to8Bit(rgb[3 * i]) << 16) | (to8Bit(rgb[3 * i + 1]) << 8) | to8Bit(rgb[3 * i + 2]);
        }
        out.setRGB(0, 0, dstW, dstH, packed, 0, dstW);
        return out;
    }

    private static int to8Bit(float v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }

    private static void checkSizes(int srcW, int srcH, int dstW, int dstH) {
        if (srcW <= 0 || srcH <= 0 || dstW <= 0 || dstH <= 0) {
            throw new IllegalArgumentException("sizes must be positive: " + srcW + "x" + srcH + " -> " + dstW + "x" + dstH);
        }
    }

    /** Second pass: resamples along y a stack of {@code srcH} rows, each {@code rowLength} floats long. */
    private static float[] vertical(float[] rows, int srcH, int rowLength, int dstH) {
        Weights vertical = Weights.of(srcH, dstH);
        float[] out = new float[dstH * rowLength];
        for (int oy = 0; oy < dstH; oy++) {
            int first = vertical.first[oy];
            int base = oy * vertical.stride;
            int outOffset = oy * rowLength;
            for (int k = 0; k < vertical.count[oy]; k++) {
                float w = vertical.weights[base + k];
                int inOffset = (first + k) * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    out[outOffset + i] += w * rows[inOffset + i];
                }
            }
        }
        return out;
    }

    /** For each output coordinate: the first contributing input coordinate, how many contribute, and their weights. */
    private record Weights(int[] first, int[] count, float[] weights, int stride) {

        static Weights of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            // Downscaling widens the tent to cover the whole footprint of the output pixel (the antialiasing).
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale; // the tent's radius is 1 in units of filterScale
            int stride = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            float[] weights = new float[outSize * stride];
            double[] w = new double[stride];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max(0, (int) Math.floor(center - support + 0.5));
                int max = Math.min(inSize, (int) Math.floor(center + support + 0.5));
                double total = 0;
                int n = 0;
                for (int i = min; i < max && n < stride; i++, n++) {
                    // Distance from the input pixel's centre (i + 0.5) to the output centre, in tent units.
                    w[n] = Math.max(0, 1 - Math.abs((i + 0.5 - center) / filterScale));
                    total += w[n];
                }
                first[o] = min;
                count[o] = n;
                for (int k = 0; k < n; k++) {
                    weights[o * stride + k] = (float) (total > 0 ? w[k] / total : 0);
                }
            }
            return new Weights(first, count, weights, stride);
        }

        void apply(float[] line, int channels, float[] out, int outOffset) {
            int outSize = first.length;
            for (int o = 0; o < outSize; o++) {
                int base = o * stride;
                int in0 = first[o] * channels;
                for (int c = 0; c < channels; c++) {
                    float sum = 0;
                    for (int k = 0; k < count[o]; k++) {
                        sum += weights[base + k] * line[in0 + k * channels + c];
                    }
                    out[outOffset + o * channels + c] = sum;
                }
            }
        }
    }
}
