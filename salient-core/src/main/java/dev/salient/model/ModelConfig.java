package dev.salient.model;

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

    /**
     * The settings a sidecar gives ({@link Sidecar}, bound by Jackson).
     *
     * @param json the sidecar's object, or null for none
     * @throws SidecarFormatException for an unknown field or a value of the wrong kind
     */
    public static ModelConfig fromJson(ObjectNode json) {
        return json == null ? EMPTY : Sidecar.of(json).config();
    }

    public static ResizeMode resizeMode(String text) {
        return switch (text.toLowerCase(Locale.ROOT).replace('-', '_')) {
            case "stretch" -> ResizeMode.STRETCH;
            case "center_crop", "centre_crop", "crop" -> ResizeMode.CENTER_CROP;
            default -> throw new IllegalArgumentException("unknown resize mode '" + text + "' (stretch or center_crop)");
        };
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
