package dev.salient.attribution;

import dev.salient.graph.TensorShapes;

import java.util.Map;

/**
 * The result of an attribution method.
 *
 * @param values      attribution values, row-major in {@code shape}
 * @param shape       the model input's shape without batch for pixel methods (e.g. [3, 224, 224]); [h, w] of the
 *                    layer for Grad-CAM-like maps
 * @param inputShaped true when {@code shape} is the input's shape (one value per input element)
 * @param diagnostics named numbers such as {@code targetScore}, {@code completenessGap}, {@code samples}
 */
public record Attribution(float[] values, long[] shape, boolean inputShaped, Map<String, Double> diagnostics) {
    public Attribution {
        diagnostics = Map.copyOf(diagnostics);
        long n = TensorShapes.elementCount(shape);
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " holds " + n
                    + " values, got " + values.length);
        }
    }

    public double diagnostic(String name) {
        Double d = diagnostics.get(name);
        if (d == null) {
            throw new IllegalArgumentException("no diagnostic '" + name + "' (have " + diagnostics.keySet() + ")");
        }
        return d;
    }
}
