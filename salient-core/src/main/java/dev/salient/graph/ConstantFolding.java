package dev.salient.graph;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.util.*;

/**
 * The tensors that static shapes make constant. Once every tensor's shape is known at a batch size, a Shape or
 * Size node is a constant, and so is every node whose inputs are all constants: the integer arithmetic exporters
 * emit for Slice bounds, Pad pads, Reshape/Expand targets, Range, ConstantOfShape, Where on shape values... (a
 * Shape output holds the batch size, so the values are per batch size).
 *
 * <p>ONNX Runtime evaluates them: the computed nodes, with each Shape/Size replaced by a Constant holding its
 * value at the batch size, form a small input-free model that one session runs. That gives exactly the
 * runtime's semantics for every op (integer division, Mod, Cast, Range, broadcasting) with no list of ops to keep
 * in step; building and running it takes a few milliseconds, once per gradient graph.
 */
public final class ConstantFolding {
    /**
     * Largest computed tensor (elements at batch 1) that is folded: shape vectors and index tensors are far
     * smaller; larger constant computations (weight rearrangements) are left to ONNX Runtime's own folding.
     */
    static final long MAX_ELEMENTS = 1 << 16;
    private static final Set<String> NONDETERMINISTIC = Set.of("RandomNormal", "RandomUniform",
            "RandomNormalLike", "RandomUniformLike", "Multinomial", "Bernoulli");

    private final OrtEnvironment env;
    private final OnnxModel model;
    private final ElementTypes types;
    private final TensorShapes shapes;
    /** Computed nodes whose every input is constant, in graph (topological) order. */
    private final List<OnnxMl.NodeProto> foldable = new ArrayList<>();
    private final Map<Integer, Map<String, OnnxMl.TensorProto>> byBatch = new HashMap<>();

    ConstantFolding(OrtEnvironment env, OnnxModel model, ElementTypes types, TensorShapes shapes) {
        this.env = env;
        this.model = model;
        this.types = types;
        this.shapes = shapes;
        Set<String> constant = new HashSet<>(model.initializers().keySet());
        for (OnnxMl.NodeProto node : model.graph().getNodeList()) {
            if (node.getOpType().equals("Constant")) {
                constant.addAll(node.getOutputList());
            } else if (isFoldable(node, constant)) {
                foldable.add(node);
                constant.addAll(node.getOutputList());
            }
        }
    }

