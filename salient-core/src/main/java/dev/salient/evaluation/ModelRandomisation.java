package dev.salient.evaluation;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ProgressListener;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.OnnxModel;
import dev.salient.graph.TensorData;
import dev.salient.render.AttributionMap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.*;

/**
 * The model-randomisation sanity check (Adebayo, Gilmer, Muelly, Goodfellow, Hardt &amp; Kim 2018, "Sanity Checks
 * for Saliency Maps"), cascading: the weights of the top d layers are redrawn at random, d = 1 … L from the
 * output down, the map recomputed on each randomised model, and compared with the original by Spearman's ρ of
 * |r| and of r and by SSIM ({@link MapSimilarity}). A map that explains the model must change once the model is
 * gone (<b>lower is better</b>): the headline {@code cascade} = mean over the evaluated depths d of ρ(|r|, |r'_d|)
 * (the area under the cascade curve, per layer count), then ρ and SSIM with every layer random. A method whose
 * cascade stays at or above {@link #FAIL_THRESHOLD} is flagged.
 *
 * <p>Layers are the Conv, ConvTranspose, Gemm and MatMul nodes; each of their float initializers (weights, bias;
 * found through Identity nodes) is redrawn from a normal distribution with the tensor's own mean and standard
 * deviation, seeded per layer, so layer k gets the same random weights at every depth. Only d at {@code steps}
 * evenly spaced depths (always including L) is evaluated; each needs a fresh model and sessions, built here,
 * used for every case of that model, and closed before the next.
 */
public final class ModelRandomisation implements Metric {
    /**
     * A method fails when the mean over its photos of {@code cascade} is at least this. Adebayo et al. find guided
     * backprop's map unchanged while the top layers are randomised, the gradient's changed at once. Measured on
     * MobileNetV2 and the 13 shared photos (6 depths, README): guided backprop 0.66 (no photo below 0.60), then
     * gradient × input 0.26, Grad-CAM++ 0.24, integrated gradients 0.24, gradient 0.15, SmoothGrad 0.11,
     * occlusion 0.07, Grad-CAM 0.01; with every layer random the values bunch together (guided backprop 0.22,
     * gradient 0.06, Grad-CAM++ 0.29), which is why the whole cascade is the criterion.
     */
    public static final double FAIL_THRESHOLD = 0.5;

    /**
     * @param steps depths evaluated (≥ 1), evenly spaced over 1 … L and always ending at L
     * @param seed  seed of the redrawn weights
     */
    public record Params(int steps, long seed) {
        public Params {
            if (steps < 1) {
                throw new IllegalArgumentException("sanity-check steps must be at least 1: " + steps);
            }
        }
    }

    public static final Params DEFAULTS = new Params(6, 0);

    private static final Set<String> LAYER_OPS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

    /** A layer's node and the initializers that hold its parameters. */
    public record Layer(String node, String op, List<String> initializers) {}

    private final Params params;

    public ModelRandomisation(Params params) {
        this.params = params;
    }

    public ModelRandomisation() {
        this(DEFAULTS);
    }

    @Override
    public String name() {
        return "sanity-check";
    }

    @Override
    public List<Score> scores() {
        return List.of(new Score("cascade", false, "mean rank correlation of |map| with the original over the cascade"),
                new Score("spearman-abs", false, "rank correlation of |map| with the original, all layers random"),
                new Score("spearman", false, "rank correlation of the signed map with the original, all layers random"),
                new Score("ssim", false, "SSIM of |map| with the original, all layers random"));
    }

    @Override
    public int units(List<EvaluationCase> cases) {
        return Math.max(1, cases.size() * params.steps());
    }

