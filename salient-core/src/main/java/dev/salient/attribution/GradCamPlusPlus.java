package dev.salient.attribution;

import java.util.List;

/**
 * Grad-CAM++ (Chattopadhay et al. 2018), closed form for the exponential of the score, with g = ∂F_c/∂A and
 * S_k = Σ_ij A_kij: α_kij = ĝ² / (2ĝ² + S_k·ĝ³) with ĝ = g / T, w_k = Σ_ij α_kij·ReLU(g_kij),
 * map L = ReLU(Σ_k w_k A_k). T = Σ_kij |A_kij·g_kij|, the layer's total first-order share of the score, is the
 * unit the score is measured in.
 *
 * <p>Why the unit: in any fixed unit α = 1 / (2 + S_k·g) depends on the scale of the score (multiply F_c by 1000
 * and S_k·g grows 1000-fold), so the map would depend on the head (logit, probability) and on any constant factor
 * in the model. Measured on MobileNetV2's last layer (bird.bmp, top-1 logit), logits × 1000 changed the
 * max-normalised map by 31 % (relative L2) with the eps-free formula in unit 1, and by 32 % with the former
 * absolute ε = 10⁻⁷. Measured in T, α is scale-free and the map scales with the score, as Grad-CAM's does. There
 * T = 20 and max S_k·ĝ = 0.012, so α stays within about 1 % of ½ (weights 0.3 % from α = ½): what the paper's
 * formula gives for logits of ordinary size.
 *
 * <p>Conventions: α := 0 where g = 0 (0/0; ReLU(g) is 0 there anyway) and where 2ĝ² + S_k·ĝ³ ≤ 0 (possible only
 * for a layer with negative activations; α is a positive weight by construction). pytorch-grad-cam instead uses
 * T = 1 and adds ε = 10⁻⁶ to the denominator; logit gradients of a few 10⁻⁴ make 2g² smaller than ε, so its α is
 * about g²/ε and its weights follow Σ g³: {@link #weights(float[], float[], int, int, double, double)} with
 * {@code (1, 1e-6)} reproduces it.
 */
public final class GradCamPlusPlus extends GradCam {
    /** pytorch-grad-cam's unit and ε, for comparison with its outputs. */
    static final double PYTORCH_GRAD_CAM_UNIT = 1;
    static final double PYTORCH_GRAD_CAM_EPS = 1e-6;

    public static final MethodDescription DESCRIPTION = new MethodDescription("gradcam++", "Grad-CAM++",
            "ReLU(Σ_k w_k A_k) with Grad-CAM++'s channel weights, built from the positive gradients on the layer",
            List.of(LAYER), new MethodTraits(MethodTraits.MapKind.LAYER, false, MethodTraits.Scale.PER_MAP, false,
            COST), values -> new GradCamPlusPlus(new Params(values.get(LAYER))));

    public GradCamPlusPlus(Params params) {
        super(params);
    }

    public GradCamPlusPlus() {
        this(Params.defaults());
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    protected float[] weights(float[] activation, float[] gradient, int channels, int hw) {
        double unit = 0;
        for (int i = 0; i < channels * hw; i++) {
            unit += Math.abs((double) activation[i] * gradient[i]);
        }
        return weights(activation, gradient, channels, hw, unit, 0);
    }

    /**
     * w_k = Σ_ij α_kij·ReLU(g_kij), α_kij = ĝ² / (2ĝ² + S_k·ĝ³ + eps), ĝ = g / unit; α := 0 where g = 0 or where the
     * denominator is not positive. All zeros when {@code unit} is 0 (no gradient reaches the layer).
     */
    static float[] weights(float[] activation, float[] gradient, int channels, int hw, double unit, double eps) {
        float[] w = new float[channels];
        if (unit == 0) {
            return w;
        }
        for (int k = 0; k < channels; k++) {
            double sumA = 0;
            for (int i = 0; i < hw; i++) {
                sumA += activation[k * hw + i];
            }
            double s = 0;
            for (int i = 0; i < hw; i++) {
                double g = gradient[k * hw + i];
                if (g == 0) {
                    continue;
                }
                double u = g / unit;
                double u2 = u * u;
                double denominator = 2 * u2 + sumA * u2 * u + eps;
                if (denominator > 0) {
                    s += u2 / denominator * Math.max(g, 0);
                }
            }
            w[k] = (float) s;
        }
        return w;
    }
}
