package dev.salient.evaluation;

import java.awt.Rectangle;
import java.util.Objects;

/**
 * Where the objects are, for the {@link PointingGame}.
 *
 * @param boxes  the marked objects, in the photo's pixel coordinates
 * @param region the rectangle of the photo that the model's input shows (the whole photo when it was stretched,
 *               the centre when it was cropped), to carry a map's pixel back into the photo
 */
public record GroundTruth(ObjectBoxes boxes, Rectangle region) {
    public GroundTruth {
        Objects.requireNonNull(boxes, "boxes");
        Objects.requireNonNull(region, "region");
        region = new Rectangle(region);
    }

    @Override
    public Rectangle region() {
        return new Rectangle(region);
    }

    /** The photo coordinates of the centre of input pixel (x, y) of an input {@code width × height}. */
    double[] toPhoto(double x, double y, int width, int height) {
        return new double[]{region.x + (x + 0.5) * region.width / width, region.y + (y + 0.5) * region.height / height};
    }
}
