package dev.salient.attribution;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * KernelSHAP (Lundberg &amp; Lee 2017) over SLIC superpixels: the Shapley values φ of the game v(z) = F_c(photo with
 * the superpixels off in z set to black) as argmin Σ_z π(z) (v(z) − v(∅) − Σ_j z_j φ_j)², π(z) = (M−1) / (C(M,|z|)
 * |z| (M−|z|)), subject to Σ_j φ_j = v(1) − v(∅) (efficiency, enforced exactly).
 *
 * <p>When the budget covers all 2^M − 2 proper coalitions they are enumerated with weights π and φ is exactly the
 * Shapley value; otherwise every coalition is sampled, its size drawn ∝ (M−1)/(|z|(M−|z|)) (the kernel's mass per
 * size) and its members uniform, so each sample has weight 1, and paired with its complement as the shap library
 * pairs them (the shap library also enumerates whole sizes first when the budget covers them; this does not).
 * Every superpixel's pixels carry its φ_j (the map sums, per channel, to Σ_j |S_j| φ_j, not to the efficiency
 * total). One seeded sequence draws the coalitions in order, so the map depends on the seed and not the batch.
 */
public final class KernelShap implements AttributionMethod {
    public static final MethodDescription DESCRIPTION = new MethodDescription("kernel-shap", "KernelSHAP",
            "Shapley values of SLIC superpixels (off = black): Shapley-kernel-weighted least squares over sampled "
                    + "coalitions, Σφ = F_c(x) − F_c(black)",
            SuperpixelSampling.parameters(),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    new MethodTraits.Cost(2, 0, 1, 0, SuperpixelSampling.COALITIONS.name())),
            values -> new KernelShap(SuperpixelSampling.of(values)));

    private final SuperpixelSampling sampling;

    public KernelShap(SuperpixelSampling sampling) {
        this.sampling = sampling;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        SuperpixelGame game = sampling.game(request);
        int m = game.players();
        boolean enumerate = m < 31 && (1L << m) - 2 <= sampling.coalitions();
        int count = enumerate ? (int) ((1L << m) - 2) : sampling.coalitions();
        boolean[][] coalitions = new boolean[count + 2][];
        double[] weights = new double[count + 2];
        coalitions[0] = all(m, true);
        coalitions[1] = all(m, false);
        if (enumerate) {
            for (int k = 0; k < count; k++) {
                boolean[] z = new boolean[m];
                for (int j = 0; j < m; j++) {
                    z[j] = ((k + 1) >> j & 1) == 1;
                }
                coalitions[k + 2] = z;
                weights[k + 2] = kernel(m, size(z));
            }
        } else {
            RandomGenerator random = sampling.random();
            double[] sizeCdf = sizeDistribution(m);
            for (int k = 0; k < count; k++) {
                boolean[] z = k % 2 == 1 ? complement(coalitions[k + 1]) : draw(random, sizeCdf, m);
                coalitions[k + 2] = z;
                weights[k + 2] = 1;
            }
        }
        double[] v = game.values(coalitions, progress, name());
        double full = v[0];
        double empty = v[1];
        double delta = full - empty;
        double[] phi = new double[m];
        if (m == 1) {
            phi[0] = delta;
        } else {
            // φ_M = Δ − Σ_{j<M} φ_j: regress v(z) − v(∅) − z_M Δ on (z_j − z_M), j < M
            double[] y = new double[count];
            double[] w = new double[count];
            for (int k = 0; k < count; k++) {
                boolean[] z = coalitions[k + 2];
                y[k] = v[k + 2] - empty - (z[m - 1] ? delta : 0);
                w[k] = weights[k + 2];
            }
            double[] head = SuperpixelGame.weightedLeastSquares(m - 1, (k, row) -> {
                boolean[] z = coalitions[k + 2];
                double last = z[m - 1] ? 1 : 0;
                for (int j = 0; j < m - 1; j++) {
                    row[j] = (z[j] ? 1 : 0) - last;
                }
            }, y, w, 0);
            double rest = delta;
            for (int j = 0; j < m - 1; j++) {
                phi[j] = head[j];
                rest -= head[j];
            }
            phi[m - 1] = rest;
        }
        return new Attribution(game.segments().paint(phi, request.geometry()), request.inputShape(), true,
                Map.of("superpixels", (double) m, "coalitions", (double) count, "exact", enumerate ? 1.0 : 0.0,
                        "targetScore", full, "baselineScore", empty));
    }

    /** π(z) for |z| = s of M players. */
    static double kernel(int m, int s) {
        return (m - 1) / (binomial(m, s) * s * (double) (m - s));
    }

    private static double binomial(int n, int k) {
        double c = 1;
        for (int i = 1; i <= k; i++) {
            c = c * (n - k + i) / i;
        }
        return c;
    }

    /** Cumulative probabilities of coalition sizes 1 … M−1, ∝ (M−1)/(s(M−s)): the kernel's mass per size. */
    private static double[] sizeDistribution(int m) {
        double[] cdf = new double[Math.max(m - 1, 1)];
        double sum = 0;
        for (int s = 1; s < m; s++) {
            sum += 1.0 / (s * (double) (m - s));
            cdf[s - 1] = sum;
        }
        for (int i = 0; i < cdf.length; i++) {
            cdf[i] /= sum;
        }
        return cdf;
    }

    /** A coalition whose size is drawn from {@code sizeCdf} and whose members are uniform among that size. */
    private static boolean[] draw(RandomGenerator random, double[] sizeCdf, int m) {
        if (m == 1) {
            return new boolean[]{random.nextBoolean()};
        }
        double u = random.nextDouble();
        int size = 1;
        while (size < m - 1 && sizeCdf[size - 1] < u) {
            size++;
        }
        int[] order = new int[m];
        for (int i = 0; i < m; i++) {
            order[i] = i;
        }
        boolean[] z = new boolean[m];
        for (int i = 0; i < size; i++) { // partial Fisher–Yates
            int j = i + random.nextInt(m - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            z[order[i]] = true;
        }
        return z;
    }

    private static boolean[] complement(boolean[] z) {
        boolean[] c = new boolean[z.length];
        for (int i = 0; i < z.length; i++) {
            c[i] = !z[i];
        }
        return c;
    }

    private static boolean[] all(int m, boolean on) {
        boolean[] z = new boolean[m];
        java.util.Arrays.fill(z, on);
        return z;
    }

    private static int size(boolean[] z) {
        int s = 0;
        for (boolean b : z) {
            s += b ? 1 : 0;
        }
        return s;
    }
}
