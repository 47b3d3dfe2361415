package dev.salient.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.image.Layout;

import java.util.Arrays;
import java.util.List;

/**
 * A model's {@code MODEL.json} sidecar as written, bound by Jackson; every field may be absent (null).
 *
 * <p>Unknown fields are refused, naming the known ones: a misspelt {@code "stdev"} would otherwise be ignored and
 * the model fed wrongly normalised pixels without a word. Values are read strictly: a width of 2.5 or "224" is
 * refused, never rounded or parsed. The labels path stays as written here; it is confined to the model's folder
 * where it is opened ({@link dev.salient.graph.ModelFolder}).
 *
 * @param mean        per-channel mean (R, G, B), or one number for all three
 * @param std         per-channel standard deviation, likewise
 * @param labelFormat how the labels file is laid out (the catalog's note; the reader detects it itself)
 * @param source      where the model came from (the TFLite importer writes "tflite")
 * @param assumed     what the importer had to assume, shown to the user among the model's assumptions
 * @param logits      the imported graph's scores before its final softmax (the TFLite importer's note)
 */
public record Sidecar(String input, String output, Layout layout, Integer width, Integer height, String resize,
                      Double cropFraction, Double scale,
                      @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) double[] mean,
                      @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) double[] std,
                      String labels, Boolean keepSoftmax, String labelFormat, String source, String assumed,
                      String logits) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private static final List<String> FIELDS = Arrays.stream(Sidecar.class.getRecordComponents())
            .map(java.lang.reflect.RecordComponent::getName).toList();

    /**
     * @param json the sidecar's object, or null for none
     * @throws SidecarFormatException naming the field that is unknown or holds the wrong kind of value
     */
    public static Sidecar of(ObjectNode json) {
        if (json == null) {
            return new Sidecar(null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null);
        }
        try {
            return JSON.treeToValue(json, Sidecar.class);
        } catch (UnrecognizedPropertyException e) {
            throw new SidecarFormatException(e.getPropertyName(), "the sidecar has an unknown field \""
                    + e.getPropertyName() + "\"; its fields are " + FIELDS);
        } catch (JsonMappingException e) {
            throw wrongValue(json, e);
        } catch (JsonProcessingException e) {
            throw new SidecarFormatException("", "the sidecar cannot be read: " + e.getOriginalMessage());
        }
    }

    private static SidecarFormatException wrongValue(ObjectNode json, JsonMappingException e) {
        String field = e.getPath().isEmpty() ? "" : e.getPath().get(0).getFieldName();
        String written = json.has(field) ? json.get(field).toString() : "";
        if (field.equals("width") || field.equals("height")) {
            // the message a pixel count written as text gets, from the command line or the sidecar
            try {
                ModelConfig.pixels("\"" + field + "\"", json.get(field).isIntegralNumber() ? json.get(field).asText()
                        : written);
            } catch (IllegalArgumentException refused) {
                return new SidecarFormatException(field, refused.getMessage());
            }
        }
        String expected = switch (field) {
            case "layout" -> "one of " + Arrays.toString(Layout.values());
            case "cropFraction", "scale" -> "a number";
            case "mean", "std" -> "3 numbers (R, G, B) or one number for all three";
            case "keepSoftmax" -> "true or false";
            default -> "text";
        };
        return new SidecarFormatException(field, "the sidecar's \"" + field + "\" must be " + expected + ", was "
                + written);
    }

    /** The settings this sidecar gives (its informational fields aside), checked. */
    public ModelConfig config() {
        return new ModelConfig(input, output, layout, pixels("width", width), pixels("height", height),
                resizeMode(), cropFraction, scale, channels("mean", mean), channels("std", std), labels, keepSoftmax);
    }

    private static Integer pixels(String field, Integer written) {
        try {
            return written == null ? null : ModelConfig.pixels("\"" + field + "\"", written.toString());
        } catch (IllegalArgumentException e) {
            throw new SidecarFormatException(field, e.getMessage());
        }
    }

    private dev.salient.image.ResizeMode resizeMode() {
        try {
            return resize == null ? null : ModelConfig.resizeMode(resize);
        } catch (IllegalArgumentException e) {
            throw new SidecarFormatException("resize", "the sidecar's \"resize\": " + e.getMessage());
        }
    }

    private static double[] channels(String field, double[] values) {
        if (values == null || values.length == 3) {
            return values;
        }
        if (values.length == 1) {
            return new double[]{values[0], values[0], values[0]};
        }
        throw new SidecarFormatException(field, "the sidecar's \"" + field + "\" must be 3 numbers (R, G, B) or one "
                + "number for all three, was " + Arrays.toString(values));
    }
}