    private boolean isFoldable(OnnxMl.NodeProto node, Set<String> constant) {
        String op = node.getOpType();
        boolean defaultDomain = node.getDomain().isEmpty() || node.getDomain().equals("ai.onnx");
        if (!defaultDomain || NONDETERMINISTIC.contains(op) || node.getOutputCount() == 0
                || node.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
            return false;
        }
        boolean inputsKnown = op.equals("Shape") || op.equals("Size")
                ? shapes.knows(node.getInput(0))
                : node.getInputCount() > 0 && node.getInputList().stream().allMatch(i -> i.isEmpty() || constant.contains(i));
        if (!inputsKnown) {
            return false;
        }
        for (String out : node.getOutputList()) {
            if (!out.isEmpty() && (!shapes.knows(out) || TensorShapes.elementCount(shapes.at(out, 1)) > MAX_ELEMENTS)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the graph has any computed constant (when not, folding costs nothing). */
    public boolean isEmpty() {
        return foldable.isEmpty();
    }

    /** Value of every computed constant tensor when the model runs on {@code batch} items, by tensor name. */
    public synchronized Map<String, OnnxMl.TensorProto> at(int batch) {
        return byBatch.computeIfAbsent(batch, this::evaluate);
    }

    private Map<String, OnnxMl.TensorProto> evaluate(int batch) {
        if (foldable.isEmpty()) {
            return Map.of();
        }
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName("salient_constants");
        Set<String> needed = new HashSet<>();
        List<String> outputs = new ArrayList<>();
        for (OnnxMl.NodeProto node : foldable) {
            if (node.getOpType().equals("Shape") || node.getOpType().equals("Size")) {
                g.addNode(constantNode(node, staticValue(node, shapes.at(node.getInput(0), batch))));
            } else {
                g.addNode(node);
                needed.addAll(node.getInputList());
            }
            for (String out : node.getOutputList()) {
                if (!out.isEmpty()) {
                    outputs.add(out);
                    g.addOutput(TensorShapes.valueInfo(out, types.of(out)));
                }
            }
        }
        Set<String> produced = new HashSet<>(outputs);
        for (OnnxMl.NodeProto node : model.graph().getNodeList()) {
            if (node.getOpType().equals("Constant") && node.getOutputList().stream().anyMatch(needed::contains)) {
                g.addNode(0, node);
            }
        }
        for (String name : needed) {
            OnnxMl.TensorProto init = model.initializers().get(name);
            if (init != null && !produced.contains(name)) {
                g.addInitializer(init);
            }
        }
        byte[] bytes = model.proto().toBuilder().setGraph(g).build().toByteArray();
        Map<String, OnnxMl.TensorProto> values = new HashMap<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            // run once: optimising the graph first only adds time (ViT and ShuffleNet, ~300-400 folded tensors:
            // median 72 → 48 ms per batch size, measured while other builds shared the 2 cores)
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = env.createSession(bytes, options);
                 OrtSession.Result result = session.run(Map.of())) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (e.getValue() instanceof OnnxTensor t && t.getInfo().type != ai.onnxruntime.OnnxJavaType.STRING) {
                        values.put(e.getKey(), toProto(e.getKey(), t));
                    }
                }
            }
        } catch (OrtException e) {
            throw new ModelFormatException("ONNX Runtime cannot evaluate the model's shape arithmetic at batch "
                    + batch + ": " + e.getMessage());
        }
        return Collections.unmodifiableMap(values);
    }

    /** Shape (with its opset-15 start/end) or Size of a tensor whose shape is known. */
    private static OnnxMl.TensorProto staticValue(OnnxMl.NodeProto node, long[] dims) {
        if (node.getOpType().equals("Size")) {
            return longs(new long[]{TensorShapes.elementCount(dims)});
        }
        int rank = dims.length;
        long start = Attributes.getInt(node, "start", 0);
        long end = Attributes.getInt(node, "end", rank);
        start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
        end = Math.max(start, Math.min(rank, end < 0 ? end + rank : end));
        return longs(Arrays.copyOfRange(dims, (int) start, (int) end), end - start);
    }

    private static OnnxMl.TensorProto longs(long[] values, long... dims) {
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setDataType(DataType.INT64_VALUE)
                .setRawData(ByteString.copyFrom(TensorData.int64Bytes(values)));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.NodeProto constantNode(OnnxMl.NodeProto replaced, OnnxMl.TensorProto value) {
        return OnnxMl.NodeProto.newBuilder().setOpType("Constant").setName(replaced.getName())
                .addOutput(replaced.getOutput(0))
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("value")
                        .setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(value))
                .build();
    }

    private static OnnxMl.TensorProto toProto(String name, OnnxTensor tensor) {
        ByteBuffer data = tensor.getByteBuffer();
        byte[] raw = new byte[data.remaining()];
        data.get(raw);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(name)
                .setDataType(dataType(tensor.getInfo().onnxType)).setRawData(ByteString.copyFrom(raw));
        for (long d : tensor.getInfo().getShape()) {
            t.addDims(d);
        }
        return t.build();
    }

    /** ONNX Runtime's Java enum numbers its element types its own way; the names match ONNX's after the prefix. */
    private static int dataType(ai.onnxruntime.TensorInfo.OnnxTensorType type) {
        String name = type.name().substring("ONNX_TENSOR_ELEMENT_DATA_TYPE_".length());
        return DataType.valueOf(name).getNumber();
    }
}
