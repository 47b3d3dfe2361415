package dev.salient.image;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;

/**
 * Turns a decoded photo into one image's model input: pick the {@linkplain #sourceRegion region} the model sees,
 * resample it to the input size with {@link Resampler} (bilinear, area-antialiased when shrinking), then normalise
 * each channel as {@code (pixel · scale − mean[c]) / std[c]} and store it in the requested layout.
 */
public final class Preprocessor {
    private Preprocessor() {}

    /**
     * One image's tensor: {@code 3 · height · width} floats in {@code p.layout()}, channels R, G, B; the batch
     * dimension is not included.
     */
    public static float[] toTensor(BufferedImage photo, Preprocessing p) {
        Rectangle region = sourceRegion(photo.getWidth(), photo.getHeight(), p);
        float[] rgb = Resampler.resizeRgb(photo, region, p.width(), p.height());
        int w = p.width();
        int h = p.height();
        int channels = Preprocessing.CHANNELS;
        double[] mean = p.mean();
        double[] std = p.std();
        float[] tensor = new float[p.tensorLength()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int pixel = (y * w + x) * channels;
                for (int c = 0; c < channels; c++) {
                    double value = (rgb[pixel + c] * p.scale() - mean[c]) / std[c];
                    tensor[p.layout().index(c, y, x, channels, h, w)] = (float) value;
                }
            }
        }
        return tensor;
    }

    /**
     * The rectangle of the original photo that ends up in the tensor, for placing an attribution map back on it.
     *
     * <p>{@link ResizeMode#STRETCH}: the whole photo. {@link ResizeMode#CENTER_CROP}: with
     * {@code k = max(width / (f · photoWidth), height / (f · photoHeight))} (the scale at which the photo just covers
     * the enlarged {@code width/f × height/f} box), the centred {@code round(width/k) × round(height/k)} rectangle;
     * for a square input that is the centred square of side {@code f · min(photoWidth, photoHeight)}. Exactly this
     * integer rectangle is resampled, so it is the true footprint of the tensor (within a pixel of torchvision's
     * resize-then-crop, which rounds in the resized image instead).
     */
    public static Rectangle sourceRegion(int photoWidth, int photoHeight, Preprocessing p) {
        if (photoWidth <= 0 || photoHeight <= 0) {
            throw new IllegalArgumentException("photo size must be positive, was " + photoWidth + "x" + photoHeight);
        }
        if (p.resize() == ResizeMode.STRETCH) {
            return new Rectangle(0, 0, photoWidth, photoHeight);
        }
        double f = p.cropFraction();
        double k = Math.max(p.width() / (f * photoWidth), p.height() / (f * photoHeight));
        int w = clamp((int) Math.round(p.width() / k), 1, photoWidth);
        int h = clamp((int) Math.round(p.height() / k), 1, photoHeight);
        return new Rectangle((photoWidth - w) / 2, (photoHeight - h) / 2, w, h);
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