    /** The parametric layers in network order (input first). */
    public static List<Layer> layers(OnnxModel model) {
        Map<String, String> identityOf = new HashMap<>();
        for (OnnxMl.NodeProto n : model.graph().getNodeList()) {
            if (n.getOpType().equals("Identity") && n.getInputCount() == 1 && n.getOutputCount() == 1) {
                identityOf.put(n.getOutput(0), n.getInput(0));
            }
        }
        List<Layer> layers = new ArrayList<>();
        for (OnnxMl.NodeProto n : model.graph().getNodeList()) {
            if (!LAYER_OPS.contains(n.getOpType())) {
                continue;
            }
            List<String> params = new ArrayList<>();
            for (String in : n.getInputList()) {
                String source = in;
                for (int hops = 0; identityOf.containsKey(source) && hops < 16; hops++) {
                    source = identityOf.get(source);
                }
                OnnxMl.TensorProto t = model.initializers().get(source);
                if (t != null && t.getDataType() == OnnxMl.TensorProto.DataType.FLOAT_VALUE && !params.contains(source)) {
                    params.add(source);
                }
            }
            if (!params.isEmpty()) {
                layers.add(new Layer(n.getName().isEmpty() ? n.getOutput(0) : n.getName(), n.getOpType(), params));
            }
        }
        return layers;
    }

    /** The depths evaluated for {@code layerCount} layers: ⌈j·L/steps⌉ for j = 1 … steps, without repeats. */
    int[] depths(int layerCount) {
        TreeSet<Integer> d = new TreeSet<>();
        for (int j = 1; j <= params.steps(); j++) {
            d.add((int) Math.ceil((double) j * layerCount / params.steps()));
        }
        return d.stream().mapToInt(Integer::intValue).filter(v -> v >= 1).toArray();
    }

