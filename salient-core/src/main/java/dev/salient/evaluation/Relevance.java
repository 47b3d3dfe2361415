package dev.salient.evaluation;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.ImageGeometry;
import dev.salient.image.Resampler;
import dev.salient.render.AttributionMap;
import dev.salient.render.ChannelAggregation;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The per-pixel relevance every metric ranks pixels by: one value per input pixel (H × W, row-major).
 */
public final class Relevance {
    private Relevance() {}

    /**
     * An attribution as one value per input pixel: an input-shaped one with its channels combined by
     * {@code aggregation}, a layer map (Grad-CAM's h × w grid) upsampled bilinearly to the input's H × W.
     */
    public static AttributionMap of(Attribution attribution, ImageGeometry geometry, ChannelAggregation aggregation) {
        int h = geometry.height();
        int w = geometry.width();
        if (attribution.inputShaped()) {
            return aggregation.aggregate(attribution.values(), geometry.channels(), h, w, geometry.layout());
        }
        long[] shape = attribution.shape();
        int mw = (int) shape[shape.length - 1];
        int mh = (int) shape[shape.length - 2];
        float[] values = attribution.values();
        return new AttributionMap(w, h, mw == w && mh == h ? values : Resampler.resize(values, mw, mh, 1, w, h));
    }

    /**
     * Pixel indices (y · W + x) from the most to the least relevant. Equal values come in an order shuffled with
     * {@code seed}: a flat map (Grad-CAM's zeros, a constant) must not be read top row first, which would favour
     * whatever the top of the photo holds.
     */
    public static int[] mostRelevantFirst(float[] relevance, long seed) {
        int n = relevance.length;
        int[] shuffled = new int[n];
        for (int i = 0; i < n; i++) {
            shuffled[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = t;
        }
        // sort (value, position in the shuffle) pairs packed into longs: descending value, then shuffle order
        long[] keys = new long[n];
        for (int k = 0; k < n; k++) {
            float v = relevance[shuffled[k]];
            int bits = Float.floatToIntBits(Float.isNaN(v) ? Float.NEGATIVE_INFINITY : v == 0f ? 0f : v);
            int ascending = bits >= 0 ? bits : bits ^ 0x7fffffff; // IEEE order as signed ints
            keys[k] = ((long) ~ascending << 32) | k; // ~ flips to descending
        }
        Arrays.sort(keys);
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            order[k] = shuffled[(int) keys[k]];
        }
        return order;
    }

    /** The largest value (−∞ for an empty map). */
    static float max(float[] values) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            m = Math.max(m, v);
        }
        return m;
    }
}
