package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

import java.util.*;

/**
 * Inference BatchNormalization merged into the Conv or Gemm before it, as Zennit's MergeBatchNorm canonizer does
 * before LRP: y = s ⊙ (Wx + b − μ) + β with s = γ/√(var + ε) per output channel is the layer W' = s ⊙ W,
 * b' = (b − μ) ⊙ s + β. LRP's rules read a layer's weights and bias, so they must see that one layer, not a
 * layer and an affine map whose own rule would redistribute (and absorb) relevance differently.
 *
 * <p>A BatchNormalization is merged when its four parameters and the layer's weights and bias are float
 * initializers, it runs in inference mode over axis 1, and the layer's output feeds nothing else (no other node,
 * no graph output, none of the tensors the caller keeps). The merged layer takes the BatchNormalization's output
 * name, so every other tensor keeps its name and shape. The new weights are computed in double and stored as
 * float32, once, when the graph is built.
 */
public final class BatchNormFolding {
    private final OnnxModel model;
    private final Map<String, Integer> consumers = new HashMap<>();
    private final Map<String, OnnxMl.NodeProto> producers = new HashMap<>();
    /** Emits the merged layers' weights and biases as initializers, named apart from the model's tensors. */
    private final GraphBuilder constants;

    /** The model with its foldable BatchNormalizations merged, and its shapes. */
    public record Folded(OnnxModel model, TensorShapes shapes, int merged) {}

