package dev.salient.attribution;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * LIME (Ribeiro et al. 2016) over SLIC superpixels, as the lime library's image explainer: n coalitions z_k ∈ {0, 1}^M
 * (the first all on, the rest with each superpixel on with probability ½), v_k = F_c(photo with the superpixels off
 * in z_k set to black), and a ridge regression with intercept argmin Σ_k π_k (v_k − β₀ − z_k·β)² + λ|β|², weighted
 * by π_k = √exp(−d_k²/σ²) with d_k = 1 − cos(z_k, 1) the cosine distance to the photo and σ the kernel width.
 *
 * <p>Every superpixel's pixels carry its β_j. The fit's weighted R² is in the diagnostics as {@code fitR2}. One seeded
 * sequence draws the coalitions in order, so the map depends on the seed and not the batch.
 */
public final class Lime implements AttributionMethod {
    /**
     * @param sampling    n = its coalitions, forward passes
     * @param kernelWidth σ of the exponential kernel on cosine distance (lime's default 0.25)
     * @param ridge       λ (lime's default Ridge(alpha=1))
     */
    public record Params(SuperpixelSampling sampling, double kernelWidth, double ridge) {
        public Params {
            java.util.Objects.requireNonNull(sampling, "sampling");
            if (!(kernelWidth > 0) || Double.isInfinite(kernelWidth)) {
                throw new IllegalArgumentException("kernel width must be a finite number > 0: " + kernelWidth);
            }
            if (!(ridge >= 0) || Double.isInfinite(ridge)) {
                throw new IllegalArgumentException("ridge must be a finite number ≥ 0: " + ridge);
            }
        }
    }

    static final ParameterDescription<Double> KERNEL_WIDTH = ParameterDescription.positive("kernel-width",
            "Kernel width", 0.25, 100, "", "σ of the proximity kernel √exp(−d²/σ²) on the cosine distance d to the "
                    + "photo's all-on pattern");
    static final ParameterDescription<Double> RIDGE = ParameterDescription.number("ridge", "Ridge", 1.0, 0, 1e6,
            "", "λ, the ridge penalty of the surrogate's weights");

    public static final MethodDescription DESCRIPTION = new MethodDescription("lime", "LIME",
            "weights of a ridge surrogate F_c ≈ β₀ + z·β over random on/off patterns z of SLIC superpixels (off = "
                    + "black), weighted by proximity to the photo",
            SuperpixelSampling.parameters(KERNEL_WIDTH, RIDGE),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    new MethodTraits.Cost(0, 0, 1, 0, SuperpixelSampling.COALITIONS.name())),
            values -> new Lime(new Params(SuperpixelSampling.of(values), values.get(KERNEL_WIDTH), values.get(RIDGE))));

    private final Params params;

    public Lime(Params params) {
        this.params = params;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        SuperpixelSampling sampling = params.sampling();
        SuperpixelGame game = sampling.game(request);
        int m = game.players();
        int n = sampling.coalitions();
        RandomGenerator random = sampling.random();
        boolean[][] coalitions = new boolean[n][m];
        double[] weights = new double[n];
        for (int k = 0; k < n; k++) {
            int on = 0;
            for (int j = 0; j < m; j++) {
                coalitions[k][j] = k == 0 || random.nextBoolean();
                on += coalitions[k][j] ? 1 : 0;
            }
            double distance = 1 - Math.sqrt(on / (double) m); // cosine distance of z to 1 (1 for z = 0)
            weights[k] = Math.sqrt(Math.exp(-distance * distance / (params.kernelWidth() * params.kernelWidth())));
        }
        double[] v = game.values(coalitions, progress, name());
        // centre by the weighted means, so the intercept is not penalised
        double weightSum = 0;
        double meanV = 0;
        double[] meanZ = new double[m];
        for (int k = 0; k < n; k++) {
            weightSum += weights[k];
            meanV += weights[k] * v[k];
            for (int j = 0; j < m; j++) {
                meanZ[j] += coalitions[k][j] ? weights[k] : 0;
            }
        }
        meanV /= weightSum;
        double[] y = new double[n];
        for (int j = 0; j < m; j++) {
            meanZ[j] /= weightSum;
        }
        for (int k = 0; k < n; k++) {
            y[k] = v[k] - meanV;
        }
        SuperpixelGame.Design centred = (k, row) -> {
            for (int j = 0; j < m; j++) {
                row[j] = (coalitions[k][j] ? 1 : 0) - meanZ[j];
            }
        };
        double[] beta = SuperpixelGame.weightedLeastSquares(m, centred, y, weights, params.ridge());
        double intercept = meanV;
        for (int j = 0; j < m; j++) {
            intercept -= meanZ[j] * beta[j];
        }
        double residual = 0;
        double spread = 0;
        double[] row = new double[m];
        for (int k = 0; k < n; k++) {
            centred.row(k, row);
            double fit = 0;
            for (int j = 0; j < m; j++) {
                fit += row[j] * beta[j];
            }
            residual += weights[k] * (y[k] - fit) * (y[k] - fit);
            spread += weights[k] * y[k] * y[k];
        }
        double r2 = spread == 0 ? 1 : 1 - residual / spread;
        return new Attribution(game.segments().paint(beta, request.geometry()), request.inputShape(), true,
                Map.of("superpixels", (double) m, "coalitions", (double) n, "intercept", intercept, "fitR2", r2,
                        "targetScore", v[0]));
    }
}
