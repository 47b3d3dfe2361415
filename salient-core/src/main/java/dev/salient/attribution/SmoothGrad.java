package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * SmoothGrad (Smilkov et al. 2017) and relatives, over n noisy copies x + ε_i, ε_i ~ N(0, σ²), σ = noiseFraction ·
 * (max x − min x): {@link Variant#PLAIN} A = (1/n) Σ g_i, {@link Variant#SQUARED} A = (1/n) Σ g_i²,
 * {@link Variant#VARGRAD} (Adebayo et al. 2018) A = (1/n) Σ g_i² − ((1/n) Σ g_i)², with g_i = ∂F_c/∂x at x + ε_i.
 * The noise comes from one seeded sequence drawn in sample order, so results do not depend on the chunk size.
 */
public final class SmoothGrad extends GradientMethod {
    public enum Variant {
        PLAIN("smoothgrad"), SQUARED("smoothgrad-squared"), VARGRAD("vargrad");

        private final String methodName;

        Variant(String methodName) {
            this.methodName = methodName;
        }

        public String methodName() {
            return methodName;
        }
    }

    /**
     * @param samples       n, number of noisy copies (≥ 1)
     * @param noiseFraction σ as a fraction of the input's value range (≥ 0; 0 gives the vanilla gradient)
     * @param seed          seed of the noise
     * @param variant       mean of g, mean of g², or variance of g
     * @param batchSize     requested chunk size (capped by {@code memoryBudget}); {@link Batching#AUTO}: measured
     * @param memoryBudget  bytes one chunk may use
     */
    public record Params(int samples, double noiseFraction, long seed, Variant variant, int batchSize,
                         long memoryBudget) {
        public Params {
            if (samples < 1) {
                throw new IllegalArgumentException("samples must be at least 1: " + samples);
            }
            if (!(noiseFraction >= 0) || Double.isInfinite(noiseFraction)) {
                throw new IllegalArgumentException("noise must be a finite number ≥ 0: " + noiseFraction);
            }
            if (batchSize < 0) {
                throw new IllegalArgumentException("batch must be 0 (measured) or more: " + batchSize);
            }
            if (memoryBudget < 1) {
                throw new IllegalArgumentException("memory budget must be positive: " + memoryBudget);
            }
        }

        public static Params defaults(Variant variant) {
            return new Params(50, 0.15, 0, variant, Batching.DEFAULT_BATCH, Batching.DEFAULT_MEMORY_BUDGET);
        }
    }

    private static final Params DEFAULTS = Params.defaults(Variant.PLAIN);
    static final ParameterDescription<Integer> SAMPLES = ParameterDescription.integer("samples", "Samples",
            DEFAULTS.samples(), 1, 1000, "", "noisy copies of the input whose gradients are combined");
    static final ParameterDescription<Double> NOISE = ParameterDescription.number("noise", "Noise",
            DEFAULTS.noiseFraction(), 0, 1, "of the input range", "σ of the Gaussian noise");
    static final ParameterDescription<Integer> SEED = ParameterDescription.integer("seed", "Seed",
            (int) DEFAULTS.seed(), 0, Integer.MAX_VALUE, "", "seed of the noise, for reproducible maps");

    public static final MethodDescription DESCRIPTION = describe(Variant.PLAIN, "SmoothGrad",
            "(1/n) Σ g_i, g_i = ∂F_c/∂x at x + ε_i, ε_i ~ N(0, σ²): the mean gradient over n noisy copies", true);
    public static final MethodDescription SQUARED_DESCRIPTION = describe(Variant.SQUARED, "SmoothGrad²",
            "(1/n) Σ g_i²: the mean squared gradient over n noisy copies", false);
    public static final MethodDescription VARGRAD_DESCRIPTION = describe(Variant.VARGRAD, "VarGrad",
            "(1/n) Σ g_i² − ((1/n) Σ g_i)²: the variance of the gradient over n noisy copies", false);

    private static MethodDescription describe(Variant variant, String title, String summary, boolean signed) {
        return new MethodDescription(variant.methodName(), title, summary,
                List.of(SAMPLES, NOISE, SEED, ChunkParameters.BATCH, ChunkParameters.MEMORY_MB),
                new MethodTraits(MethodTraits.MapKind.PIXEL, signed, MethodTraits.Scale.PER_MAP, false,
                        new MethodTraits.Cost(0, 0, 1, 1, SAMPLES.name())),
                values -> new SmoothGrad(new Params(values.get(SAMPLES), values.get(NOISE), values.get(SEED), variant,
                        values.get(ChunkParameters.BATCH), ChunkParameters.memoryBudget(values))));
    }

    private final Params params;

    public SmoothGrad(Params params) {
        this.params = params;
    }

    public Params params() {
        return params;
    }

    @Override
    public String name() {
        return params.variant().methodName();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        float[] x = request.input();
        float[] range = Tensors.range(x);
        double sigma = params.noiseFraction() * (range[1] - range[0]);
        // L64X128MixRandom's ziggurat Gaussians cost ~1 ms per 224×224×3 sample; java.util.Random's took ~6 ms,
        // a fifth of a MobileNetV2 gradient, which made the method cost more than its n gradients
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(params.seed());
        int n = params.samples();
        double[] sum = new double[x.length];
        double[] sumSq = new double[x.length];
        double[] targetSum = {0};
        evaluate(request, RuleTable.standard(), List.of(), n, params.batchSize(), params.memoryBudget(),
                (index, dst, offset) -> {
                    for (int i = 0; i < x.length; i++) {
                        dst[offset + i] = sigma == 0 ? x[i] : (float) (x[i] + sigma * random.nextGaussian());
                    }
                },
                (first, r) -> {
                    float[] g = r.inputGradient();
                    for (int b = 0; b < r.batch(); b++) {
                        int off = b * x.length;
                        for (int i = 0; i < x.length; i++) {
                            double v = g[off + i];
                            sum[i] += v;
                            sumSq[i] += v * v;
                        }
                        targetSum[0] += r.target()[b];
                    }
                }, progress, name());
        double[] a = new double[x.length];
        for (int i = 0; i < a.length; i++) {
            double mean = sum[i] / n;
            double meanSq = sumSq[i] / n;
            a[i] = switch (params.variant()) {
                case PLAIN -> mean;
                case SQUARED -> meanSq;
                case VARGRAD -> Math.max(0, meanSq - mean * mean);
            };
        }
        return new Attribution(Tensors.toFloats(a), request.inputShape(), true,
                Map.of("samples", (double) n, "sigma", sigma, "meanNoisyTarget", targetSum[0] / n));
    }
}
