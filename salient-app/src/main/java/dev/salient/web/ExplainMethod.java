package dev.salient.web;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.ProgressListener;
import dev.salient.model.ImageClassifier;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The seam between the web app and the attribution methods: one method, its parameters, and a run that reports
 * progress and stops when cancelled.
 */
public interface ExplainMethod {
    String name();

    String label();

    String description();

    List<ParamSpec> params();

    /** Whether the method's map is coarse (a layer's grid), i.e. scaled per map rather than by a fixed factor. */
    default boolean coarse() {
        return false;
    }

    /**
     * Scaling of an input-shaped map when the request names none: "fixed" (the demo's |v| · sensitivity) or "auto"
     * (per map). Coarse maps are always scaled per map by default.
     */
    default String defaultScaling() {
        return coarse() ? "auto" : "fixed";
    }

    /**
     * One checked value per {@link #params()} entry from the request's raw values (null or blank: the default).
     *
     * @throws ApiException 400 naming the bad value
     */
    default SortedMap<String, Object> parse(ImageClassifier classifier, Function<String, String> raw) {
        SortedMap<String, Object> out = new TreeMap<>();
        for (ParamSpec p : params()) {
            out.put(p.name(), p.parse(raw.apply(p.name())));
        }
        return out;
    }

    /**
     * @param input      the photo as model input
     * @param classIndex the class explained
     * @param params     one parsed value per {@link #params()} entry
     */
    Attribution attribute(ImageClassifier classifier, float[] input, int classIndex, Map<String, Object> params,
                          ProgressListener progress);
}
