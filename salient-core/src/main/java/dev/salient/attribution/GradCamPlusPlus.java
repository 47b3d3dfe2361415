package dev.salient.attribution;

/**
 * Grad-CAM++ (Chattopadhay et al. 2018) in the closed form pytorch-grad-cam uses, with g = ∂F_c/∂A:
 * α_kij = g² / (2g² + (Σ_ij A_kij)·g³ + ε) (0 where g = 0), w_k = Σ_ij α_kij·ReLU(g_kij); map L = ReLU(Σ_k w_k A_k).
 */
public final class GradCamPlusPlus extends GradCam {
    private static final double EPS = 1e-7;

    public GradCamPlusPlus(Params params) {
        super(params);
    }

    public GradCamPlusPlus() {
        this(Params.defaults());
    }

    @Override
    public String name() {
        return "gradcam++";
    }

    @Override
    protected float[] weights(float[] activation, float[] gradient, int channels, int hw) {
        float[] w = new float[channels];
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
                double g2 = g * g;
                double alpha = g2 / (2 * g2 + sumA * g2 * g + EPS);
                s += alpha * Math.max(g, 0);
            }
            w[k] = (float) s;
        }
        return w;
    }
}
