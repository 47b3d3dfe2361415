package dev.salient.attribution;

import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * RISE (Petsiuk et al. 2018), forward passes only: N random masks m_i (a grid×grid binary grid, each cell kept with
 * probability p, upsampled bilinearly to (grid+1) cells and shifted by a random fraction of a cell), and
 * S = Σ_i (F_c(x ⊙ m_i + black ⊙ (1 − m_i)) − F̄) m_i / (N·p), with F̄ the mean score over the masks.
 *
 * <p>Convention: the paper's S is Σ_i F_i m_i / (N·p); subtracting F̄ changes it by F̄·(mean mask / p), a nearly
 * uniform offset, and makes the map signed and independent of the head's constants (a log-probability's map is not
 * all negative): positive where keeping the pixel raised the score. Masked pixels go to the request's black. Masks
 * come from one seeded generator in order, so the map does not depend on the batch size.
 */
public final class Rise implements AttributionMethod {
    /**
     * @param masks        N
     * @param grid         cells per side of the binary grid
     * @param keep         probability p that a cell is kept
     * @param seed         seed of the masks
     * @param batchSize    masked copies per forward call
     * @param memoryBudget bytes one call may use
     */
    public record Params(int masks, int grid, double keep, long seed, int batchSize, long memoryBudget) {}

    static final ParameterDescription<Integer> MASKS = ParameterDescription.integer("masks", "Masks", 2000, 1,
            100_000, "", "random masks N; the map's noise falls as 1/√N");
    static final ParameterDescription<Integer> GRID = ParameterDescription.integer("grid", "Grid", 7, 2, 64,
            "cells", "cells per side of each random binary grid (smaller cells: finer, noisier maps)");
    static final ParameterDescription<Double> KEEP = ParameterDescription.positive("keep", "Keep", 0.5, 1, "",
            "probability that a grid cell is kept");
    static final ParameterDescription<Integer> SEED = ParameterDescription.integer("seed", "Seed", 0, 0,
            Integer.MAX_VALUE, "", "seed of the masks, for reproducible maps");

    public static final MethodDescription DESCRIPTION = new MethodDescription("rise", "RISE",
            "Σ_i (F_c(x ⊙ m_i) − F̄) m_i / (N·p) over N random upsampled binary masks m_i: forward passes only",
            List.of(MASKS, GRID, KEEP, SEED, ChunkParameters.BATCH, ChunkParameters.MEMORY_MB),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    new MethodTraits.Cost(0, 0, 1, 0, MASKS.name())),
            values -> new Rise(new Params(values.get(MASKS), values.get(GRID), values.get(KEEP), values.get(SEED),
                    values.get(ChunkParameters.BATCH), ChunkParameters.memoryBudget(values))));

    private final Params params;

    public Rise(Params params) {
        this.params = params;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        DifferentiableModel model = request.model();
        ImageGeometry geo = request.geometry();
        int h = geo.height();
        int w = geo.width();
        float[] x = request.input();
        int n = x.length;
        int classes = model.classes();
        int total = params.masks();
        Batching.Plan plan = Batching.plan(model, ChunkKind.FORWARD, params.batchSize(), params.memoryBudget(), total);
        Random random = new Random(params.seed());
        double[] weighted = new double[h * w];
        double[] coverage = new double[h * w];
        double[] scoreSum = {0};
        // masks are drawn in order as inputs are filled, and dropped once their score is in (a round or two later)
        Map<Integer, float[]> masks = new HashMap<>();
        Rounds.forward(plan, total, (k, in, offset) -> {
            float[] m = mask(random, params.grid(), params.keep(), h, w);
            masks.put(k, m);
            for (int c = 0; c < geo.channels(); c++) {
                float black = request.black(c);
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < w; xx++) {
                        int i = geo.index(c, y, xx);
                        float keep = m[y * w + xx];
                        in[offset + i] = x[i] * keep + black * (1 - keep);
                    }
                }
            }
        }, (k, out, offset) -> {
            double score = Tensors.head(out, offset, classes, request.targetClass(), request.head());
            scoreSum[0] += score;
            float[] m = masks.remove(k);
            for (int i = 0; i < h * w; i++) {
                weighted[i] += score * m[i];
                coverage[i] += m[i];
            }
        }, progress, name());
        double mean = scoreSum[0] / total;
        float[] map = new float[n];
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int i = y * w + xx;
                float v = (float) ((weighted[i] - mean * coverage[i]) / (total * params.keep()));
                for (int c = 0; c < geo.channels(); c++) {
                    map[geo.index(c, y, xx)] = v;
                }
            }
        }
        return new Attribution(map, request.inputShape(), true, Map.of("meanScore", mean, "masks", (double) total));
    }

    /**
     * One mask [h·w] in [0, 1]: a grid×grid Bernoulli(p) grid, upsampled bilinearly to (grid+1)·cell pixels per
     * side (cell = ⌈size / grid⌉), cropped at a random offset in [0, cell) per axis.
     */
    static float[] mask(Random random, int grid, double keep, int h, int w) {
        float[] cells = new float[grid * grid];
        for (int i = 0; i < cells.length; i++) {
            cells[i] = random.nextDouble() < keep ? 1f : 0f;
        }
        int cellH = (h + grid - 1) / grid;
        int cellW = (w + grid - 1) / grid;
        int upH = (grid + 1) * cellH;
        int upW = (grid + 1) * cellW;
        float[] up = Tensors.resizeBilinear(cells, grid, grid, upH, upW);
        int dy = random.nextInt(cellH);
        int dx = random.nextInt(cellW);
        float[] m = new float[h * w];
        for (int y = 0; y < h; y++) {
            System.arraycopy(up, (y + dy) * upW + dx, m, y * w, w);
        }
        return m;
    }
}
