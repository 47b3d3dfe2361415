package dev.salient.attribution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * XRAI (Kapishnikov et al. 2019), as PAIR's saliency library's "full" algorithm: a = max over channels of the Integrated
 * Gradients map (averaged over the baselines); candidate regions are the segments of Felzenszwalb over-segmentations
 * at several scales, each dilated by a disk; regions are added greedily, each time the one whose not-yet-covered
 * pixels have the highest mean a (gain density), until the image is covered.
 *
 * <p>Convention: each pixel's value is the gain density of the region that first covered it (the mean of a over the
 * pixels that region added), so the map ranks regions as PAIR's region ranks do (higher value, earlier rank); pixels
 * no region added (each remaining region added fewer than 50 new pixels) get the mean of a over them. Segmentation as
 * PAIR's: σ = 0.8 blur, minimum segment 150 pixels, 8-connected, on the model input itself (PAIR resizes to
 * 224×224 first); PAIR's scikit-image scale s on a [−1, 1] image is BoofCV's k = s/2 on 0–255 values.
 *
 * <p>Cost: IG from each baseline plus the segmentation. Measured warm on bird.bmp (224×224, 2 cores shared, load
 * average ≈ 7): the six Felzenszwalb scales 1.1–1.4 s (BoofCV sorts each scale's ~200 k edges exactly), with
 * dilation of the 313 candidates 1.4–1.7 s, the greedy loop 0.06–0.47 s; {@code salient bench --methods} puts
 * XRAI at steps = 16 at 1.9× two Integrated Gradients runs of 16 steps.
 */
public final class Xrai implements AttributionMethod {
    /** Which straight-line paths Integrated Gradients averages over. */
    public enum PathBaselines {
        /** The black and the white photo (PAIR's default). */
        BLACK_AND_WHITE,
        /** The black photo. */
        BLACK
    }

    /**
     * @param steps          IG gradient evaluations per baseline (Gauss–Legendre)
     * @param baselines      IG's baselines
     * @param scales         Felzenszwalb scales, in PAIR's (scikit-image's) units
     * @param dilation       radius in pixels of the disk each segment is dilated by
     * @param batchSize      images per gradient run
     * @param memoryBudget   bytes one run may use
     */
    public record Params(int steps, PathBaselines baselines, double[] scales, int dilation, int batchSize,
                         long memoryBudget) {
        public Params {
            scales = scales.clone();
            if (steps < 1 || batchSize < Batching.AUTO || memoryBudget < 1 || dilation < 0 || scales.length == 0
                    || scales.length > MAX_SCALES || Arrays.stream(scales).anyMatch(s -> !(s > 0) || Double.isInfinite(s))) {
                throw new IllegalArgumentException("steps, batch, memory budget and 1 to " + MAX_SCALES + " scales "
                        + "must be positive, dilation ≥ 0");
            }
        }

        @Override
        public double[] scales() {
            return scales.clone();
        }
    }

    /** PAIR's constants, fixed there too. */
    static final double SEGMENTATION_SIGMA = 0.8;
    static final int MIN_SEGMENT = 150;
    static final int MIN_NEW_PIXELS = 50;
    /**
     * At most this many scales: each adds up to (pixels / 150) candidates, and the greedy loop's time grows with the
     * square of their number.
     */
    static final int MAX_SCALES = 8;

    static final ParameterDescription<PathBaselines> IG_BASELINES = ParameterDescription.choice("ig-baselines",
            "IG baselines", PathBaselines.class, PathBaselines.BLACK_AND_WHITE,
            "where Integrated Gradients' paths start: black and white photos (averaged), or black");
    static final ParameterDescription<String> SCALES = ParameterDescription.text("scales", "Segment scales",
            "50,100,150,250,500,1200", "Felzenszwalb scales of the candidate regions, comma-separated (larger: "
                    + "larger segments)");
    static final ParameterDescription<Integer> DILATION = ParameterDescription.integer("dilation", "Dilation", 5, 0,
            20, "px", "radius of the disk each segment is dilated by");

    public static final MethodDescription DESCRIPTION = new MethodDescription("xrai", "XRAI",
            "regions of multi-scale Felzenszwalb segments added greedily by their Integrated Gradients density; each "
                    + "pixel shows its region's density",
            List.of(IntegratedGradients.STEPS, IG_BASELINES, SCALES, DILATION, ChunkParameters.BATCH, ChunkParameters.MEMORY_MB),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    new MethodTraits.Cost(4, 0, 2, 2, IntegratedGradients.STEPS.name())),
            values -> new Xrai(new Params(values.get(IntegratedGradients.STEPS), values.get(IG_BASELINES),
                    scales(values.get(SCALES)), values.get(DILATION), values.get(ChunkParameters.BATCH),
                    ChunkParameters.memoryBudget(values))));

    /** One region as added: its new pixels and their mean attribution. */
    record Region(int[] pixels, double gain) {}

    private final Params params;

    public Xrai(Params params) {
        this.params = params;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ImageGeometry geo = request.geometry();
        double[] a = channelMax(integratedGradients(request, progress), geo);
        ProgressListener.check(progress, name());
        List<int[]> candidates = candidates(request);
        List<Region> regions = regions(a, candidates);
        double[] gains = new double[regions.size()];
        int[] labels = new int[a.length];
        for (int r = 0; r < regions.size(); r++) {
            gains[r] = regions.get(r).gain();
            for (int p : regions.get(r).pixels()) {
                labels[p] = r;
            }
        }
        float[] map = new Superpixels(labels, regions.size(), geo.height(), geo.width()).paint(gains, geo);
        return new Attribution(map, request.inputShape(), true, Map.of("regions", (double) regions.size(),
                "candidates", (double) candidates.size()));
    }

    /** a: the largest value over channels at each pixel, row-major [h·w]. */
    static double[] channelMax(float[] map, ImageGeometry geo) {
        double[] a = new double[geo.height() * geo.width()];
        Arrays.fill(a, Double.NEGATIVE_INFINITY);
        for (int c = 0; c < geo.channels(); c++) {
            for (int p = 0; p < a.length; p++) {
                a[p] = Math.max(a[p], map[geo.index(c, p / geo.width(), p % geo.width())]);
            }
        }
        return a;
    }

    /** Every segment of every scale, dilated: the candidate regions. */
    List<int[]> candidates(AttributionRequest request) {
        ImageGeometry geo = request.geometry();
        List<int[]> candidates = new ArrayList<>();
        for (double scale : params.scales()) {
            Superpixels s = Superpixels.felzenszwalb(request, scale / 2, MIN_SEGMENT, SEGMENTATION_SIGMA);
            for (int[] segment : s.members()) {
                candidates.add(dilate(segment, geo.height(), geo.width(), params.dilation()));
            }
        }
        return candidates;
    }

    /** IG from each baseline, averaged; progress counts the gradient evaluations of all of them. */
    float[] integratedGradients(AttributionRequest request, ProgressListener progress) {
        List<float[]> starts = new ArrayList<>();
        starts.add(request.blackImage());
        if (params.baselines() == PathBaselines.BLACK_AND_WHITE) {
            starts.add(whiteImage(request));
        }
        int total = params.steps() * starts.size();
        float[] mean = new float[request.input().length];
        for (int b = 0; b < starts.size(); b++) {
            int done = b * params.steps();
            ProgressListener part = new ProgressListener() {
                @Override
                public void progress(int d, int t) {
                    progress.progress(done + d, total);
                }

                @Override
                public boolean cancelled() {
                    return progress.cancelled();
                }
            };
            float[] one = new IntegratedGradients(new IntegratedGradients.Params(params.steps(),
                    IntegratedGradients.Rule.GAUSS_LEGENDRE, new IntegratedGradients.Baseline.Custom(starts.get(b)),
                    params.batchSize(), params.memoryBudget())).attribute(request, part).values();
            for (int i = 0; i < mean.length; i++) {
                mean[i] += one[i] / starts.size();
            }
        }
        return mean;
    }

    /** The model-space white photo, or the input's maximum where white is not known. */
    private static float[] whiteImage(AttributionRequest request) {
        ImageGeometry g = request.geometry();
        float max = Tensors.range(request.input())[1];
        float[] image = new float[request.input().length];
        for (int c = 0; c < g.channels(); c++) {
            float v = request.white() == null ? max : request.white()[c];
            for (int y = 0; y < g.height(); y++) {
                for (int x = 0; x < g.width(); x++) {
                    image[g.index(c, y, x)] = v;
                }
            }
        }
        return image;
    }

    /**
     * PAIR's greedy loop: while candidates remain, drop those adding fewer than {@link #MIN_NEW_PIXELS} new pixels,
     * add the one whose new pixels have the highest mean of {@code a}; then the pixels left uncovered form one last
     * region with their own mean. The regions partition the image, in the order added.
     */
    static List<Region> regions(double[] a, List<int[]> candidates) {
        boolean[] covered = new boolean[a.length];
        List<int[]> remaining = new ArrayList<>(candidates);
        List<Region> regions = new ArrayList<>();
        while (!remaining.isEmpty()) {
            int best = -1;
            double bestGain = Double.NEGATIVE_INFINITY;
            List<int[]> kept = new ArrayList<>(remaining.size());
            for (int[] candidate : remaining) {
                int fresh = 0;
                double sum = 0;
                for (int p : candidate) {
                    if (!covered[p]) {
                        fresh++;
                        sum += a[p];
                    }
                }
                if (fresh < MIN_NEW_PIXELS) {
                    continue;
                }
                if (sum / fresh > bestGain || best < 0) {
                    bestGain = sum / fresh;
                    best = kept.size();
                }
                kept.add(candidate);
            }
            if (kept.isEmpty()) {
                break;
            }
            int[] chosen = kept.remove(best);
            regions.add(new Region(Arrays.stream(chosen).filter(p -> !covered[p]).toArray(), bestGain));
            for (int p : chosen) {
                covered[p] = true;
            }
            remaining = kept;
        }
        int[] rest = java.util.stream.IntStream.range(0, a.length).filter(p -> !covered[p]).toArray();
        if (rest.length > 0) {
            regions.add(new Region(rest, Arrays.stream(rest).mapToDouble(p -> a[p]).average().orElse(0)));
        }
        return regions;
    }

    /** The pixels within Euclidean distance {@code radius} of the segment, sorted. */
    static int[] dilate(int[] segment, int height, int width, int radius) {
        if (radius == 0) {
            return segment.clone();
        }
        boolean[] in = new boolean[height * width];
        for (int p : segment) {
            int y = p / width;
            int x = p % width;
            for (int dy = -radius; dy <= radius; dy++) {
                int yy = y + dy;
                if (yy < 0 || yy >= height) {
                    continue;
                }
                int reach = (int) Math.floor(Math.sqrt(radius * radius - dy * dy));
                int from = Math.max(0, x - reach);
                int to = Math.min(width - 1, x + reach);
                Arrays.fill(in, yy * width + from, yy * width + to + 1, true);
            }
        }
        return java.util.stream.IntStream.range(0, in.length).filter(p -> in[p]).toArray();
    }

    /** "50, 100,150" → {50, 100, 150}. */
    static double[] scales(String text) {
        try {
            double[] s = Arrays.stream(text.split(",")).map(String::strip).mapToDouble(Double::parseDouble).toArray();
            if (s.length > 0 && s.length <= MAX_SCALES && Arrays.stream(s).allMatch(v -> v > 0 && v <= 100_000)) {
                return s;
            }
        } catch (NumberFormatException e) {
            // reported below, with the parameter's name
        }
        throw new InvalidParameterException(SCALES.name(), DESCRIPTION.subject(SCALES.name())
                + " must be 1 to " + MAX_SCALES + " positive numbers up to 100000, comma-separated; got '" + text + "'");
    }
}
