package dev.salient.render;

import dev.salient.image.Layout;

/**
 * How a per-channel attribution (one value per colour channel and pixel, e.g. a gradient with respect to the input
 * tensor) becomes one value per pixel. With v<sub>c</sub> the values of a pixel's C channels:
 */
public enum ChannelAggregation {
    /** (1/C) · Σ v<sub>c</sub>, sign kept: the original demo's (it took |·| afterwards, in its scaling). */
    SIGNED_MEAN,
    /** max |v<sub>c</sub>|: the vanilla-saliency convention (Simonyan et al. 2013). */
    ABS_MAX,
    /** Σ |v<sub>c</sub>|. */
    ABS_SUM,
    /** √(Σ v<sub>c</sub>²). */
    L2;

    /**
     * Aggregates a C×H×W attribution stored in {@code layout} into an H×W map.
     *
     * @param attribution {@code channels · height · width} values
     */
    public AttributionMap aggregate(float[] attribution, int channels, int height, int width, Layout layout) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("shape must be positive, was " + channels + "x" + height + "x" + width);
        }
        if (attribution.length != channels * height * width) {
            throw new IllegalArgumentException("a " + channels + "x" + height + "x" + width + " attribution has "
                    + channels * height * width + " values, got " + attribution.length);
        }
        float[] out = new float[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double acc = 0; // neutral for sum and for max of |v| alike
                for (int c = 0; c < channels; c++) {
                    double v = attribution[layout.index(c, y, x, channels, height, width)];
                    acc = switch (this) {
                        case SIGNED_MEAN -> acc + v;
                        case ABS_MAX -> Math.max(acc, Math.abs(v));
                        case ABS_SUM -> acc + Math.abs(v);
                        case L2 -> acc + v * v;
                    };
                }
                out[y * width + x] = (float) switch (this) {
                    case SIGNED_MEAN -> acc / channels;
                    case L2 -> Math.sqrt(acc);
                    default -> acc;
                };
            }
        }
        return new AttributionMap(width, height, out);
    }
}
