package dev.salient.render;

import java.util.Arrays;

/**
 * A single-channel attribution value per model-input pixel, row-major: {@code values[y · width + x]}.
 * Immutable: the array is copied in and out.
 */
public record AttributionMap(int width, int height, float[] values) {

    public AttributionMap {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("map size must be positive, was " + width + "x" + height);
        }
        if (values == null || values.length != width * height) {
            throw new IllegalArgumentException("a " + width + "x" + height + " map needs " + width * height
                    + " values, got " + (values == null ? "null" : values.length));
        }
        values = values.clone();
    }

    /** The values (a copy). */
    @Override
    public float[] values() {
        return values.clone();
    }

    /** The value at column {@code x}, row {@code y}. */
    public float get(int x, int y) {
        return values[y * width + x];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttributionMap m && width == m.width && height == m.height && Arrays.equals(values, m.values);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "AttributionMap[" + width + "x" + height + "]";
    }
}
