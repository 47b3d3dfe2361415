package dev.salient.tflite;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The result of importing a TFLite model.
 *
 * @param model   float32 ONNX model (opset 13) with NHWC input {@code input}; output {@code logits}, or
 *                {@code probabilities} after a final Softmax whose input is then named {@code logits}
 * @param sidecar preprocessing description: layout, width, height, resize, scale, mean, std (tensor value =
 *                (pixel·scale − mean)/std) and, where guessed, an {@code assumed} note
 */
public record TfliteImport(OnnxMl.ModelProto model, ObjectNode sidecar) {}
