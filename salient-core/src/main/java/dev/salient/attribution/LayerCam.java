package dev.salient.attribution;

import java.util.List;

/**
 * LayerCAM (Jiang et al. 2021): positive gradients weight each position's activations,
 * L_ij = ReLU(Σ_k ReLU(∂F_c/∂A_kij) · A_kij); usable on shallow layers, where averaged weights (Grad-CAM) wash out.
 */
public final class LayerCam extends GradCam {
    public static final MethodDescription DESCRIPTION = new MethodDescription("layercam", "LayerCAM",
            "ReLU(Σ_k ReLU(∂F_c/∂A_k) ⊙ A_k): activations weighted by their positive gradients, position by position",
            List.of(LAYER), new MethodTraits(MethodTraits.MapKind.LAYER, false, MethodTraits.Scale.PER_MAP, false,
            COST), values -> new LayerCam(new Params(values.get(LAYER))));

    public LayerCam(Params params) {
        super(params);
    }

    public LayerCam() {
        this(Params.defaults());
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    protected float[] rawMap(float[] activation, float[] gradient, int channels, int hw) {
        return elementwise(activation, gradient, channels, hw, true);
    }
}