    private BatchNormFolding(OnnxModel model) {
        this.model = model;
        OnnxMl.GraphProto graph = model.graph();
        Set<String> taken = new HashSet<>(model.initializers().keySet());
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            for (String in : node.getInputList()) {
                consumers.merge(in, 1, Integer::sum);
            }
            for (String out : node.getOutputList()) {
                producers.put(out, node);
                taken.add(out);
            }
        }
        graph.getOutputList().forEach(o -> consumers.merge(o.getName(), 1, Integer::sum));
        constants = new GraphBuilder(model.opset(), "salient_bn_folded/", taken);
    }

    /**
     * @param shapes the model's shapes; the folded model's are the same plus its new initializers'
     * @param keep   tensors that must stay computed (inner tensors a caller reads): a layer writing one is not merged
     */
    public static Folded fold(OnnxModel model, TensorShapes shapes, Collection<String> keep) {
        return new BatchNormFolding(model).run(shapes, keep);
    }

    private Folded run(TensorShapes shapes, Collection<String> keep) {
        Map<OnnxMl.NodeProto, OnnxMl.NodeProto> mergedLayers = new IdentityHashMap<>();
        Set<OnnxMl.NodeProto> removed = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<String> released = new HashSet<>();
        for (OnnxMl.NodeProto norm : model.graph().getNodeList()) {
            OnnxMl.NodeProto layer = foldableLayer(norm, keep);
            if (layer == null || mergedLayers.containsKey(layer)) {
                continue;
            }
            List<String> parameters = merged(layer, norm);
            if (parameters == null) {
                continue;
            }
            OnnxMl.NodeProto.Builder merged = layer.toBuilder().clearInput().clearOutput()
                    .addInput(layer.getInput(0)).addOutput(norm.getOutput(0)).addAllInput(parameters);
            if (layer.getOpType().equals("Gemm")) {
                merged.clearAttribute();
                layer.getAttributeList().stream().filter(a -> !a.getName().equals("beta")).forEach(merged::addAttribute);
            }
            mergedLayers.put(layer, merged.build());
            removed.add(norm);
            released.addAll(layer.getInputList().subList(1, layer.getInputCount()));
            released.addAll(norm.getInputList().subList(1, norm.getInputCount()));
        }
        if (removed.isEmpty()) {
            return new Folded(model, shapes, 0);
        }
        OnnxMl.GraphProto.Builder graph = model.graph().toBuilder().clearNode();
        Set<String> stillUsed = new HashSet<>();
        for (OnnxMl.NodeProto node : model.graph().getNodeList()) {
            if (removed.contains(node)) {
                continue;
            }
            OnnxMl.NodeProto kept = mergedLayers.getOrDefault(node, node);
            graph.addNode(kept);
            collectInputs(kept, stillUsed);
        }
        model.graph().getInputList().forEach(i -> stillUsed.add(i.getName()));
        model.graph().getOutputList().forEach(o -> stillUsed.add(o.getName()));
        Set<String> gone = new HashSet<>(released);
        gone.removeAll(stillUsed);
        graph.clearInitializer();
        model.graph().getInitializerList().stream().filter(t -> !gone.contains(t.getName())).forEach(graph::addInitializer);
        List<OnnxMl.TensorProto> added = constants.initializers();
        graph.addAllInitializer(added);
        Set<String> vanished = new HashSet<>();
        mergedLayers.keySet().forEach(layer -> vanished.add(layer.getOutput(0)));
        graph.clearValueInfo();
        model.graph().getValueInfoList().stream().filter(v -> !vanished.contains(v.getName()))
                .forEach(graph::addValueInfo);
        OnnxModel folded = new OnnxModel(model.proto().toBuilder().setGraph(graph).build());
        return new Folded(folded, shapes.withInitializers(added), removed.size());
    }

    /** Every tensor a node reads, including those its subgraphs read from the outer scope. */
    private static void collectInputs(OnnxMl.NodeProto node, Set<String> into) {
        into.addAll(node.getInputList());
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            List<OnnxMl.GraphProto> graphs = new ArrayList<>(a.getGraphsList());
            if (a.hasG()) {
                graphs.add(a.getG());
            }
            for (OnnxMl.GraphProto g : graphs) {
                g.getNodeList().forEach(n -> collectInputs(n, into));
            }
        }
    }

    /** The Conv or Gemm whose output only this inference BatchNormalization reads, or null. */
    private OnnxMl.NodeProto foldableLayer(OnnxMl.NodeProto norm, Collection<String> keep) {
        if (!norm.getOpType().equals("BatchNormalization") || !isDefaultDomain(norm) || norm.getInputCount() != 5
                || norm.getOutputList().stream().skip(1).anyMatch(o -> !o.isEmpty())
                || Attributes.getInt(norm, "training_mode", 0) != 0 || Attributes.getInt(norm, "spatial", 1) != 1) {
            return null;
        }
        OnnxMl.NodeProto layer = producers.get(norm.getInput(0));
        if (layer == null || !isDefaultDomain(layer) || !layer.getOutput(0).equals(norm.getInput(0))
                || !(layer.getOpType().equals("Conv") || layer.getOpType().equals("Gemm"))
                || consumers.getOrDefault(layer.getOutput(0), 0) != 1 || keep.contains(layer.getOutput(0))) {
            return null;
        }
        return layer;
    }

    private static boolean isDefaultDomain(OnnxMl.NodeProto node) {
        return node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
    }

    /**
     * The names of the merged layer's new weight and bias initializers, or null (nothing emitted) when a parameter is
     * not a float initializer of the expected shape: W' = s ⊙ W (per output channel), b' = (b − μ) ⊙ s + β,
     * s = γ/√(var + ε).
     */
    private List<String> merged(OnnxMl.NodeProto layer, OnnxMl.NodeProto norm) {
        double[][] p = new double[4][];
        for (int i = 0; i < 4; i++) {
            p[i] = floats(norm.getInput(i + 1));
            if (p[i] == null || p[i].length != p[0].length) {
                return null;
            }
        }
        int channels = p[0].length;
        double epsilon = Attributes.getFloat(norm, "epsilon", 1e-5f);
        double[] scale = new double[channels];
        double[] shift = new double[channels];
        for (int c = 0; c < channels; c++) {
            scale[c] = p[0][c] / Math.sqrt(p[3][c] + epsilon);
            shift[c] = p[1][c] - p[2][c] * scale[c];
        }
        OnnxMl.TensorProto weight = model.initializers().get(layer.getInput(1));
        double[] w = floats(layer.getInput(1));
        if (w == null) {
            return null;
        }
        long[] dims = weight.getDimsList().stream().mapToLong(Long::longValue).toArray();
        boolean gemm = layer.getOpType().equals("Gemm");
        // output channel m of element i: Conv's W is [M, C/group, k...]; Gemm's B is [K, M], or [M, K] with transB
        boolean channelsLast = gemm && Attributes.getInt(layer, "transB", 0) == 0;
        if (dims.length < 2 || dims[channelsLast ? dims.length - 1 : 0] != channels) {
            return null;
        }
        long perChannel = w.length / channels;
        for (int i = 0; i < w.length; i++) {
            w[i] *= scale[channelsLast ? (int) (i % channels) : (int) (i / perChannel)];
        }
        double[] bias = layerBias(layer, channels);
        if (bias == null) {
            return null;
        }
        for (int c = 0; c < channels; c++) {
            bias[c] = bias[c] * scale[c] + shift[c];
        }
        return List.of(constants.constFloats(toFloats(w), dims), constants.constFloats(toFloats(bias), channels));
    }

    /** The layer's bias per output channel (Gemm's β·C), zeros when it has none; null when it is not foldable. */
    private double[] layerBias(OnnxMl.NodeProto layer, int channels) {
        if (layer.getInputCount() < 3 || layer.getInput(2).isEmpty()) {
            return new double[channels];
        }
        double[] b = floats(layer.getInput(2));
        if (b == null) {
            return null;
        }
        double factor = layer.getOpType().equals("Gemm") ? Attributes.getFloat(layer, "beta", 1f) : 1;
        if (layer.getOpType().equals("Gemm")) {
            // C broadcasts over [N, M]: foldable when it is one value or one row of M
            List<Long> dims = model.initializers().get(layer.getInput(2)).getDimsList();
            boolean row = dims.stream().limit(Math.max(0, dims.size() - 1)).allMatch(d -> d == 1) && dims.size() <= 2;
            if (!row || (b.length != 1 && b.length != channels)) {
                return null;
            }
        } else if (b.length != channels) {
            return null;
        }
        double[] out = new double[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = factor * b[b.length == 1 ? 0 : c];
        }
        return out;
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** A float32 initializer's values, or null when the tensor is not one. */
    private double[] floats(String name) {
        OnnxMl.TensorProto t = model.initializers().get(name);
        if (t == null || t.getDataType() != DataType.FLOAT_VALUE) {
            return null;
        }
        float[] values = TensorData.floats(t);
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
