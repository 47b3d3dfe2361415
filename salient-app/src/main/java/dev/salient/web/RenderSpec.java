package dev.salient.web;

import dev.salient.attribution.Attribution;
import dev.salient.render.*;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;

/**
 * How to draw a raw attribution (everything that does not need the network): sensitivity, scaling, colour map,
 * overlay and opacity, channel aggregation. Changing any of these re-renders a cached attribution.
 *
 * <p>Scaling, colour map and overlay may be left to the method (null): an input-shaped map (one value per input
 * element) is aggregated over channels and drawn like the demo (grey mask; fixed sensitivity for the demo's gradient,
 * per-map scaling for the others); a coarse map (a layer's [h, w] grid, e.g. Grad-CAM) is drawn as it is, scaled
 * to its own maximum, in turbo over the photo.
 *
 * @param sensitivity the demo's slider: intensity = |v| · sensitivity ("fixed"), or |v| / p99.5 · sensitivity/20
 *                    ("auto", comparable across methods; p99.5 of a 7×7 map is its maximum)
 */
record RenderSpec(double sensitivity, String scaling, ColorMap colorMap, Overlay overlay, double opacity,
                  ChannelAggregation aggregation) {
    static final double MAX_SENSITIVITY = 40;

    static RenderSpec parse(Function<String, String> param) {
        double sensitivity = number(param.apply("sensitivity"), "sensitivity", 0, MAX_SENSITIVITY, 20);
        String scaling = choice(param.apply("scaling"), "scaling", new String[]{"fixed", "auto"}, null);
        ColorMap cmap = enumValue(ColorMap.class, param.apply("colormap"), "colormap", null);
        Overlay overlay = enumValue(Overlay.class, param.apply("overlay"), "overlay", null);
        String blend = param.apply("blend");
        if (blend != null && !blend.isBlank()) {
            String b = blend.strip().toLowerCase(Locale.ROOT);
            if (!b.equals("true") && !b.equals("false") && !b.equals("1") && !b.equals("0") && !b.equals("on")) {
                throw ApiException.badRequest("blend must be true or false, got '" + ParamSpec.clip(blend) + "'");
            }
            if (b.equals("true") || b.equals("1") || b.equals("on")) {
                overlay = Overlay.MULTIPLY;
            }
        }
        double opacity = number(param.apply("opacity"), "opacity", 0, 1, 0.5);
        ChannelAggregation agg = enumValue(ChannelAggregation.class, param.apply("aggregation"), "aggregation",
                ChannelAggregation.SIGNED_MEAN);
        return new RenderSpec(sensitivity, scaling, cmap, overlay, opacity, agg);
    }

    RenderOptions options(AttributionMap map, Attribution raw, ExplainMethod method) {
        boolean coarse = !raw.inputShaped();
        ColorMap colors = colorMap != null ? colorMap : RenderOptions.defaultColorMap(coarse);
        Overlay over = overlay != null ? overlay : RenderOptions.defaultOverlay(coarse);
        String scale = scaling != null ? scaling : coarse ? "auto" : method.defaultScaling();
        boolean signed = colors.signed() && over != Overlay.MULTIPLY;
        double factor = sensitivity;
        if (scale.equals("auto")) {
            double p = Scaling.percentileOfMagnitude(map.values(), 99.5);
            factor = p > 0 ? sensitivity / 20 / p : 0;
        }
        factor = factor > 0 && Double.isFinite(factor) ? factor : Double.MIN_VALUE; // 0: everything dark
        Scaling s = signed ? new Scaling.SignedSensitivity(factor) : new Scaling.Sensitivity(factor);
        ColorMap cm = !signed && colors.signed() ? ColorMap.GREY : colors;
        return new RenderOptions(aggregation, s, cm, over, opacity);
    }

    static double number(String raw, String name, double min, double max, double dflt) {
        if (raw == null || raw.isBlank()) {
            return dflt;
        }
        double v;
        try {
            v = Double.parseDouble(raw.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a number, got '" + ParamSpec.clip(raw) + "'");
        }
        if (!(v >= min && v <= max)) {
            throw ApiException.badRequest(name + " must be between " + fmt(min) + " and " + fmt(max) + ", got "
                    + ParamSpec.clip(raw.strip()));
        }
        return v;
    }

    static String choice(String raw, String name, String[] choices, String dflt) {
        if (raw == null || raw.isBlank()) {
            return dflt;
        }
        String v = raw.strip().toLowerCase(Locale.ROOT);
        for (String c : choices) {
            if (c.equals(v)) {
                return c;
            }
        }
        throw ApiException.badRequest(name + " must be one of " + String.join(", ", choices) + ", got '"
                + ParamSpec.clip(raw) + "'");
    }

    static <E extends Enum<E>> E enumValue(Class<E> type, String raw, String name, E dflt) {
        if (raw == null || raw.isBlank()) {
            return dflt;
        }
        String v = raw.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(v)) {
                return e;
            }
        }
        throw ApiException.badRequest(name + " must be one of " + String.join(", ", Arrays.stream(
                type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList())
                + ", got '" + ParamSpec.clip(raw) + "'");
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
