package dev.salient.attribution;

import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Score-CAM (Wang et al. 2020), gradient-free weights from forward passes: H_k = the channel A_k upsampled to the
 * input and min-max scaled to [0, 1]; w_k = F_c(x ⊙ H_k) − F_c(x ⊙ 0); map L = ReLU(Σ_k w_k A_k).
 *
 * <p>Conventions: F_c is the request's head (logit, probability or log-probability), and the paper's increase over
 * the baseline x ⊙ 0 is kept; pytorch-grad-cam instead takes w = softmax_k(logit_c(x ⊙ H_k)), weights that sum to
 * 1 whatever the score's scale ({@link #pytorchGradCamWeights} reproduces it). The upsampling is Salient's
 * renderer's (half-pixel bilinear, {@link Tensors#resizeBilinear}); pytorch-grad-cam uses align_corners=True.
 * The masked copies go through the network {@code batch} at a time; {@code top-channels} keeps only the k channels
 * with the largest activation mass Σ_ij A_kij (the rest weigh 0), for k forward passes instead of C.
 */
public final class ScoreCam extends GradCam {
    /**
     * @param topChannels  channels scored, by activation mass; 0 for all
     * @param batchSize    masked copies per forward call
     * @param memoryBudget bytes one call may use
     */
    public record Settings(String layer, int topChannels, int batchSize, long memoryBudget) {}

    static final ParameterDescription<Integer> TOP_CHANNELS = ParameterDescription.integer("top-channels",
            "Top channels", 0, 0, 1 << 16, "", "score only the k channels with the largest activation mass (0: all)");

    public static final MethodDescription DESCRIPTION = new MethodDescription("scorecam", "Score-CAM",
            "ReLU(Σ_k w_k A_k), w_k = F_c(x ⊙ H_k) − F_c(x ⊙ 0), H_k the channel upsampled and scaled to [0, 1]: "
                    + "forward passes only", List.of(LAYER, TOP_CHANNELS, ChunkParameters.BATCH, ChunkParameters.MEMORY_MB),
            new MethodTraits(MethodTraits.MapKind.LAYER, false, MethodTraits.Scale.PER_MAP, false,
                    // the layer-only gradient run for the activations, the baseline, then one forward per channel
                    new MethodTraits.Cost(2, 1, 1, 0, "channels")),
            values -> new ScoreCam(new Settings(values.get(LAYER), values.get(TOP_CHANNELS), values.get(ChunkParameters.BATCH),
                    ChunkParameters.memoryBudget(values))));

    private final Settings settings;

    public ScoreCam(Settings settings) {
        super(new Params(settings.layer()));
        this.settings = settings;
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        SpatialLayers.Layer layer = layer(request.model());
        float[] activation = activation(request, layer);
        int channels = layer.channels();
        int hw = layer.height() * layer.width();
        int[] scored = topChannels(activation, channels, hw, settings.topChannels());
        double[] scores = maskedScores(request, activation, layer, scored, false,
                settings.batchSize(), settings.memoryBudget(), progress, name());
        float[] baseline = new float[request.input().length];
        double base = Tensors.head(request.model().forward(baseline, 1), 0, request.model().classes(),
                request.targetClass(), request.head());
        float[] weights = new float[channels];
        for (int j = 0; j < scored.length; j++) {
            weights[scored[j]] = (float) (scores[j] - base);
        }
        float[] map = relu(weightedSum(weights, activation, channels, hw));
        return layerMap(map, layer,
                Map.of("baselineScore", base, "channels", (double) scored.length));
    }

    /** The k channels with the largest Σ_ij A_kij (ties: lower index first), in channel order; all when k is 0 or ≥ C. */
    static int[] topChannels(float[] activation, int channels, int hw, int k) {
        if (k <= 0 || k >= channels) {
            return IntStream.range(0, channels).toArray();
        }
        double[] mass = new double[channels];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < hw; i++) {
                mass[c] += activation[c * hw + i];
            }
        }
        return IntStream.range(0, channels).boxed()
                .sorted(Comparator.comparingDouble((Integer c) -> -mass[c]).thenComparingInt(c -> c))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    /** F_c(x ⊙ H_k) for each channel in {@code channels}, H_k upsampled ({@link Tensors#resizeBilinear}) and min-max scaled. */
    static double[] maskedScores(AttributionRequest request, float[] activation, SpatialLayers.Layer layer,
                                 int[] channels, boolean alignCorners, int batch, long budget,
                                 ProgressListener progress, String method) {
        DifferentiableModel model = request.model();
        ImageGeometry geo = request.geometry();
        int h = layer.height();
        int w = layer.width();
        int hw = h * w;
        float[] x = request.input();
        int n = x.length;
        Batching.Plan plan = Batching.plan(model, ChunkKind.FORWARD, batch, budget, channels.length);
        double[] scores = new double[channels.length];
        Rounds.forward(plan, channels.length, (k, in, offset) -> {
            float[] mask = Tensors.resizeBilinear(Arrays.copyOfRange(activation, channels[k] * hw,
                    (channels[k] + 1) * hw), h, w, geo.height(), geo.width(), alignCorners);
            float[] range = Tensors.range(mask);
            float scale = (float) (1 / (range[1] - range[0] + MIN_MAX_EPS));
            for (int c = 0; c < geo.channels(); c++) {
                for (int y = 0; y < geo.height(); y++) {
                    for (int xx = 0; xx < geo.width(); xx++) {
                        int i = geo.index(c, y, xx);
                        in[offset + i] = x[i] * (mask[y * geo.width() + xx] - range[0]) * scale;
                    }
                }
            }
        }, (k, out, offset) -> scores[k] = Tensors.head(out, offset, model.classes(), request.targetClass(),
                request.head()), progress, method);
        return scores;
    }

    /** Keeps a constant channel's mask finite (all zeros); pytorch-grad-cam's value. */
    static final double MIN_MAX_EPS = 1e-8;

    /** pytorch-grad-cam's weights: softmax over the channels of the masked scores. */
    static float[] pytorchGradCamWeights(double[] scores) {
        double max = Arrays.stream(scores).max().orElse(0);
        double sum = Arrays.stream(scores).map(s -> Math.exp(s - max)).sum();
        float[] w = new float[scores.length];
        for (int k = 0; k < scores.length; k++) {
            w[k] = (float) (Math.exp(scores[k] - max) / sum);
        }
        return w;
    }
}
