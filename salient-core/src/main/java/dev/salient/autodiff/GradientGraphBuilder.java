package dev.salient.autodiff;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import dev.salient.graph.*;

import java.util.*;

/**
 * Builds, from a model, one ONNX graph that computes the forward pass and, by reverse-mode
 * differentiation, the gradient of a target with respect to the input and to chosen inner tensors.
 *
 * <p>Inputs: the image tensor and {@link #SEED} [batch, classes]. Outputs: {@link #SCORES} (the model's
 * class scores), {@link #TARGET} [batch] (the differentiated value), {@link #INPUT_GRADIENT}, and for each
 * inner tensor T: {@code valueOutput(T)}, {@code gradientOutput(T)}. Shapes are static (one batch size).
 */
public final class GradientGraphBuilder {
    public static final String SEED = "salient_seed";
    public static final String SCORES = "salient_scores";
    public static final String TARGET = "salient_target";
    public static final String INPUT_GRADIENT = "salient_input_gradient";

    private final OnnxModel model;
    private final ElementTypes types;
    private final TensorShapes shapes;
    private final GradientGraphSpec spec;
    private final Map<String, OnnxMl.NodeProto> constantNodes = new HashMap<>();
    private final Map<String, OnnxMl.NodeProto> producers = new HashMap<>();
    private final Map<String, long[]> extraShapes = new HashMap<>();

    private GradientGraphBuilder(OnnxModel model, ElementTypes types, TensorShapes shapes, GradientGraphSpec spec) {
        this.model = model;
        this.types = types;
        this.shapes = shapes;
        this.spec = spec;
        for (OnnxMl.NodeProto n : model.graph().getNodeList()) {
            if (n.getOpType().equals("Constant")) {
                constantNodes.put(n.getOutput(0), n);
            }
            n.getOutputList().forEach(o -> producers.put(o, n));
        }
    }

    public static String valueOutput(String inner) {
        return "salient_value:" + inner;
    }

    public static String gradientOutput(String inner) {
        return "salient_gradient:" + inner;
    }

    public static OnnxMl.ModelProto build(OnnxModel model, ElementTypes types, TensorShapes shapes,
                                          GradientGraphSpec spec) {
        return of(model, types, shapes, spec).build();
    }

    /** A builder for the model, or for its BatchNorm-folded form when the spec's rules ask for it. */
    private static GradientGraphBuilder of(OnnxModel model, ElementTypes types, TensorShapes shapes,
                                           GradientGraphSpec spec) {
        if (!spec.rules().foldsBatchNorm()) {
            return new GradientGraphBuilder(model, types, shapes, spec);
        }
        BatchNormFolding.Folded folded = BatchNormFolding.fold(model, shapes, spec.innerTensors());
        return folded.merged() == 0 ? new GradientGraphBuilder(model, types, shapes, spec)
                : new GradientGraphBuilder(folded.model(), ElementTypes.of(folded.model()), folded.shapes(), spec);
    }

    static String describe(OnnxMl.NodeProto node) {
        String name = node.getName().isEmpty() ? "producing '" + node.getOutput(0) + "'" : "'" + node.getName() + "'";
        return node.getOpType() + " node " + name;
    }

    /** The node's name, or its first output's when it has none. */
    private static String name(OnnxMl.NodeProto node) {
        return node.getName().isEmpty() ? node.getOutput(0) : node.getName();
    }

    long[] shape(String tensor) {
        long[] s = extraShapes.get(tensor);
        return s != null ? s : shapes.at(tensor, spec.batch());
    }

    boolean portable() {
        return spec.portable();
    }

    int elementType(String tensor) {
        return types.of(tensor);
    }

    long[] constantInts(String tensor, String user) {
        OnnxMl.TensorProto t = constantTensor(tensor);
        if (t == null) {
            throw new UnsupportedOperatorException(user, "input '" + tensor + "' must be a constant");
        }
        return TensorData.longs(t);
    }

