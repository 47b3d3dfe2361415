package dev.salient.render;

import java.util.Objects;

/**
 * Everything that decides how an attribution is drawn.
 *
 * <p>Combinations that cannot be drawn faithfully are refused: a signed {@link Scaling} needs a signed
 * {@link ColorMap} (an unsigned map would silently clamp every negative value to its bottom colour), and
 * {@link Overlay#MULTIPLY} needs an unsigned scaling (a negative brightness means nothing).
 *
 * @param aggregation how colour channels become one value per pixel (used when rendering a per-channel attribution)
 * @param scaling     raw values to intensities
 * @param colorMap    intensities to colours (not used by {@link Overlay#MULTIPLY})
 * @param overlay     how the map meets the photo
 * @param opacity     α for {@link Overlay#ALPHA}, in [0, 1]
 */
public record RenderOptions(ChannelAggregation aggregation, Scaling scaling, ColorMap colorMap, Overlay overlay,
                            double opacity) {

    /** The original demo: mean over channels, |v| · 20 clamped to [0, 1], grey, the mask alone. */
    public static final RenderOptions DEMO = new RenderOptions(ChannelAggregation.SIGNED_MEAN,
            new Scaling.Sensitivity(20), ColorMap.GREY, Overlay.MASK, 0.5);

    public RenderOptions {
        Objects.requireNonNull(aggregation, "aggregation");
        Objects.requireNonNull(scaling, "scaling");
        Objects.requireNonNull(colorMap, "colorMap");
        Objects.requireNonNull(overlay, "overlay");
        if (!(opacity >= 0 && opacity <= 1)) {
            throw new IllegalArgumentException("opacity must be in [0, 1], was " + opacity);
        }
        if (scaling.signed() && !colorMap.signed() && overlay != Overlay.MULTIPLY) {
            throw new IllegalArgumentException("signed scaling " + scaling + " needs a signed colour map such as "
                    + ColorMap.DIVERGING + ", not " + colorMap);
        }
        if (scaling.signed() && overlay == Overlay.MULTIPLY) {
            throw new IllegalArgumentException("the MULTIPLY overlay needs an unsigned scaling, not " + scaling);
        }
    }

    /** These options with another overlay (and opacity). */
    public RenderOptions withOverlay(Overlay newOverlay, double newOpacity) {
        return new RenderOptions(aggregation, scaling, colorMap, newOverlay, newOpacity);
    }
}
