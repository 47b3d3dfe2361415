package dev.salient.attribution;

import dev.salient.engine.GradientResult;
import dev.salient.engine.InnerTensor;

import java.util.List;
import java.util.Map;

/**
 * Grad-CAM (Selvaraju et al. 2017) on a spatial layer A (default: {@link SpatialLayers#last}):
 * weights w_k = (1/HW) Σ_ij ∂F_c/∂A_kij, map L = ReLU(Σ_k w_k A_k), of the layer's grid [h, w]. A token layer
 * (ViT) or a channels-last one (Swin) is read as its [C, H, W] grid ({@link SpatialLayers.Layer#channelsFirst}).
 * With {@code plusPlus} the weights are Grad-CAM++'s closed form, see {@link GradCamPlusPlus}.
 */
public class GradCam extends GradientMethod {
    /** @param layer tensor name of the spatial layer, or null for the last spatial layer */
    public record Params(String layer) {
        public static Params defaults() {
            return new Params(null);
        }
    }

    /** The layer parameter of every Grad-CAM-like method. */
    static final ParameterDescription<String> LAYER = ParameterDescription.layer("layer", "Layer",
            "spatial layer whose channels are weighted (default: the last one)");
    /** One gradient whose backward pass stops at the layer: 0.4× a vanilla gradient on MobileNetV2. */
    static final MethodTraits.Cost COST = MethodTraits.Cost.ONE_GRADIENT;

    public static final MethodDescription DESCRIPTION = new MethodDescription("gradcam", "Grad-CAM",
            "ReLU(Σ_k w_k A_k), w_k = mean over the layer of ∂F_c/∂A_k: a spatial layer's channels weighted by "
                    + "their mean gradient", List.of(LAYER),
            new MethodTraits(MethodTraits.MapKind.LAYER, false, MethodTraits.Scale.PER_MAP, true, COST),
            values -> new GradCam(new Params(values.get(LAYER))));

    private final Params params;

    public GradCam(Params params) {
        this.params = params;
    }

    public GradCam() {
        this(Params.defaults());
    }

    public Params params() {
        return params;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    /** The layer this method uses on {@code model}. */
    public SpatialLayers.Layer layer(dev.salient.engine.DifferentiableModel model) {
        return params.layer() == null || params.layer().isBlank() ? SpatialLayers.last(model)
                : SpatialLayers.named(model, params.layer());
    }

    /** Per-channel weights from the layer's activations and gradients (one item, [C, H, W]). */
    protected float[] weights(float[] activation, float[] gradient, int channels, int hw) {
        float[] w = new float[channels];
        for (int k = 0; k < channels; k++) {
            double s = 0;
            for (int i = 0; i < hw; i++) {
                s += gradient[k * hw + i];
            }
            w[k] = (float) (s / hw);
        }
        return w;
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        SpatialLayers.Layer layer = layer(request.model());
        // only the layer's gradient is needed: the backward pass stops there, far cheaper than a full gradient
        GradientResult r = innerOnly(request, List.of(layer.name()));
        InnerTensor t = r.inner().get(layer.name());
        int channels = layer.channels();
        int h = layer.height();
        int w = layer.width();
        // token and channels-last layers are read as [C, H·W]: the extra tokens dropped, the grid channel by channel
        float[] map = cam(layer.channelsFirst(t.value()), layer.channelsFirst(t.gradient()), channels, h * w);
        progress.progress(1, 1);
        return new Attribution(map, new long[]{h, w}, false, Map.of("targetScore", (double) r.target()[0]));
    }

    /** ReLU of {@link #rawMap} over one item. */
    float[] cam(float[] activation, float[] gradient, int channels, int hw) {
        return relu(rawMap(activation, gradient, channels, hw));
    }

    /**
     * The map before the ReLU, Σ_k w_k A_k with {@link #weights}; methods that combine the layer's channels
     * elementwise (HiResCAM, LayerCAM) override this.
     */
    protected float[] rawMap(float[] activation, float[] gradient, int channels, int hw) {
        return weightedSum(weights(activation, gradient, channels, hw), activation, channels, hw);
    }

    /** The layer's activations at the request's input, from the layer-only gradient run (batch 1). */
    static float[] activation(AttributionRequest request, SpatialLayers.Layer layer) {
        return innerOnly(request, List.of(layer.name())).inner().get(layer.name()).value();
    }

    /** A map at the layer's resolution [h, w]. */
    static Attribution layerMap(float[] map, SpatialLayers.Layer layer, Map<String, Double> diagnostics) {
        return new Attribution(map, new long[]{layer.height(), layer.width()}, false, diagnostics);
    }

    /** Σ_k f(g_k) ⊙ A_k over one item [C, hw], f the identity or, with {@code positiveGradients}, the ReLU. */
    static float[] elementwise(float[] activation, float[] gradient, int channels, int hw, boolean positiveGradients) {
        float[] map = new float[hw];
        for (int k = 0; k < channels; k++) {
            for (int i = 0; i < hw; i++) {
                float g = gradient[k * hw + i];
                map[i] += (positiveGradients ? Math.max(0, g) : g) * activation[k * hw + i];
            }
        }
        return map;
    }

    /** Σ_k w_k A_k over one item [C, hw]. */
    static float[] weightedSum(float[] weights, float[] activation, int channels, int hw) {
        float[] map = new float[hw];
        for (int k = 0; k < channels; k++) {
            float wk = weights[k];
            if (wk == 0) {
                continue;
            }
            for (int i = 0; i < hw; i++) {
                map[i] += wk * activation[k * hw + i];
            }
        }
        return map;
    }

    /** max(0, v) in place; returns {@code map}. */
    static float[] relu(float[] map) {
        for (int i = 0; i < map.length; i++) {
            map[i] = Math.max(0, map[i]);
        }
        return map;
    }
}