    /** The model with the top {@code depth} of {@code layers} redrawn (layers in network order). */
    OnnxModel randomised(OnnxModel model, List<Layer> layers, int depth) {
        Map<String, OnnxMl.TensorProto> redrawn = new HashMap<>();
        for (int k = layers.size() - depth; k < layers.size(); k++) {
            SplittableRandom random = new SplittableRandom(params.seed() * 0x9E3779B97F4A7C15L + k);
            for (String name : layers.get(k).initializers()) {
                redrawn.computeIfAbsent(name, n -> redraw(model.initializers().get(n), random));
            }
        }
        OnnxMl.GraphProto.Builder g = model.graph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            OnnxMl.TensorProto t = redrawn.get(g.getInitializer(i).getName());
            if (t != null) {
                g.setInitializer(i, t);
            }
        }
        return new OnnxModel(model.proto().toBuilder().setGraph(g).build());
    }

    /** The tensor with values drawn from N(mean, std²) of its own values. */
    static OnnxMl.TensorProto redraw(OnnxMl.TensorProto t, SplittableRandom random) {
        float[] v = TensorData.floats(t);
        double mean = 0;
        for (float f : v) {
            mean += f;
        }
        mean /= v.length;
        double var = 0;
        for (float f : v) {
            var += (f - mean) * (f - mean);
        }
        double std = Math.sqrt(var / v.length);
        ByteBuffer raw = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) {
            raw.putFloat((float) (mean + std * random.nextGaussian()));
        }
        raw.flip();
        return t.toBuilder().clearFloatData().clearDoubleData().setRawData(ByteString.copyFrom(raw)).build();
    }

    @Override
    public List<MetricResult> evaluate(List<EvaluationCase> cases, ProgressListener progress) {
        int total = units(cases);
        progress.progress(0, total);
        // cases of one model share its randomised copies
        Map<DifferentiableModel, List<Integer>> byModel = new IdentityHashMap<>();
        for (int i = 0; i < cases.size(); i++) {
            byModel.computeIfAbsent(cases.get(i).request().model(), m -> new ArrayList<>()).add(i);
        }
        double[][][] similarity = new double[cases.size()][][];
        int[][] depthsOf = new int[cases.size()][];
        Map<DifferentiableModel, List<Layer>> layersOf = new IdentityHashMap<>();
        int maps = 0;
        for (Map.Entry<DifferentiableModel, List<Integer>> group : byModel.entrySet()) {
            List<Layer> layers = layers(group.getKey().model());
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("the model has no Conv, Gemm or MatMul layer with weights to randomise");
            }
            layersOf.put(group.getKey(), layers);
            int[] depths = depths(layers.size());
            for (int i : group.getValue()) {
                if (cases.get(i).method() == null) {
                    throw new IllegalArgumentException("the sanity check recomputes each map, but the map of "
                            + cases.get(i).methodName() + " on " + cases.get(i).photo() + " came without its method");
                }
                similarity[i] = new double[depths.length][];
                depthsOf[i] = depths;
                maps += depths.length;
            }
        }
        int done = 0;
        for (Map.Entry<DifferentiableModel, List<Integer>> group : byModel.entrySet()) {
            DifferentiableModel original = group.getKey();
            List<Layer> layers = layersOf.get(original);
            int[] depths = depthsOf[group.getValue().get(0)];
            for (int s = 0; s < depths.length; s++) {
                ProgressListener.check(progress, name());
                try (DifferentiableModel random = DifferentiableModel.open(randomised(original.model(), layers, depths[s]),
                        original.inputName(), original.outputName(), original.inputShape(1), EngineOptions.DEFAULT)) {
                    for (int i : group.getValue()) {
                        ProgressListener.check(progress, name());
                        similarity[i][s] = compare(cases.get(i), random, progress);
                        done++;
                        progress.progress((int) ((long) done * total / maps), total);
                    }
                }
            }
        }
        progress.progress(total, total);
        List<MetricResult> out = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            out.add(result(depthsOf[i], similarity[i]));
        }
        return out;
    }

    /** ρ(|r|, |r'|), ρ(r, r'), SSIM of the case's map and the map recomputed on {@code random}. */
    private static double[] compare(EvaluationCase c, DifferentiableModel random, ProgressListener progress) {
        AttributionRequest r = c.request();
        AttributionRequest onRandom = new AttributionRequest(random, r.input(), r.targetClass(), r.head(), r.layout(),
                r.black());
        Attribution a = c.method().attribute(onRandom, new ProgressListener() {
            @Override
            public void progress(int done, int total) {
            }

            @Override
            public boolean cancelled() {
                return progress.cancelled();
            }
        });
        AttributionMap after = Relevance.of(a, r.geometry(), c.aggregation());
        float[] before = c.relevance().values();
        float[] now = after.values();
        return new double[]{MapSimilarity.spearmanOfMagnitudes(before, now), MapSimilarity.spearman(before, now),
                MapSimilarity.ssim(before, now, after.height(), after.width())};
    }

    private MetricResult result(int[] depths, double[][] similarity) {
        int n = depths.length;
        double[] x = new double[n + 1];
        double[][] y = new double[3][n + 1];
        for (int k = 0; k < 3; k++) {
            y[k][0] = 1; // the original map against itself
        }
        for (int s = 0; s < n; s++) {
            x[s + 1] = depths[s];
            for (int k = 0; k < 3; k++) {
                y[k][s + 1] = similarity[s][k];
            }
        }
        String xLabel = "layers randomised from the top";
        List<Curve> curves = List.of(new Curve("spearman-abs", xLabel, "Spearman rank correlation of |map|", x, y[0]),
                new Curve("spearman", xLabel, "Spearman rank correlation of the map", x, y[1]),
                new Curve("ssim", xLabel, "SSIM of |map|", x, y[2]));
        double cascade = 0;
        for (int s = 1; s <= n; s++) {
            cascade += y[0][s] / n;
        }
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("cascade", cascade);
        scores.put("spearman-abs", y[0][n]);
        scores.put("spearman", y[1][n]);
        scores.put("ssim", y[2][n]);
        scores.put("layers", (double) depths[n - 1]);
        List<String> flags = cascade >= FAIL_THRESHOLD ? List.of(String.format(Locale.ROOT,
                "fails the sanity check: as the model's %d layers are randomised from the top, the map keeps a mean "
                        + "ρ(|r|) = %.2f ≥ %.2f with the original", depths[n - 1], cascade, FAIL_THRESHOLD)) : List.of();
        return new MetricResult(name(), scores, curves, flags, n);
    }
}
