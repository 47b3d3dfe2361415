package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * GradientSHAP (Lundberg &amp; Lee 2017, as Captum's GradientShap) and Expected Gradients (Erion et al. 2021, noise 0):
 * A = (1/n) Σ_k (x̃_k − b_k) ⊙ ∂F_c(b_k + α_k(x̃_k − b_k))/∂x, with b_k drawn from a set of baselines, α_k ~ U(0, 1)
 * and x̃_k = x + ε_k, ε_k ~ N(0, σ²). Its expectation sums to E[F_c(x̃) − F_c(b)], the average IG over the set.
 *
 * <p>The set is the black photo alone (then, with σ = 0, this is Integrated Gradients by Monte Carlo) or {@code
 * baselines} images of uniform noise over the input's range. All draws come from one seeded sequence in sample order,
 * so the map depends on the seed, not on the chunk size.
 */
public final class GradientShap extends GradientMethod {
    /** Where the baselines come from. */
    public enum BaselineSet {
        /** The model-space black photo. */
        BLACK,
        /** Uniform noise images over [min x, max x]. */
        NOISE
    }

    /**
     * @param samples       n, gradient evaluations
     * @param baselineSet   which baselines are drawn from
     * @param baselines     how many noise baselines the set holds ({@link BaselineSet#NOISE})
     * @param noiseFraction σ as a fraction of the input's range (0: Expected Gradients)
     * @param seed          seed of every draw
     * @param batchSize     gradients per chunk; {@link Batching#AUTO}: measured
     */
    public record Params(int samples, BaselineSet baselineSet, int baselines, double noiseFraction, long seed,
                         int batchSize, long memoryBudget) {
        public Params {
            if (samples < 1 || baselines < 1 || memoryBudget < 1) {
                throw new IllegalArgumentException("samples, baselines and memory budget must be positive");
            }
            if (batchSize < 0) {
                throw new IllegalArgumentException("batch must be 0 (measured) or more: " + batchSize);
            }
            if (!(noiseFraction >= 0) || Double.isInfinite(noiseFraction)) {
                throw new IllegalArgumentException("noise must be a finite number ≥ 0: " + noiseFraction);
            }
        }
    }

    // the same samples and seed as SmoothGrad's: one parameter of one kind in the API
    static final ParameterDescription<Integer> SAMPLES = SmoothGrad.SAMPLES;
    static final ParameterDescription<BaselineSet> BASELINE_SET = ParameterDescription.choice("baseline-set",
            "Baselines", BaselineSet.class, BaselineSet.NOISE, "the baselines drawn from: the black photo, or noise images");
    static final ParameterDescription<Integer> BASELINES = ParameterDescription.integer("baselines",
            "Noise baselines", 10, 1, 100, "", "how many uniform-noise images the 'noise' set holds");
    static final ParameterDescription<Double> NOISE = ParameterDescription.number("input-noise", "Input noise", 0.0, 0, 1,
            "of the input range", "σ of the Gaussian noise added to the input (0: Expected Gradients)");
    static final ParameterDescription<Integer> SEED = SmoothGrad.SEED;

    public static final MethodDescription DESCRIPTION = new MethodDescription("gradient-shap", "GradientSHAP",
            "(1/n) Σ_k (x̃_k − b_k) ⊙ ∂F_c(b_k + α_k(x̃_k − b_k))/∂x, baselines b_k from a set, α_k ~ U(0, 1)",
            List.of(SAMPLES, BASELINE_SET, BASELINES, NOISE, SEED, ChunkParameters.BATCH, ChunkParameters.MEMORY_MB),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    new MethodTraits.Cost(0, 0, 1, 1, SAMPLES.name())),
            values -> new GradientShap(new Params(values.get(SAMPLES), values.get(BASELINE_SET), values.get(BASELINES),
                    values.get(NOISE), values.get(SEED), values.get(ChunkParameters.BATCH), ChunkParameters.memoryBudget(values))));

    private final Params params;

    public GradientShap(Params params) {
        this.params = params;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        float[] x = request.input();
        float[] range = Tensors.range(x);
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(params.seed());
        List<float[]> set = baselineSet(request, range, random);
        double sigma = params.noiseFraction() * (range[1] - range[0]);
        int n = params.samples();
        double[] sum = new double[x.length];
        Map<Integer, float[]> differences = new HashMap<>(); // x̃_k − b_k of the samples in the current chunk
        evaluate(request, RuleTable.standard(), List.of(), n, params.batchSize(), params.memoryBudget(),
                (index, dst, offset) -> {
                    float[] b = set.get(random.nextInt(set.size()));
                    float alpha = random.nextFloat();
                    float[] difference = new float[x.length];
                    for (int i = 0; i < x.length; i++) {
                        float noisy = sigma == 0 ? x[i] : (float) (x[i] + sigma * random.nextGaussian());
                        difference[i] = noisy - b[i];
                        dst[offset + i] = b[i] + alpha * difference[i];
                    }
                    differences.put(index, difference);
                },
                (first, r) -> {
                    float[] g = r.inputGradient();
                    for (int k = 0; k < r.batch(); k++) {
                        float[] difference = differences.remove(first + k);
                        int off = k * x.length;
                        for (int i = 0; i < x.length; i++) {
                            sum[i] += (double) difference[i] * g[off + i];
                        }
                    }
                }, progress, name());
        double[] mean = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            mean[i] = sum[i] / n;
        }
        return new Attribution(Tensors.toFloats(mean), request.inputShape(), true,
                Map.of("samples", (double) n, "baselines", (double) set.size(), "sigma", sigma));
    }

    private List<float[]> baselineSet(AttributionRequest request, float[] range, RandomGenerator random) {
        if (params.baselineSet() == BaselineSet.BLACK) {
            return List.of(request.blackImage());
        }
        float[][] set = new float[params.baselines()][request.input().length];
        for (float[] b : set) {
            for (int i = 0; i < b.length; i++) {
                b[i] = range[0] + (range[1] - range[0]) * random.nextFloat();
            }
        }
        return List.of(set);
    }
}
