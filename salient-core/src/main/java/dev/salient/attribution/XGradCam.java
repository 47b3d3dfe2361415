package dev.salient.attribution;

import java.util.List;

/**
 * XGrad-CAM (Fu et al. 2020): weights normalised by the channel's activation mass,
 * w_k = Σ_ij (∂F_c/∂A_kij · A_kij) / (Σ_ij A_kij + 10⁻⁷), map L = ReLU(Σ_k w_k A_k). The 10⁻⁷ is
 * pytorch-grad-cam's guard for an all-zero channel (whose term then vanishes).
 */
public final class XGradCam extends GradCam {
    /** Keeps an all-zero channel's weight finite; pytorch-grad-cam's value. */
    static final double MASS_EPS = 1e-7;

    public static final MethodDescription DESCRIPTION = new MethodDescription("xgradcam", "XGrad-CAM",
            "ReLU(Σ_k w_k A_k), w_k = Σ_ij ∂F_c/∂A_kij·A_kij / Σ_ij A_kij: gradients weighted by the activations",
            List.of(LAYER), new MethodTraits(MethodTraits.MapKind.LAYER, false, MethodTraits.Scale.PER_MAP, false,
            COST), values -> new XGradCam(new Params(values.get(LAYER))));

    public XGradCam(Params params) {
        super(params);
    }

    public XGradCam() {
        this(Params.defaults());
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    protected float[] weights(float[] activation, float[] gradient, int channels, int hw) {
        float[] w = new float[channels];
        for (int k = 0; k < channels; k++) {
            double mass = 0;
            double weighted = 0;
            for (int i = 0; i < hw; i++) {
                mass += activation[k * hw + i];
                weighted += (double) gradient[k * hw + i] * activation[k * hw + i];
            }
            w[k] = (float) (weighted / (mass + MASS_EPS));
        }
        return w;
    }
}
