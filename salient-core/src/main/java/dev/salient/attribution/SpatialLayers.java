package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import dev.salient.engine.DifferentiableModel;

import java.util.*;

/**
 * The spatial layers of a model, for Grad-CAM and for a UI's layer picker: rank-4 floating-point tensors that
 * depend on the input and feed the class scores, with height and width &gt; 1, in topological order.
 *
 * <p>{@link #find} also lists tensors at input resolution that no convolution has touched yet (the in-graph
 * normalisation of the shared ONNX MobileNets, the NHWC→NCHW Transpose of an imported TFLite model);
 * {@link #features} leaves them out, for a picker that should offer only feature maps.
 */
public final class SpatialLayers {
    /**
     * @param name  tensor name
     * @param shape shape at batch 1, [1, C, H, W] (inner tensors are NCHW, as ONNX convolutions are, whatever
     *              the layout of the model's input)
     */
    public record Layer(String name, long[] shape) {
        public int channels() {
            return (int) shape[1];
        }

        public int height() {
            return (int) shape[2];
        }

        public int width() {
            return (int) shape[3];
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape);
        }
    }

    private static final Set<String> CONVOLUTIONS = Set.of("Conv", "ConvTranspose");

    private SpatialLayers() {}

    /** Every spatial layer, in topological order. */
    public static List<Layer> find(DifferentiableModel model) {
        return find(model, false);
    }

    /**
     * The feature layers: spatial layers produced by a convolution or computed from one (at least one Conv or
     * ConvTranspose between the input and the tensor), in topological order. Same last entry as {@link #find}
     * for a CNN; for a layer picker.
     */
    public static List<Layer> features(DifferentiableModel model) {
        return find(model, true);
    }

    private static List<Layer> find(DifferentiableModel model, boolean featuresOnly) {
        List<OnnxMl.NodeProto> nodes = model.model().graph().getNodeList();
        // tensors the scores depend on
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : nodes) {
            n.getOutputList().forEach(o -> producer.put(o, n));
        }
        Set<String> feedsOutput = new HashSet<>();
        Deque<String> work = new ArrayDeque<>(List.of(model.outputName()));
        while (!work.isEmpty()) {
            String t = work.pop();
            if (feedsOutput.add(t) && producer.containsKey(t)) {
                work.addAll(producer.get(t).getInputList());
            }
        }
        Set<String> fromInput = new HashSet<>(List.of(model.inputName()));
        Set<String> afterConv = new HashSet<>();
        List<Layer> layers = new ArrayList<>();
        for (OnnxMl.NodeProto n : nodes) {
            if (n.getInputList().stream().noneMatch(fromInput::contains)) {
                continue;
            }
            boolean convolved = CONVOLUTIONS.contains(n.getOpType()) || n.getInputList().stream().anyMatch(afterConv::contains);
            for (String o : n.getOutputList()) {
                if (o.isEmpty() || !model.types().isFloating(o)) {
                    continue;
                }
                fromInput.add(o);
                if (convolved) {
                    afterConv.add(o);
                }
                if (!feedsOutput.contains(o) || !model.shapes().knows(o) || (featuresOnly && !convolved)) {
                    continue;
                }
                long[] s = model.shapes().at(o, 1);
                if (s.length == 4 && s[2] > 1 && s[3] > 1) {
                    layers.add(new Layer(o, s));
                }
            }
        }
        return layers;
    }

    /** The last spatial layer before global pooling: Grad-CAM's default. */
    public static Layer last(DifferentiableModel model) {
        List<Layer> layers = find(model);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("the model has no spatial layer (rank-4 tensor with H, W > 1) "
                    + "between '" + model.inputName() + "' and '" + model.outputName() + "'");
        }
        return layers.get(layers.size() - 1);
    }

    /** The named layer, or a clear error listing the valid names. */
    public static Layer named(DifferentiableModel model, String name) {
        List<Layer> layers = find(model);
        for (Layer l : layers) {
            if (l.name().equals(name)) {
                return l;
            }
        }
        List<String> names = layers.stream().map(Layer::name).toList();
        throw new IllegalArgumentException("'" + name + "' is not a spatial layer of the model; spatial layers: "
                + (names.size() > 12 ? names.subList(names.size() - 12, names.size()) + " (last 12 of " + names.size() + ")" : names));
    }
}