    /** Ops whose output is ≥ 0 whatever their input. */
    private static final Set<String> NON_NEGATIVE_OPS = Set.of("Relu", "Sigmoid", "Softplus", "Softmax", "Exp", "Abs");
    /** Ops whose output values are some of their first input's (or averages of them): ≥ 0 when it is. */
    private static final Set<String> SIGN_KEEPING_OPS = Set.of("MaxPool", "AveragePool", "GlobalAveragePool",
            "GlobalMaxPool", "Reshape", "Flatten", "Transpose", "Identity", "Squeeze", "Unsqueeze");

    /**
     * Whether a tensor is ≥ 0 by construction of the graph: the output of a rectifier (Relu, Clip with a constant
     * minimum ≥ 0, ...) or of pooling and reshaping such a tensor. False when unknown.
     */
    boolean nonNegative(String tensor) {
        OnnxMl.NodeProto n = producers.get(tensor);
        if (n == null) {
            return false;
        }
        String op = n.getOpType();
        if (NON_NEGATIVE_OPS.contains(op)) {
            return true;
        }
        if (op.equals("Clip")) {
            float[] min = n.getInputCount() > 1 && !n.getInput(1).isEmpty() ? constantFloats(n.getInput(1))
                    : n.getInputCount() > 1 ? null : new float[]{Attributes.getFloat(n, "min", Float.NEGATIVE_INFINITY)};
            return min != null && min.length == 1 && min[0] >= 0;
        }
        return SIGN_KEEPING_OPS.contains(op) && nonNegative(n.getInput(0));
    }

    /** Values of a constant float tensor, or null when the tensor is computed at run time or not floating. */
    float[] constantFloats(String tensor) {
        OnnxMl.TensorProto t = constantTensor(tensor);
        return t != null && isFloating(t) ? TensorData.floats(t) : null;
    }

    /** Values of a constant float or integer tensor as floats, or null when the tensor is computed at run time. */
    float[] constantNumbers(String tensor) {
        OnnxMl.TensorProto t = constantTensor(tensor);
        if (t == null) {
            return null;
        }
        if (isFloating(t)) {
            return TensorData.floats(t);
        }
        if (t.getDataType() != DataType.INT64_VALUE && t.getDataType() != DataType.INT32_VALUE) {
            return null;
        }
        long[] ints = TensorData.longs(t);
        float[] out = new float[ints.length];
        for (int i = 0; i < ints.length; i++) {
            out[i] = ints[i];
        }
        return out;
    }

    private static boolean isFloating(OnnxMl.TensorProto t) {
        return t.getDataType() == DataType.FLOAT_VALUE || t.getDataType() == DataType.DOUBLE_VALUE;
    }

    /**
     * An initializer, a Constant node's value (in any of its attribute forms), or a tensor computed from shapes and
     * constants alone ({@link TensorShapes#constants}, at this graph's batch size); null otherwise.
     */
    private OnnxMl.TensorProto constantTensor(String tensor) {
        OnnxMl.TensorProto init = model.initializers().get(tensor);
        if (init != null) {
            return init;
        }
        OnnxMl.NodeProto constantNode = constantNodes.get(tensor);
        if (constantNode != null) {
            return constantValue(constantNode);
        }
        return shapes.constants(spec.batch()).get(tensor);
    }

    /** A Constant node's value as a tensor; null for forms the rules never read (strings, sparse tensors). */
    private static OnnxMl.TensorProto constantValue(OnnxMl.NodeProto node) {
        for (OnnxMl.AttributeProto a : node.getAttributeList()) {
            OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder();
            switch (a.getName()) {
                case "value" -> {
                    return a.getT();
                }
                case "value_float" -> t.setDataType(DataType.FLOAT_VALUE).addFloatData(a.getF());
                case "value_floats" -> t.setDataType(DataType.FLOAT_VALUE).addAllFloatData(a.getFloatsList())
                        .addDims(a.getFloatsCount());
                case "value_int" -> t.setDataType(DataType.INT64_VALUE).addInt64Data(a.getI());
                case "value_ints" -> t.setDataType(DataType.INT64_VALUE).addAllInt64Data(a.getIntsList())
                        .addDims(a.getIntsCount());
                default -> {
                    continue;
                }
            }
            return t.build();
        }
        return null;
    }

