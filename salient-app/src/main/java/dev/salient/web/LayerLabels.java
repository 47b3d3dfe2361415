package dev.salient.web;

import ai.onnx.proto.OnnxMl;
import dev.salient.attribution.SpatialLayers;
import dev.salient.engine.DifferentiableModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Short readable names for a layer picker, derived from the graph: position among the spatial layers, the op
 * that produces the tensor, grid and channels, e.g. "layer 61 · Clip · 7×7×1280". Raw tensor names of an
 * imported TFLite model are a median 252 characters and differ only in a hidden suffix, and the block numbers
 * inside them are not reliable (folded weights carry another block's name), so the position is the index.
 */
final class LayerLabels {
    private LayerLabels() {}

    /** One label per layer, in the order given (network order). */
    static List<String> of(DifferentiableModel model, List<SpatialLayers.Layer> layers) {
        Map<String, String> producingOp = new HashMap<>();
        for (OnnxMl.NodeProto n : model.model().graph().getNodeList()) {
            n.getOutputList().forEach(o -> producingOp.put(o, n.getOpType()));
        }
        List<String> labels = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            SpatialLayers.Layer l = layers.get(i);
            labels.add("layer " + (i + 1) + " · " + producingOp.getOrDefault(l.name(), "input") + " · "
                    + l.height() + "×" + l.width() + "×" + l.channels()
                    + (l.layout() == SpatialLayers.Layout.NCHW ? "" : " " + l.layout().name().toLowerCase(java.util.Locale.ROOT)));
        }
        return labels;
    }
}
