package dev.salient.web;

import dev.salient.attribution.SpatialLayers;
import dev.salient.engine.DifferentiableModel;

import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/** The spatial layers of each loaded model (for the layer picker and Grad-CAM's {@code layer}), found once. */
final class ModelLayers {
    private static final Map<DifferentiableModel, List<SpatialLayers.Layer>> CACHE = new WeakHashMap<>();

    private ModelLayers() {}

    static List<SpatialLayers.Layer> of(DifferentiableModel model) {
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(model, m -> List.copyOf(SpatialLayers.find(m)));
        }
    }

    /** Grad-CAM's default layer ({@link SpatialLayers#last}: a transformer's is not its last), or null when none. */
    static String defaultLayer(DifferentiableModel model) {
        return of(model).isEmpty() ? null : SpatialLayers.last(model).name();
    }

    /**
     * The layer a request names, blank meaning the default (resolved, so that both share one cache entry).
     *
     * @throws ApiException 400 for a name that is not a spatial layer, or a model without any
     */
    static String resolve(DifferentiableModel model, String name) {
        List<SpatialLayers.Layer> layers = of(model);
        if (name == null || name.isBlank()) {
            if (layers.isEmpty()) {
                throw ApiException.badRequest("the model has no spatial layer (a [C, H, W] or [H, W, C] grid or "
                        + "H·W tokens, H and W > 1) for Grad-CAM");
            }
            return defaultLayer(model);
        }
        String n = name.strip();
        if (layers.stream().noneMatch(l -> l.name().equals(n))) {
            List<String> names = layers.stream().map(SpatialLayers.Layer::name).toList();
            throw ApiException.badRequest("'" + ApiException.clip(n) + "' is not a spatial layer of the model; see "
                    + "/api/models/{model}/layers (" + names.size() + " layers, last: "
                    + (names.isEmpty() ? "none" : names.get(names.size() - 1)) + ")");
        }
        return n;
    }
}
