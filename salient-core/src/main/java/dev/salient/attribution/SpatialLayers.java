package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import dev.salient.engine.DifferentiableModel;

import java.util.*;

/**
 * The spatial layers of a model, for Grad-CAM and for a UI's layer picker: rank-4 floating-point tensors that
 * depend on the input and feed the class scores, with height and width &gt; 1, in topological order.
 */
public final class SpatialLayers {
    /**
     * @param name  tensor name
     * @param shape shape at batch 1, [1, C, H, W]
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

    private SpatialLayers() {}

    public static List<Layer> find(DifferentiableModel model) {
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
        List<Layer> layers = new ArrayList<>();
        for (OnnxMl.NodeProto n : nodes) {
            if (n.getInputList().stream().noneMatch(fromInput::contains)) {
                continue;
            }
            for (String o : n.getOutputList()) {
                if (o.isEmpty() || !model.types().isFloating(o)) {
                    continue;
                }
                fromInput.add(o);
                if (!feedsOutput.contains(o) || !model.shapes().knows(o)) {
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
