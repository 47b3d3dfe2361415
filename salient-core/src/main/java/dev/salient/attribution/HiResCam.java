package dev.salient.attribution;

import java.util.List;

/**
 * HiResCAM (Draelos &amp; Carin 2020): the gradient multiplies the activations elementwise instead of being averaged
 * first, L_ij = ReLU(Σ_k ∂F_c/∂A_kij · A_kij). For a layer followed only by global average pooling and a linear
 * head it equals Grad-CAM (as on both peer models); elsewhere it shows exactly which positions raised the score.
 */
public final class HiResCam extends GradCam {
    public static final MethodDescription DESCRIPTION = new MethodDescription("hirescam", "HiResCAM",
            "ReLU(Σ_k ∂F_c/∂A_k ⊙ A_k): each position's activations times their own gradients",
            List.of(LAYER), new MethodTraits(MethodTraits.MapKind.LAYER, false, MethodTraits.Scale.PER_MAP, false,
            COST), values -> new HiResCam(new Params(values.get(LAYER))));

    public HiResCam(Params params) {
        super(params);
    }

    public HiResCam() {
        this(Params.defaults());
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    protected float[] rawMap(float[] activation, float[] gradient, int channels, int hw) {
        return elementwise(activation, gradient, channels, hw, false);
    }
}
