package dev.salient.attribution;

import dev.salient.image.Layout;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where each value of one image tensor (batch axis dropped) lies: channels × height × width stored in
 * {@code layout}. Spatial methods (Grad-CAM upsampling, blur baseline, occlusion windows) address pixels through
 * {@link #index} and so work for NCHW and NHWC inputs alike.
 *
 * @param channels colour channels C
 * @param height   H
 * @param width    W
 * @param layout   memory order: NCHW stores [C, H, W], NHWC stores [H, W, C]
 */
public record ImageGeometry(int channels, int height, int width, Layout layout) {
    public ImageGeometry {
        Objects.requireNonNull(layout, "layout");
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image dimensions must be positive: C=" + channels + " H=" + height
                    + " W=" + width);
        }
    }

    /**
     * Reads C, H and W from a rank-3 shape in the given layout: [C, H, W] for NCHW, [H, W, C] for NHWC.
     *
     * @throws IllegalArgumentException if the shape is not rank 3 or {@code layout} is null (a non-image input)
     */
    public static ImageGeometry of(long[] shapeWithoutBatch, Layout layout) {
        if (layout == null) {
            throw new IllegalArgumentException("spatial methods need an image input with a known layout (NCHW or "
                    + "NHWC); the request has none for input shape " + Arrays.toString(shapeWithoutBatch));
        }
        if (shapeWithoutBatch.length != 3) {
            throw new IllegalArgumentException("spatial methods need an image input "
                    + (layout == Layout.NCHW ? "[C, H, W]" : "[H, W, C]") + "; the model's input is "
                    + Arrays.toString(shapeWithoutBatch));
        }
        int[] s = Arrays.stream(shapeWithoutBatch).mapToInt(Math::toIntExact).toArray();
        return layout == Layout.NCHW ? new ImageGeometry(s[0], s[1], s[2], layout)
                : new ImageGeometry(s[2], s[0], s[1], layout);
    }

    /** Flat index of channel {@code c} at row {@code y}, column {@code x}. */
    public int index(int c, int y, int x) {
        return layout.index(c, y, x, channels, height, width);
    }

    /** Number of values, C·H·W. */
    public int size() {
        return channels * height * width;
    }

    /** The shape in this layout without the batch axis: [C, H, W] or [H, W, C]. */
    public long[] shape() {
        return layout == Layout.NCHW ? new long[]{channels, height, width} : new long[]{height, width, channels};
    }
}