    /**
     * The gradient graph: the forward nodes the outputs need, the head and target on top of the scores, the reverse
     * pass from the target down to the input and the inner tensors, and the outputs that expose them.
     */
    private OnnxMl.ModelProto build() {
        GraphBuilder b = new GraphBuilder(model.opset(), "salient/", takenNames());
        Path path = path();
        List<OnnxMl.NodeProto> forward = forward(path, b);
        Head head = head(b, path.requiresGrad());
        forward.addAll(head.nodes());
        Gradients gradients = backward(b, forward, head, path.requiresGrad());
        outputs(b, head, gradients);
        return assemble(b, forward, head, gradients.input());
    }

    /** Every name the model already uses (outputs, node names, initializers, inputs): added names avoid them. */
    private Set<String> takenNames() {
        Set<String> taken = new HashSet<>();
        for (OnnxMl.NodeProto n : model.graph().getNodeList()) {
            taken.addAll(n.getOutputList());
            taken.add(n.getName());
        }
        taken.addAll(model.initializers().keySet());
        model.graph().getInputList().forEach(v -> taken.add(v.getName()));
        return taken;
    }

    /** The forward nodes the outputs need, in model order; a rule may rewrite its node (MaxPool exposes its indices). */
    private List<OnnxMl.NodeProto> forward(Path path, GraphBuilder b) {
        List<OnnxMl.NodeProto> nodes = model.graph().getNodeList();
        List<OnnxMl.NodeProto> forward = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (!path.needed()[i]) {
                continue;
            }
            OnnxMl.NodeProto n = nodes.get(i);
            GradientRule rule = spec.rules().rule(n.getOpType());
            if (rule != null && n.getOutputList().stream().anyMatch(path.requiresGrad()::contains)) {
                n = rule.prepareForward(n, b::fresh);
            }
            forward.add(n);
        }
        return forward;
    }

    /**
     * The head on top of the model's scores.
     *
     * @param nodes  the head's own forward nodes (a Reshape, a Softmax or LogSoftmax), differentiated by the
     *               standard rules ({@link #backwardRule})
     * @param scores the scores as [batch, classes]
     * @param value  what the seed weighs: the scores, their softmax or their log-softmax
     * @param target Σ_c seed[b, c] · value[b, c], one number per item
     * @param shape  [batch, classes]
     */
    private record Head(List<OnnxMl.NodeProto> nodes, String scores, String value, String target, long[] shape) {}

    /** Scores as [batch, classes], then identity / softmax / log-softmax, then the seed-weighted target. */
    private Head head(GraphBuilder b, Set<String> requiresGrad) {
        List<OnnxMl.NodeProto> nodes = new ArrayList<>();
        long[] outShape = shape(spec.output());
        long classes = TensorShapes.elementCount(Arrays.copyOfRange(outShape, 1, outShape.length));
        long[] scoresShape = {spec.batch(), classes};
        String scores = spec.output();
        if (outShape.length != 2) {
            scores = b.fresh("scores2d");
            nodes.add(b.node("Reshape", List.of(spec.output(), b.constInt64s(scoresShape)), List.of(scores)));
            extraShapes.put(scores, scoresShape);
            requiresGrad.add(scores);
        }
        String value = scores;
        if (spec.head() != TargetHead.LOGIT) {
            value = b.fresh("head");
            String op = spec.head() == TargetHead.PROBABILITY ? "Softmax" : "LogSoftmax";
            nodes.add(b.node(op, List.of(scores), List.of(value), Attributes.ofInt("axis", 1)));
            extraShapes.put(value, scoresShape);
            requiresGrad.add(value);
        }
        String weighted = b.op("Mul", value, SEED);
        String target = b.reduceSum(weighted, new long[]{1}, false);
        return new Head(List.copyOf(nodes), scores, value, target, scoresShape);
    }

    /**
     * @param input the input's gradient, or null when the spec stops at the inner tensors
     * @param inner each inner tensor's gradient (a zero tensor when the target does not depend on it)
     */
    private record Gradients(String input, Map<String, String> inner) {}

    /**
     * The reverse pass, in reverse topological order from the seed at the head's value: each node's output
     * gradients (its contributions summed) go through its rule into gradients of its inputs.
     */
    private Gradients backward(GraphBuilder b, List<OnnxMl.NodeProto> forward, Head head, Set<String> requiresGrad) {
        // Depth in parameterised layers, for rules that treat the first layer apart (LRP's z^B and flat rules).
        Map<OnnxMl.NodeProto, Integer> layerDepth = layerDepths(forward, requiresGrad);
        Map<String, List<String>> contributions = new HashMap<>();
        contributions.computeIfAbsent(head.value(), k -> new ArrayList<>()).add(SEED);
        Map<String, String> innerGradients = new HashMap<>();
        Set<String> inner = new HashSet<>(spec.innerTensors());
        for (int i = forward.size() - 1; i >= 0; i--) {
            OnnxMl.NodeProto n = forward.get(i);
            String[] outGrads = new String[n.getOutputCount()];
            boolean any = false;
            for (int k = 0; k < outGrads.length; k++) {
                outGrads[k] = materialize(b, contributions, n.getOutput(k));
                if (inner.contains(n.getOutput(k))) {
                    innerGradients.put(n.getOutput(k), outGrads[k]);
                }
                any |= outGrads[k] != null;
            }
            boolean[] inNeeds = new boolean[n.getInputCount()];
            boolean anyInput = false;
            for (int k = 0; k < inNeeds.length; k++) {
                inNeeds[k] = requiresGrad.contains(n.getInput(k));
                anyInput |= inNeeds[k];
            }
            if (!any || !anyInput) {
                continue;
            }
            GradientRule rule = backwardRule(n, head.nodes());
            BackwardContext ctx = new BackwardContext(n, b, outGrads, inNeeds, this,
                    layerDepth.getOrDefault(n, 0));
            rule.backward(ctx);
            String[] inGrads = ctx.inputGradients();
            for (int k = 0; k < inGrads.length; k++) {
                if (inGrads[k] != null) {
                    contributions.computeIfAbsent(n.getInput(k), x -> new ArrayList<>()).add(inGrads[k]);
                }
            }
        }
        String inputGradient = spec.inputGradient() ? materialize(b, contributions, spec.input()) : null;
        if (spec.inputGradient() && inputGradient == null) {
            throw new ModelFormatException("no gradient reaches the input '" + spec.input() + "'");
        }
        if (inputGradient != null && inner.contains(spec.input())) {
            innerGradients.put(spec.input(), inputGradient);
        }
        for (String t : spec.innerTensors()) {
            if (innerGradients.get(t) == null) {
                innerGradients.put(t, b.op("Mul", t, b.constScalar(0f))); // the target does not depend on it
            }
        }
        return new Gradients(inputGradient, innerGradients);
    }

    /** Identity nodes that give the scores, the target and the gradients their public names. */
    private void outputs(GraphBuilder b, Head head, Gradients gradients) {
        b.add(b.node("Identity", List.of(head.scores()), List.of(SCORES)));
        b.add(b.node("Identity", List.of(head.target()), List.of(TARGET)));
        if (gradients.input() != null) {
            b.add(b.node("Identity", List.of(gradients.input()), List.of(INPUT_GRADIENT)));
        }
        for (String t : spec.innerTensors()) {
            b.add(b.node("Identity", List.of(t), List.of(valueOutput(t))));
            b.add(b.node("Identity", List.of(gradients.inner().get(t)), List.of(gradientOutput(t))));
        }
    }

    /** The model with its graph replaced: the model's initializers and the added ones, forward then added nodes. */
    private OnnxMl.ModelProto assemble(GraphBuilder b, List<OnnxMl.NodeProto> forward, Head head,
                                       String inputGradient) {
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("salient_gradient");
        g.addAllInitializer(model.graph().getInitializerList());
        g.addAllInitializer(b.initializers());
        long[] inputShape = shape(spec.input());
        g.addInput(tensorInfo(spec.input(), types.of(spec.input()), inputShape));
        g.addInput(tensorInfo(SEED, DataType.FLOAT_VALUE, head.shape()));
        g.addAllNode(forward);
        g.addAllNode(b.nodes());
        g.addOutput(tensorInfo(SCORES, DataType.FLOAT_VALUE, head.shape()));
        g.addOutput(tensorInfo(TARGET, DataType.FLOAT_VALUE, new long[]{spec.batch()}));
        if (inputGradient != null) {
            g.addOutput(tensorInfo(INPUT_GRADIENT, DataType.FLOAT_VALUE, inputShape));
        }
        for (String t : spec.innerTensors()) {
            g.addOutput(tensorInfo(valueOutput(t), DataType.FLOAT_VALUE, shape(t)));
            g.addOutput(tensorInfo(gradientOutput(t), DataType.FLOAT_VALUE, shape(t)));
        }
        return model.proto().toBuilder().setGraph(g).build();
    }

    /** Ops that hold a layer's weights: what "the first layer" counts. */
    private static final Set<String> LAYER_OPS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

    /**
     * For each forward node on the gradient path: the most {@link #LAYER_OPS} nodes on any path from the input up to
     * and including it (the first convolution of a CNN has depth 1, whatever reshapes or pads precede it).
     */
    private static Map<OnnxMl.NodeProto, Integer> layerDepths(List<OnnxMl.NodeProto> forward, Set<String> requiresGrad) {
        Map<String, Integer> tensorDepth = new HashMap<>();
        Map<OnnxMl.NodeProto, Integer> nodeDepth = new IdentityHashMap<>();
        for (OnnxMl.NodeProto n : forward) {
            int depth = 0;
            for (String in : n.getInputList()) {
                if (requiresGrad.contains(in)) {
                    depth = Math.max(depth, tensorDepth.getOrDefault(in, 0));
                }
            }
            if (LAYER_OPS.contains(n.getOpType())) {
                depth++;
            }
            nodeDepth.put(n, depth);
            for (String out : n.getOutputList()) {
                tensorDepth.put(out, depth);
            }
        }
        return nodeDepth;
    }

    /** Records the static shape of a tensor a rule adds (e.g. a modified weight), for rules that read it back. */
    void declareShape(String tensor, long[] shape) {
        extraShapes.put(tensor, shape.clone());
    }

    /**
     * The rule a node is differentiated by: the head's own nodes (Reshape, Softmax, LogSoftmax) always by the
     * exact standard rules, whatever table the caller chose (guided backprop replaces ReLU's rule, not the head's);
     * the model's nodes by the caller's table, in which {@link #path} has already found a rule for each.
     */
    private GradientRule backwardRule(OnnxMl.NodeProto n, List<OnnxMl.NodeProto> headNodes) {
        boolean head = headNodes.stream().anyMatch(h -> h == n);
        GradientRule rule = (head ? StandardRules.TABLE : spec.rules()).rule(n.getOpType());
        if (rule == null) {
            throw new IllegalStateException("no backward rule for " + (head ? "the head's " : "") + describe(n));
        }
        return rule;
    }

    /** Which nodes the outputs need, and which tensors carry a gradient. */
    private record Path(boolean[] needed, Set<String> requiresGrad) {}

    /**
     * Checks that the spec can be differentiated by building its graph and dropping it: every rule runs on its node,
     * so whatever the first gradient of this spec would fail on (an op without a rule, a Slice bound that is not
     * constant, a Pow exponent that depends on the input) fails here.
     */
    public static void check(OnnxModel model, ElementTypes types, TensorShapes shapes, GradientGraphSpec spec) {
        of(model, types, shapes, spec).build();
    }

    /** The nodes the outputs need and the tensors that carry a gradient, checked to have a rule for every op. */
    private Path path() {
        boolean[] needed = neededNodes();
        return new Path(needed, gradientCarriers(needed));
    }

    /** Forward nodes that the scores and the requested inner tensors depend on, by index in the model. */
    private boolean[] neededNodes() {
        List<OnnxMl.NodeProto> nodes = model.graph().getNodeList();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                producer.put(o, i);
            }
        }
        if (!producer.containsKey(spec.output())) {
            throw new ModelFormatException("no node produces the output '" + spec.output() + "'");
        }
        boolean[] needed = new boolean[nodes.size()];
        Deque<String> work = new ArrayDeque<>();
        work.add(spec.output());
        work.addAll(spec.innerTensors());
        while (!work.isEmpty()) {
            Integer p = producer.get(work.pop());
            if (p != null && !needed[p]) {
                needed[p] = true;
                work.addAll(nodes.get(p).getInputList());
            }
        }
        return needed;
    }

    /**
     * Tensors among the needed nodes' outputs that depend on the input through floating-point values (without the
     * input gradient, differentiation starts at the inner tensors: nothing below them carries one).
     *
     * @throws UnsupportedOperatorException naming every op on the path that the rule table has no rule for
     */
    private Set<String> gradientCarriers(boolean[] needed) {
        List<OnnxMl.NodeProto> nodes = model.graph().getNodeList();
        Set<String> requiresGrad = new HashSet<>(spec.inputGradient() ? List.of(spec.input()) : spec.innerTensors());
        Map<String, List<OnnxMl.NodeProto>> unsupported = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            OnnxMl.NodeProto n = nodes.get(i);
            if (!needed[i] || n.getInputList().stream().noneMatch(requiresGrad::contains)) {
                continue;
            }
            boolean floatingOut = false;
            for (String o : n.getOutputList()) {
                if (!o.isEmpty() && types.isFloating(o)) {
                    requiresGrad.add(o);
                    floatingOut = true;
                }
            }
            if (floatingOut && spec.rules().rule(n.getOpType()) == null) {
                unsupported.computeIfAbsent(n.getOpType(), k -> new ArrayList<>()).add(n);
            }
        }
        if (!unsupported.isEmpty()) {
            throw new UnsupportedOperatorException(unsupported.entrySet().stream()
                    .map(e -> new UnsupportedOperatorException.MissingRule(e.getKey(), e.getValue().size(),
                            name(e.getValue().get(0))))
                    .toList());
        }
        if (!requiresGrad.contains(spec.output())) {
            throw new ModelFormatException("the output '" + spec.output() + "' does not depend on "
                    + (spec.inputGradient() ? "the input '" + spec.input() + "'" : "the inner tensors " + spec.innerTensors()));
        }
        for (String inner : spec.innerTensors()) {
            if (!requiresGrad.contains(inner) || !types.isFloating(inner)) {
                throw new ModelFormatException("inner tensor '" + inner + "' is not a floating-point tensor "
                        + "between the input and the output");
            }
        }
        return requiresGrad;
    }

    private static String materialize(GraphBuilder b, Map<String, List<String>> contributions, String tensor) {
        List<String> parts = contributions.get(tensor);
        if (parts == null || parts.isEmpty()) {
            return null;
        }
        if (parts.size() == 1) {
            return parts.get(0);
        }
        String sum = b.op("Sum", parts);
        parts.clear();
        parts.add(sum);
        return sum;
    }

    static OnnxMl.ValueInfoProto tensorInfo(String name, int elemType, long[] shape) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : shape) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                        OnnxMl.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(s)))
                .build();
    }
}
