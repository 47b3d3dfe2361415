package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;
import dev.salient.graph.OnnxModel;

import java.util.*;

/**
 * Ablation-CAM (Desai &amp; Ramaswamy 2020), gradient-free: w_k = F_c(A) − F_c(A with channel k set to 0), the drop
 * of the score when the channel is ablated; map L = ReLU(Σ_k w_k A_k).
 *
 * <p>Only the network above the layer is re-run: its activations come from one layer-only gradient run, then the
 * graph from the layer to the scores (built once per call, {@link #above}) takes {@code batch} ablated copies per
 * forward call, C copies in all. That needs a layer the rest of the network reads alone (true of a CNN's last
 * layer; a layer inside a residual block, whose skip path bypasses it, is refused by name).
 *
 * <p>Convention: the paper and pytorch-grad-cam divide the drop by F_c(A), w_k = (F_c − F_c^k)/F_c. Salient keeps
 * the plain drop: the division only rescales a positive score's map, and turns a negative score's map upside down.
 * F_c is the request's head.
 */
public final class AblationCam extends GradCam {
    /**
     * @param batchSize    ablated copies per forward call
     * @param memoryBudget bytes one call may use
     */
    public record Settings(String layer, int batchSize, long memoryBudget) {}


    public static final MethodDescription DESCRIPTION = new MethodDescription("ablationcam", "Ablation-CAM",
            "ReLU(Σ_k w_k A_k), w_k = F_c − F_c with channel k of the layer set to 0: forward passes only",
            List.of(LAYER, ChunkParameters.BATCH, ChunkParameters.MEMORY_MB),
            new MethodTraits(MethodTraits.MapKind.LAYER, false, MethodTraits.Scale.PER_MAP, false,
                    // the layer-only gradient run, the unablated score, then one pass above the layer per channel
                    new MethodTraits.Cost(2, 1, 1, 0, "channels")),
            values -> new AblationCam(new Settings(values.get(LAYER), values.get(ChunkParameters.BATCH),
                    ChunkParameters.memoryBudget(values))));

    private final Settings settings;

    public AblationCam(Settings settings) {
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
        double[] ablated = new double[channels];
        double score = ablatedScores(request, layer, activation, settings.batchSize(), settings.memoryBudget(),
                ablated, progress, name());
        float[] weights = new float[channels];
        for (int k = 0; k < channels; k++) {
            weights[k] = (float) (score - ablated[k]);
        }
        float[] map = relu(weightedSum(weights, activation, channels, hw));
        return layerMap(map, layer, Map.of("targetScore", score));
    }

    /**
     * Fills {@code ablated[k]} with F_c when channel k of the layer is 0, and returns F_c of the intact layer, both
     * computed by the network above the layer.
     */
    static double ablatedScores(AttributionRequest request, SpatialLayers.Layer layer, float[] activation, int batch,
                                long budget, double[] ablated, ProgressListener progress, String method) {
        DifferentiableModel model = request.model();
        int channels = layer.channels();
        int hw = layer.height() * layer.width();
        int n = activation.length;
        int classes = model.classes();
        try (DifferentiableModel above = DifferentiableModel.open(above(model, layer.name()), layer.name(),
                model.outputName(), layer.shape(), model.options())) {
            double score = Tensors.head(above.forward(activation, 1), 0, classes, request.targetClass(),
                    request.head());
            // the network above the layer is a model of its own, whose chunk sizes are measured for it
            Batching.Plan plan = Batching.plan(above, ChunkKind.FORWARD, batch, budget, channels);
            Rounds.forward(plan, channels, (k, in, offset) -> {
                System.arraycopy(activation, 0, in, offset, n);
                Arrays.fill(in, offset + k * hw, offset + (k + 1) * hw, 0f);
            }, (k, out, offset) -> ablated[k] = Tensors.head(out, offset, classes, request.targetClass(),
                    request.head()), progress, method);
            return score;
        }
    }

    /**
     * The part of {@code model}'s graph from {@code layer} (its only input) to the class scores.
     *
     * @throws IllegalArgumentException when the scores also read a tensor that does not come from the layer
     */
    static OnnxModel above(DifferentiableModel model, String layer) {
        OnnxMl.GraphProto graph = model.model().graph();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String o : graph.getNode(i).getOutputList()) {
                producer.put(o, i);
            }
        }
        Set<Integer> kept = new TreeSet<>();
        Set<String> initializers = new HashSet<>();
        Set<String> seen = new HashSet<>();
        Deque<String> work = new ArrayDeque<>(List.of(model.outputName()));
        while (!work.isEmpty()) {
            String t = work.pop();
            if (t.isEmpty() || t.equals(layer) || !seen.add(t)) {
                continue;
            }
            if (model.model().isInitializer(t)) {
                initializers.add(t);
            } else if (producer.containsKey(t)) {
                int node = producer.get(t);
                kept.add(node);
                work.addAll(graph.getNode(node).getInputList());
            } else {
                throw new IllegalArgumentException("Ablation-CAM re-runs the network above layer '" + layer
                        + "' from that layer alone, but the scores also read '" + t + "' through another path; "
                        + "pick a layer every path to the scores passes through (such as the last one)");
            }
        }
        OnnxMl.GraphProto.Builder g = graph.toBuilder().clearNode().clearInput().clearOutput().clearInitializer()
                .clearValueInfo();
        kept.forEach(i -> g.addNode(graph.getNode(i)));
        graph.getInitializerList().stream().filter(t -> initializers.contains(t.getName())).forEach(g::addInitializer);
        g.addInput(tensorInfo(layer, model.types().of(layer), model.shapes().at(layer, 1)));
        g.addOutput(tensorInfo(model.outputName(), model.types().of(model.outputName()), null));
        return new OnnxModel(model.model().proto().toBuilder().setGraph(g).build());
    }

    private static OnnxMl.ValueInfoProto tensorInfo(String name, int elementType, long[] shape) {
        OnnxMl.TypeProto.Tensor.Builder t = OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elementType);
        if (shape != null) {
            OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
            for (long d : shape) {
                s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
            }
            t.setShape(s);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(t))
                .build();
    }
}
