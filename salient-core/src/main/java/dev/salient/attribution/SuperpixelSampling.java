package dev.salient.attribution;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * How KernelSHAP and LIME sample their superpixel game ({@link SuperpixelGame}), with the parameters that describe
 * it, written once for both.
 *
 * @param coalitions   sampled on/off patterns, one forward pass each
 * @param superpixels  about how many SLIC superpixels M
 * @param compactness  SLIC's spatial weight
 * @param seed         seed of the coalitions
 * @param batchSize    images per forward call, or {@link Batching#AUTO} for a measured size
 * @param memoryBudget bytes one call may use
 */
public record SuperpixelSampling(int coalitions, int superpixels, double compactness, long seed, int batchSize,
                                 long memoryBudget) {
    static final ParameterDescription<Integer> COALITIONS = ParameterDescription.integer("coalitions", "Coalitions",
            1000, 1, 100_000, "", "superpixel on/off patterns whose scores the surrogate is fitted to (forward "
                    + "passes)");
    static final ParameterDescription<Integer> SUPERPIXELS = ParameterDescription.integer("superpixels",
            "Superpixels", 50, 1, 500, "", "about how many SLIC superpixels the photo is cut into");
    static final ParameterDescription<Double> COMPACTNESS = ParameterDescription.positive("compactness",
            "Compactness", 200.0, 10_000, "", "SLIC's spatial weight: larger gives squarer superpixels");
    static final ParameterDescription<Integer> SEED = Rise.SEED;

    public SuperpixelSampling {
        if (coalitions < 1 || superpixels < 1 || batchSize < Batching.AUTO || memoryBudget < 1 || !(compactness > 0)
                || Double.isInfinite(compactness)) {
            throw new IllegalArgumentException("coalitions, superpixels, compactness, batch and memory budget must be "
                    + "positive");
        }
    }

    /** The sampling parameters in display order, with a method's own after the segmentation's. */
    static List<ParameterDescription<?>> parameters(ParameterDescription<?>... own) {
        List<ParameterDescription<?>> all = new ArrayList<>(List.of(COALITIONS, SUPERPIXELS, COMPACTNESS));
        all.addAll(List.of(own));
        all.addAll(List.of(SEED, ChunkParameters.BATCH, ChunkParameters.MEMORY_MB));
        return all;
    }

    /** The sampling that checked values of {@link #parameters} name. */
    static SuperpixelSampling of(ParameterValues values) {
        return new SuperpixelSampling(values.get(COALITIONS), values.get(SUPERPIXELS), values.get(COMPACTNESS),
                values.get(SEED), values.get(ChunkParameters.BATCH), ChunkParameters.memoryBudget(values));
    }

    /** The one seeded sequence the coalitions are drawn from, in order. */
    RandomGenerator random() {
        return RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    /** The game on the request's SLIC superpixels. */
    SuperpixelGame game(AttributionRequest request) {
        return new SuperpixelGame(request, Superpixels.slic(request, superpixels, compactness), batchSize,
                memoryBudget);
    }
}
