package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.salient.autodiff.GradientGraphBuilder;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

import java.util.*;

/**
 * Saves an explainer as one self-contained ONNX model (batch 1): the model's forward pass, the backward pass and
 * the attribution arithmetic in one graph, runnable by any ONNX runtime without Salient.
 *
 * <p>Inputs: the model's image input (its own name, shape [1, ...]) and, only when {@code classInput} is true,
 * {@value #TARGET_CLASS} int64 [1], the class to explain. Without it the graph explains its own top-1 class
 * (ArgMax of the scores → OneHot seed). Outputs: {@value #SCORES} [1, classes] (the model's raw scores),
 * {@value #ATTRIBUTION} and {@value #CLASS} int64 [1] (the explained class).
 * {@value #ATTRIBUTION} is: "gradient" — d target / d input, input-shaped; "gradient-x-input" — input ⊙ gradient;
 * "gradcam" — [1, h, w] Grad-CAM map of the layer (default: {@link SpatialLayers#last}).
 * The graph works for NCHW and NHWC image inputs alike: the gradient methods are elementwise on the input in its
 * own layout, and Grad-CAM reduces an inner layer brought to [1, C, H, W] in the graph (token and channels-last
 * layers sliced and transposed, see {@link SpatialLayers}); nothing is upsampled.
 */
public final class ExplainerExporter {
    public static final String SCORES = "scores";
    public static final String ATTRIBUTION = "attribution";
    public static final String CLASS = "class";
    public static final String TARGET_CLASS = "target_class";
    public static final List<String> METHODS = AttributionMethods.exportable();

    private ExplainerExporter() {}

    /** Top-1 explainer of the logit. */
    public static OnnxMl.ModelProto export(DifferentiableModel model, String method) {
        return export(model, method, TargetHead.LOGIT, false, null);
    }

    /**
     * @param head       what is differentiated
     * @param classInput true to add the int64 input {@value #TARGET_CLASS}; false to explain the top-1 class
     * @param layer      Grad-CAM layer, or null for the last spatial layer (ignored by other methods)
     */
    public static OnnxMl.ModelProto export(DifferentiableModel model, String method, TargetHead head,
                                           boolean classInput, String layer) {
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("cannot export method '" + method + "'; exportable: " + METHODS);
        }
        boolean cam = method.equals("gradcam");
        SpatialLayers.Layer spatial = cam ? new GradCam(new GradCam.Params(layer)).layer(model) : null;
        List<String> inner = cam ? List.of(spatial.name()) : List.of();
        // Grad-CAM needs the layer's gradient only: the backward pass stops there instead of reaching the input
        OnnxMl.ModelProto grad = model.gradientGraph(head, RuleTable.standard(), inner, 1, !cam);
        OnnxMl.GraphProto g = grad.getGraph();

        Set<String> taken = new HashSet<>();
        g.getNodeList().forEach(n -> {
            taken.addAll(n.getOutputList());
            taken.add(n.getName());
        });
        g.getInitializerList().forEach(t -> taken.add(t.getName()));
        g.getInputList().forEach(v -> taken.add(v.getName()));
        for (String out : List.of(SCORES, ATTRIBUTION, CLASS, TARGET_CLASS)) {
            if (taken.contains(out)) {
                throw new IllegalArgumentException("the model already has a tensor named '" + out + "'");
            }
        }
        int opset = model.model().opset();
        if (opset < 9) {
            throw new IllegalArgumentException("export needs opset ≥ 9 (OneHot); the model has opset " + opset);
        }
        GraphBuilder b = new GraphBuilder(opset, "explainer/", taken);
        int classes = model.classes();
        String input = model.inputName();

        String cls;
        if (classInput) {
            cls = TARGET_CLASS;
        } else {
            cls = b.op("ArgMax", List.of(GradientGraphBuilder.SCORES), Attributes.ofInt("axis", 1),
                    Attributes.ofInt("keepdims", 0));
        }
        b.add(b.node("OneHot", List.of(cls, b.constInt64s(classes), b.constFloats(new float[]{0f, 1f}, 2)),
                List.of(GradientGraphBuilder.SEED), Attributes.ofInt("axis", -1)));
        b.add(b.node("Identity", List.of(cls), List.of(CLASS)));
        b.add(b.node("Identity", List.of(GradientGraphBuilder.SCORES), List.of(SCORES)));

