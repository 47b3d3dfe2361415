package dev.salient.image;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Locale;

/**
 * Everything needed to turn a photo into a model's input tensor.
 *
 * <p>Tensor value of channel c (RGB order) at a pixel: {@code (pixel8bit · scale − mean[c]) / std[c]}.
 *
 * @param width        model input width in pixels
 * @param height       model input height in pixels
 * @param resize       how the photo is fitted to width × height
 * @param cropFraction for {@link ResizeMode#CENTER_CROP}: the share of the (scaled) photo the crop keeps, in (0, 1];
 *                     ignored by {@link ResizeMode#STRETCH}
 * @param layout       tensor memory order
 * @param scale        factor applied to the 8-bit pixel value first (1/255 maps to [0, 1])
 * @param mean         per-channel value subtracted after scaling (3 values, RGB)
 * @param std          per-channel divisor after subtracting the mean (3 non-zero values, RGB)
 */
public record Preprocessing(int width, int height, ResizeMode resize, double cropFraction, Layout layout,
                            double scale, double[] mean, double[] std) {

    /** Number of colour channels the tensor has: always RGB. */
    public static final int CHANNELS = 3;

    /** Most values one image's tensor may have: it is one Java {@code float[]}, whose size stays just under 2^31. */
    public static final int MAX_TENSOR_LENGTH = Integer.MAX_VALUE - 8;

    public Preprocessing {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("input size must be positive, was " + width + "x" + height);
        }
        long pixels = (long) width * height; // below 2^62: exact in a long (3 times it may not be)
        if (pixels > MAX_TENSOR_LENGTH / CHANNELS) {
            throw new IllegalArgumentException("input size " + width + "x" + height + " is too large: one image "
                    + "would be 3x" + width + "x" + height + " = " + BigInteger.valueOf(pixels).multiply(
                    BigInteger.valueOf(CHANNELS)) + " values, above the " + MAX_TENSOR_LENGTH + " one tensor can hold");
        }
        if (resize == null || layout == null) {
            throw new IllegalArgumentException("resize mode and layout are required");
        }
        if (!(cropFraction > 0 && cropFraction <= 1)) {
            throw new IllegalArgumentException("cropFraction must be in (0, 1], was " + cropFraction);
        }
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale must be finite, was " + scale);
        }
        if (mean == null || mean.length != CHANNELS || std == null || std.length != CHANNELS) {
            throw new IllegalArgumentException("mean and std need exactly 3 values (R, G, B)");
        }
        for (double s : std) {
            if (s == 0 || !Double.isFinite(s)) {
                throw new IllegalArgumentException("std values must be finite and non-zero, were " + Arrays.toString(std));
            }
        }
        // Defensive copies: a record is a value, callers must not be able to change it afterwards.
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * The shared MobileNets' convention: whole photo stretched (bilinear) to width × height, values in [0, 1]
     * ({@code pixel / 255}), no mean or std (their normalisation is inside the graph).
     */
    public static Preprocessing unitRange(int width, int height, Layout layout) {
        return new Preprocessing(width, height, ResizeMode.STRETCH, 1.0, layout, 1.0 / 255,
                new double[] {0, 0, 0}, new double[] {1, 1, 1});
    }

    /**
     * The torchvision ImageNet convention: centre crop keeping 87.5 % (224 of 256), then
     * {@code (pixel/255 − (0.485, 0.456, 0.406)) / (0.229, 0.224, 0.225)}.
     */
    public static Preprocessing imagenet(int width, int height, Layout layout) {
        return new Preprocessing(width, height, ResizeMode.CENTER_CROP, 0.875, layout, 1.0 / 255,
                new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
    }

    /** The mean values (a copy). */
    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** The std values (a copy). */
    @Override
    public double[] std() {
        return std.clone();
    }

    /** Number of floats in one image's tensor: 3 · height · width. */
    public int tensorLength() {
        return CHANNELS * height * width;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Preprocessing p && width == p.width && height == p.height && resize == p.resize
                && Double.compare(cropFraction, p.cropFraction) == 0 && layout == p.layout
                && Double.compare(scale, p.scale) == 0 && Arrays.equals(mean, p.mean) && Arrays.equals(std, p.std);
    }

    @Override
    public int hashCode() {
        int h = java.util.Objects.hash(width, height, resize, cropFraction, layout, scale);
        return 31 * (31 * h + Arrays.hashCode(mean)) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Preprocessing[%dx%d %s crop=%s %s scale=%s mean=%s std=%s]", width, height,
                resize, cropFraction, layout, scale, Arrays.toString(mean), Arrays.toString(std));
    }
}
