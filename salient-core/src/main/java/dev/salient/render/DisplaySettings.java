package dev.salient.render;

import dev.salient.attribution.MethodTraits;
import dev.salient.attribution.MethodTraits.MapKind;
import dev.salient.attribution.MethodTraits.Scale;
import dev.salient.attribution.ParameterDescription;

import java.util.List;
import java.util.function.Function;

/**
 * How the user wants a map drawn: what can change without re-running the network. Each setting is described once in
 * {@link #PARAMETERS} (the command line's {@code --NAME} flags and the web API's query parameters both come from
 * there), and {@link #options} is the one rule the command line and the web app both use for what the user leaves
 * to the method:
 * <ul>
 *   <li>colour map and overlay: a layer map (Grad-CAM's [h, w] grid) as a turbo heat map over the photo, a pixel
 *   map as the demo's grey mask alone ({@link MethodTraits#map()});</li>
 *   <li>scaling ({@link MethodTraits#scale()}): fixed, t = clamp(|v| · s, 0, 1), for the demo's gradient; per map,
 *   t = clamp(|v| / P<sub>99</sub>(|v|) · s / 20, 0, 1), for every other method, with s the sensitivity.</li>
 * </ul>
 * Why: the fixed rule reproduces the original demo exactly and keeps its gradient maps comparable across photos;
 * other methods' values have no common scale (SmoothGrad² is a gradient squared, occlusion a score drop), so each
 * map is scaled to itself. The sensitivity is a gain in both, with 20 (its default) meaning "as is", so one slider
 * or flag means the same thing on the page and on the command line. P<sub>99</sub>, not the maximum: on a
 * 224×224 pixel map the brightest 1 % (502 values) saturate, so a few extreme gradients cannot darken the rest; on
 * a 7×7 layer map its rank 0.99 · 48 = 47.5 lies between the two largest cells, so the hottest cell saturates and
 * the others keep their ratios. (The command line used P<sub>99</sub> and the web app P<sub>99.5</sub> · s/20
 * before; 99 is what the README promised.)
 *
 * @param sensitivity the gain s, in (0, 40]
 * @param scaling     fixed or per map; null: the method's
 * @param percentile  P of per-map scaling, in (0, 100]
 * @param colorMap    null: the method's (turbo for layer maps, grey otherwise)
 * @param overlay     null: the method's (alpha for layer maps, the mask alone otherwise)
 * @param blend       the demo's "blend explanation with image": multiply the photo by the map (overrides overlay)
 * @param opacity     α of the alpha overlay
 * @param aggregation how colour channels combine in a pixel map
 */
