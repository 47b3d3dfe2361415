package dev.salient.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.image.Layout;
import dev.salient.image.ResizeMode;

import java.util.Locale;

/**
 * What a model's {@code MODEL.json} sidecar (or the catalog, or command-line flags) says about using it.
 * Every field may be null: unknown, to be inferred from the graph or defaulted. Tensor value per RGB channel:
 * (pixel·scale − mean[c]) / std[c].
 */
public record ModelConfig(String input, String output, Layout layout, Integer width, Integer height,
                          ResizeMode resize, Double cropFraction, Double scale, double[] mean, double[] std,
                          String labels, Boolean keepSoftmax) {

    public static final ModelConfig EMPTY = new ModelConfig(null, null, null, null, null, null, null, null, null,
            null, null, null);

    /** Reads the sidecar format: input, output, layout, width, height, resize, cropFraction, scale, mean, std, labels, keepSoftmax. */
    public static ModelConfig fromJson(ObjectNode json) {
        if (json == null) {
            return EMPTY;
        }
        return new ModelConfig(text(json, "input"), text(json, "output"),
                json.hasNonNull("layout") ? Layout.valueOf(json.get("layout").asText().toUpperCase(Locale.ROOT)) : null,
                pixels(json, "width"), pixels(json, "height"),
                json.hasNonNull("resize") ? resizeMode(json.get("resize").asText()) : null,
                json.hasNonNull("cropFraction") ? json.get("cropFraction").asDouble() : null,
                json.hasNonNull("scale") ? json.get("scale").asDouble() : null,
                triple(json.get("mean")), triple(json.get("std")), text(json, "labels"),
                json.hasNonNull("keepSoftmax") ? json.get("keepSoftmax").asBoolean() : null);
    }

    public static ResizeMode resizeMode(String text) {
        return switch (text.toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "stretch" -> ResizeMode.STRETCH;
            case "center_crop", "centre_crop", "crop" -> ResizeMode.CENTER_CROP;
            default -> throw new IllegalArgumentException("unknown resize mode '" + text + "' (stretch or center_crop)");
        };
    }

    private static Integer pixels(JsonNode json, String field) {
        if (!json.hasNonNull(field)) {
            return null;
        }
        JsonNode v = json.get(field);
        return pixels("\"" + field + "\"", v.isIntegralNumber() ? v.asText() : v.toString());
    }

    /**
     * A width or height written as text: a whole number of pixels from 1 to 2^31 − 1, read exactly (a larger
     * number is refused, never wrapped around to a negative one).
     *
     * @param what the field or flag, for the message
     */
    public static int pixels(String what, String text) {
        try {
            int v = Integer.parseInt(text.strip());
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // not a whole number, or above Integer.MAX_VALUE: refused below
        }
        throw new IllegalArgumentException(what + " must be a whole number of pixels from 1 to " + Integer.MAX_VALUE
                + ", was " + text);
    }

    private static String text(JsonNode json, String field) {
        return json.hasNonNull(field) ? json.get(field).asText() : null;
    }

    private static double[] triple(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isNumber()) {
            return new double[]{node.asDouble(), node.asDouble(), node.asDouble()};
        }
        if (!node.isArray() || node.size() != 3) {
            throw new IllegalArgumentException("mean and std need 3 numbers (R, G, B), got " + node);
        }
        return new double[]{node.get(0).asDouble(), node.get(1).asDouble(), node.get(2).asDouble()};
    }

    /** This configuration with every field that {@code over} sets replaced by its value. */
    public ModelConfig overriddenBy(ModelConfig over) {
        return new ModelConfig(pick(over.input, input), pick(over.output, output), pick(over.layout, layout),
                pick(over.width, width), pick(over.height, height), pick(over.resize, resize),
                pick(over.cropFraction, cropFraction), pick(over.scale, scale), pick(over.mean, mean),
                pick(over.std, std), pick(over.labels, labels), pick(over.keepSoftmax, keepSoftmax));
    }

    private static <T> T pick(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }
}
