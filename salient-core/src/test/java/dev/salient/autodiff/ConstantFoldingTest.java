package dev.salient.autodiff;

import ai.onnx.proto.OnnxMl;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.OnnxModel;
import dev.salient.graph.TensorData;
import dev.salient.graph.TensorShapes;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.salient.autodiff.TinyGraphs.X;
import static dev.salient.autodiff.TinyGraphs.i;
import static dev.salient.autodiff.TinyGraphs.is;
import static org.assertj.core.api.Assertions.assertThat;

/** Shape arithmetic becomes constant once shapes are static: its values, per batch size, and what stays computed. */
class ConstantFoldingTest {
    @Test
    void foldsShapeArithmeticPerBatchSize() {
        TinyGraphs g = new TinyGraphs(15, 1);
        String c = g.op("Conv", List.of(X, g.convWeights(4, 3, 3, 3)), is("pads", 1, 1, 1, 1));
        String shape = g.op("Shape", c);
        String batch = g.op("Gather", List.of(shape, g.ints(0)), i("axis", 0));
        String half = g.op("Div", g.op("Gather", List.of(shape, g.ints(1)), i("axis", 0)), g.ints(2));
        String spatial = g.op("Shape", c, i("start", -2));
        String rows = g.op("Range", List.of(g.intTensor(new long[]{0}), g.op("Squeeze",
                List.of(g.op("Slice", List.of(spatial, g.ints(0), g.ints(1))), g.ints(0))), g.intTensor(new long[]{2})));
        String dataDependent = g.op("ArgMax", c, i("axis", 1));
        String onData = g.op("Add", dataDependent, g.op("Gather", List.of(batch, g.ints(0)), i("axis", 0)));
        String sliced = g.op("Slice", List.of(c, half, g.op("Mul", half, g.ints(2)), g.ints(1)));
        String out = g.op("Add", g.op("ReduceMean", sliced, is("axes", 1, 2, 3)),
                g.op("Cast", g.op("ReduceSum", onData, i("keepdims", 1)), i("to", 1)));
        OnnxModel model = g.build(out, 1, 3, 7, 9);
        try (DifferentiableModel dm = DifferentiableModel.open(model, X, out, new long[]{1, 3, 7, 9},
                EngineOptions.DEFAULT)) {
            TensorShapes shapes = dm.shapes();
            Map<String, OnnxMl.TensorProto> one = shapes.constants(1);
            Map<String, OnnxMl.TensorProto> three = shapes.constants(3);
            assertThat(TensorData.longs(one.get(shape))).containsExactly(1, 4, 7, 9);
            assertThat(TensorData.longs(three.get(shape))).containsExactly(3, 4, 7, 9);
            assertThat(TensorData.longs(three.get(batch))).containsExactly(3);
            assertThat(TensorData.longs(three.get(half))).containsExactly(2);
            assertThat(TensorData.longs(three.get(spatial))).containsExactly(7, 9);
            assertThat(TensorData.longs(three.get(rows))).containsExactly(0, 2, 4, 6);
            // values that depend on pixels are never constants
            assertThat(three).doesNotContainKeys(dataDependent, onData, c, sliced, out);
            assertThat(dm.gradientUnsupported()).isEmpty();
        }
    }

    @Test
    void aGraphWithoutShapeArithmeticFoldsNothing() {
        TinyGraphs g = new TinyGraphs(13, 2);
        String out = g.op("Relu", g.op("Conv", List.of(X, g.convWeights(4, 3, 3, 3))));
        try (DifferentiableModel dm = DifferentiableModel.open(g.build(out, 1, 3, 7, 9), X, out,
                new long[]{1, 3, 7, 9}, EngineOptions.DEFAULT)) {
            assertThat(dm.shapes().constants(4)).isEmpty();
        }
    }
}