public record DisplaySettings(double sensitivity, Scale scaling, double percentile, ColorMap colorMap,
                              Overlay overlay, boolean blend, double opacity, ChannelAggregation aggregation) {
    public static final ParameterDescription<Double> SENSITIVITY = ParameterDescription.positive("sensitivity",
            "Sensitivity", 20.0, 40, "", "gain: fixed scaling draws |v| · sensitivity, per-map scaling |v| / P · "
                    + "sensitivity/20");
    public static final ParameterDescription<Scale> SCALING = ParameterDescription.choice("scaling", "Scaling",
            Scale.class, null, "fixed (the demo's |v| · sensitivity) or per-map (by a percentile of |v|); "
                    + "default: the method's, fixed only for the demo's gradient");
    public static final ParameterDescription<Double> PERCENTILE = ParameterDescription.positive("percentile",
            "Percentile", 99.0, 100, "", "per-map scaling divides by this percentile P of |v|, so the brightest "
                    + "(100 − P) % saturate");
    public static final ParameterDescription<ColorMap> COLORMAP = ParameterDescription.choice("colormap",
            "Colour map", ColorMap.class, null, "colours of the map; default: turbo for layer maps such as Grad-CAM's, "
                    + "grey otherwise");
    public static final ParameterDescription<Overlay> OVERLAY = ParameterDescription.choice("overlay", "Overlay",
            Overlay.class, null, "how the map meets the photo: mask (the map alone), alpha (over the photo), "
                    + "multiply (the photo times the map); default: alpha for layer maps, mask otherwise");
    public static final ParameterDescription<Boolean> BLEND = ParameterDescription.flag("blend",
            "Blend with the photo", "multiply the photo by the explanation (the demo's blend; overlay multiply)");
    public static final ParameterDescription<Double> OPACITY = ParameterDescription.number("opacity", "Opacity",
            0.5, 0, 1, "", "opacity of the heat map in the alpha overlay");
    public static final ParameterDescription<ChannelAggregation> AGGREGATION = ParameterDescription.choice(
            "aggregation", "Channel aggregation", ChannelAggregation.class, ChannelAggregation.SIGNED_MEAN,
            "how colour channels combine in a pixel map (signed-mean: the demo's)");
    /** Every display setting, in the order help texts list them. */
    public static final List<ParameterDescription<?>> PARAMETERS = List.of(SENSITIVITY, SCALING, PERCENTILE,
            COLORMAP, OVERLAY, BLEND, OPACITY, AGGREGATION);

    /** Every setting at its default: the demo's look for the demo's gradient. */
    public static final DisplaySettings DEFAULT = parse(name -> null, "");

    public DisplaySettings {
        SENSITIVITY.require(sensitivity);
        PERCENTILE.require(percentile);
        OPACITY.require(opacity);
        AGGREGATION.require(aggregation);
    }

    /**
     * The settings from text values, each checked by its {@link ParameterDescription}.
     *
     * @param raw    the text of a setting by name (null or blank: its default)
     * @param prefix how errors name a setting: "--" on the command line ("--sensitivity must be …"), "" in the API
     */
    public static DisplaySettings parse(Function<String, String> raw, String prefix) {
        return new DisplaySettings(read(SENSITIVITY, raw, prefix), read(SCALING, raw, prefix),
                read(PERCENTILE, raw, prefix), read(COLORMAP, raw, prefix), read(OVERLAY, raw, prefix),
                read(BLEND, raw, prefix), read(OPACITY, raw, prefix), read(AGGREGATION, raw, prefix));
    }

    private static <T> T read(ParameterDescription<T> p, Function<String, String> raw, String prefix) {
        return p.parse(raw.apply(p.name()), prefix + p.name());
    }

    /** The colour map when the user names none. */
    public static ColorMap defaultColorMap(MapKind map) {
        return map == MapKind.LAYER ? ColorMap.TURBO : ColorMap.GREY;
    }

    /** The overlay when the user names none. */
    public static Overlay defaultOverlay(MapKind map) {
        return map == MapKind.LAYER ? Overlay.ALPHA : Overlay.MASK;
    }

    /** The scaling: the user's, else the method's. */
    public Scale scaling(MethodTraits traits) {
        return scaling != null ? scaling : traits.scale();
    }

    /**
     * How to draw {@code map}, a map of a method with these traits: the user's settings, the rest by the rule above.
     * A diverging colour map keeps the sign (t in [−1, 1]) unless the photo is multiplied by the map.
     */
    public RenderOptions options(MethodTraits traits, AttributionMap map) {
        ColorMap colors = colorMap != null ? colorMap : defaultColorMap(traits.map());
        Overlay over = blend ? Overlay.MULTIPLY : overlay != null ? overlay : defaultOverlay(traits.map());
        double factor = sensitivity;
        if (scaling(traits) == Scale.PER_MAP) {
            factor = sensitivity / SENSITIVITY.defaultValue() / Scaling.percentileOfMagnitude(map.values(), percentile);
        }
        factor = factor > 0 && Double.isFinite(factor) ? factor : Double.MIN_VALUE; // an all-zero map: all dark
        boolean signed = colors.signed() && over != Overlay.MULTIPLY;
        Scaling s = signed ? new Scaling.SignedSensitivity(factor) : new Scaling.Sensitivity(factor);
        return new RenderOptions(aggregation, s, signed || !colors.signed() ? colors : ColorMap.GREY, over, opacity);
    }
}