        long[] attributionShape;
        String attribution;
        switch (method) {
            case "gradient" -> {
                attribution = GradientGraphBuilder.INPUT_GRADIENT;
                attributionShape = model.inputShape(1);
            }
            case "gradient-x-input" -> {
                attribution = b.op("Mul", input, GradientGraphBuilder.INPUT_GRADIENT);
                attributionShape = model.inputShape(1);
            }
            default -> {
                String a = channelsFirst(b, GradientGraphBuilder.valueOutput(spatial.name()), spatial);
                String da = channelsFirst(b, GradientGraphBuilder.gradientOutput(spatial.name()), spatial);
                int hw = spatial.height() * spatial.width();
                String weights = b.op("Mul", b.reduceSum(da, new long[]{2, 3}, true), b.constScalar(1f / hw));
                String sum = b.reduceSum(b.op("Mul", weights, a), new long[]{1}, false);
                attribution = b.op("Relu", sum);
                attributionShape = new long[]{1, spatial.height(), spatial.width()};
            }
        }
        b.add(b.node("Identity", List.of(attribution), List.of(ATTRIBUTION)));

        OnnxMl.GraphProto.Builder out = OnnxMl.GraphProto.newBuilder().setName("salient_explainer_" + method);
        out.addAllInitializer(g.getInitializerList());
        out.addAllInitializer(b.initializers());
        for (OnnxMl.ValueInfoProto in : g.getInputList()) {
            if (in.getName().equals(input)) {
                out.addInput(in);
            }
        }
        if (classInput) {
            out.addInput(info(TARGET_CLASS, DataType.INT64_VALUE, new long[]{1}));
        }
        List<OnnxMl.NodeProto> nodes = new ArrayList<>(g.getNodeList());
        nodes.addAll(b.nodes());
        Set<String> available = new HashSet<>();
        out.getInputList().forEach(v -> available.add(v.getName()));
        out.getInitializerList().forEach(t -> available.add(t.getName()));
        out.addAllNode(topologicalOrder(nodes, available));
        out.addOutput(info(SCORES, DataType.FLOAT_VALUE, new long[]{1, classes}));
        out.addOutput(info(ATTRIBUTION, DataType.FLOAT_VALUE, attributionShape));
        out.addOutput(info(CLASS, DataType.INT64_VALUE, new long[]{1}));
        return grad.toBuilder().setGraph(out)
                .setDocString("Salient explainer '" + method + "' (" + head + ", "
                        + (classInput ? "class from input '" + TARGET_CLASS + "'" : "top-1 class") + ")")
                .build();
    }

    /** The layer's tensor as [1, C, H, W]: the extra tokens sliced off, tokens and channels-last transposed. */
    private static String channelsFirst(GraphBuilder b, String tensor, SpatialLayers.Layer layer) {
        return switch (layer.layout()) {
            case NCHW -> tensor;
            case NHWC -> b.transpose(tensor, 0, 3, 1, 2);
            case TOKENS -> b.reshape(b.transpose(b.slice(tensor, new long[]{layer.extraTokens()},
                            new long[]{layer.shape()[1]}, new long[]{1}, new long[]{1}), 0, 2, 1),
                    1, layer.channels(), layer.height(), layer.width());
        };
    }

    /** Kahn's algorithm: the seed nodes appended last must run before the backward pass that reads the seed. */
    static List<OnnxMl.NodeProto> topologicalOrder(List<OnnxMl.NodeProto> nodes, Set<String> available) {
        Map<String, List<Integer>> consumers = new HashMap<>();
        int[] missing = new int[nodes.size()];
        Set<String> produced = new HashSet<>();
        nodes.forEach(n -> produced.addAll(n.getOutputList()));
        for (int i = 0; i < nodes.size(); i++) {
            for (String in : new HashSet<>(nodes.get(i).getInputList())) {
                if (!in.isEmpty() && !available.contains(in) && produced.contains(in)) {
                    missing[i]++;
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
                }
            }
        }
        Deque<Integer> ready = new ArrayDeque<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (missing[i] == 0) {
                ready.add(i);
            }
        }
        List<OnnxMl.NodeProto> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            OnnxMl.NodeProto n = nodes.get(ready.poll());
            order.add(n);
            for (String o : n.getOutputList()) {
                for (int c : consumers.getOrDefault(o, List.of())) {
                    if (--missing[c] == 0) {
                        ready.add(c);
                    }
                }
            }
        }
        if (order.size() != nodes.size()) {
            throw new IllegalStateException("explainer graph has a cycle");
        }
        return order;
    }

    private static OnnxMl.ValueInfoProto info(String name, int type, long[] shape) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : shape) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type).setShape(s))).build();
    }
}
