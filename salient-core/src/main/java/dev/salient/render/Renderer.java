package dev.salient.render;

import dev.salient.image.Layout;
import dev.salient.image.Resampler;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;

/**
 * Draws an attribution map onto the photo it explains, at the photo's full resolution.
 *
 * <p>Steps: {@link Scaling} turns values into intensities; the intensity map is upsampled with {@link Resampler}
 * (bilinear, pixel centres aligned, so it is smooth and stays within the intensities' range) to the size of the
 * source region — the part of the photo the model saw; each pixel is then coloured and combined by the
 * {@link Overlay}. Intensities are interpolated before colouring, not colours: interpolating two colours of a
 * colour map (e.g. Turbo's blue and red) gives a colour that is not on the map.
 *
 * <p>Outside the source region (the parts a centre crop cut off) the model saw nothing, so there is no
 * attribution: {@link Overlay#MASK} and {@link Overlay#MULTIPLY} draw black (intensity 0 multiplied), and
 * {@link Overlay#ALPHA} leaves the photo untouched.
 */
public final class Renderer {
    private Renderer() {}

    /**
     * Renders an already aggregated map: {@link #layer} then {@link #composite}.
     *
     * @param sourceRegion the part of {@code photo} the map covers (e.g. {@code Preprocessor.sourceRegion}); must
     *                     lie inside the photo
     * @return a {@code TYPE_INT_RGB} image of the photo's size
     */
    public static BufferedImage render(BufferedImage photo, Rectangle sourceRegion, AttributionMap map,
                                       RenderOptions options) {
        requireInside(photo, sourceRegion);
        return composite(photo, layer(sourceRegion, map, options), options.overlay(), options.opacity());
    }

    /**
     * The map as drawn over a region: intensities t upsampled to the region and their colours m. Everything but the
     * overlay and the opacity decides it, so a page that changes only those re-composites a kept layer (issue 15: a
     * re-render is then the composite and the PNG, not the scaling, resampling and colouring again).
     *
     * @param region    where the map lies in the photo it is drawn on
     * @param intensity t per pixel of the region, row-major
     * @param colors    m = the colour map's colour of t, per pixel of the region
     */
    public record Layer(Rectangle region, float[] intensity, int[] colors) {}

    /** {@link Layer} of {@code map} over {@code region} with the options' scaling and colour map. */
    public static Layer layer(Rectangle region, AttributionMap map, RenderOptions options) {
        float[] intensity = options.scaling().apply(map.values());
        float[] up = Resampler.resize(intensity, map.width(), map.height(), 1, region.width, region.height);
        ColorMap colors = options.colorMap();
        int[] rgb = new int[up.length];
        for (int i = 0; i < up.length; i++) {
            rgb[i] = colors.rgb(up[i]);
        }
        return new Layer(new Rectangle(region), up, rgb);
    }

    /**
     * The photo with {@code layer} combined by {@code overlay}: per pixel m (mask), p · t (multiply) or
     * (1 − α) · p + α · m (alpha); outside the layer's region the photo (alpha) or black.
     *
     * @return a {@code TYPE_INT_RGB} image of the photo's size
     */
    public static BufferedImage composite(BufferedImage photo, Layer layer, Overlay overlay, double alpha) {
        Rectangle region = layer.region();
        requireInside(photo, region);
        int pw = photo.getWidth();
        int ph = photo.getHeight();
        int[] pixels = photo.getRGB(0, 0, pw, ph, null, 0, pw);
        float[] t = layer.intensity();
        int[] m = layer.colors();
        for (int y = 0; y < ph; y++) {
            boolean rowInside = y >= region.y && y < region.y + region.height;
            for (int x = 0; x < pw; x++) {
                int i = y * pw + x;
                int p = pixels[i] & 0xFFFFFF;
                if (!rowInside || x < region.x || x >= region.x + region.width) {
                    pixels[i] = overlay == Overlay.ALPHA ? p : 0;
                    continue;
                }
                int j = (y - region.y) * region.width + (x - region.x);
                pixels[i] = switch (overlay) {
                    case MASK -> m[j];
                    case MULTIPLY -> multiply(p, t[j]);
                    case ALPHA -> blend(p, m[j], alpha);
                };
            }
        }
        BufferedImage out = new BufferedImage(pw, ph, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, pw, ph, pixels, 0, pw);
        return out;
    }

    private static void requireInside(BufferedImage photo, Rectangle region) {
        int pw = photo.getWidth();
        int ph = photo.getHeight();
        if (region.isEmpty() || !new Rectangle(0, 0, pw, ph).contains(region)) {
            throw new IllegalArgumentException("source region " + region + " is not inside the " + pw + "x" + ph
                    + " photo");
        }
    }

    /** Aggregates a per-channel attribution with {@code options.aggregation()}, then renders it. */
    public static BufferedImage render(BufferedImage photo, Rectangle sourceRegion, float[] attribution,
                                       int channels, int height, int width, Layout layout, RenderOptions options) {
        AttributionMap map = options.aggregation().aggregate(attribution, channels, height, width, layout);
        return render(photo, sourceRegion, map, options);
    }

    /** Each channel of {@code p} times {@code t} ∈ [0, 1], rounded. */
    static int multiply(int p, double t) {
        double k = Math.max(0, Math.min(1, t));
        return round(((p >> 16) & 0xFF) * k) << 16 | round(((p >> 8) & 0xFF) * k) << 8 | round((p & 0xFF) * k);
    }

    /** (1 − α) · p + α · m per channel, rounded. */
    static int blend(int p, int m, double alpha) {
        int r = round(((p >> 16) & 0xFF) * (1 - alpha) + ((m >> 16) & 0xFF) * alpha);
        int g = round(((p >> 8) & 0xFF) * (1 - alpha) + ((m >> 8) & 0xFF) * alpha);
        int b = round((p & 0xFF) * (1 - alpha) + (m & 0xFF) * alpha);
        return r << 16 | g << 8 | b;
    }

    private static int round(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
