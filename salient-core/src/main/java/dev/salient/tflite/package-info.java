/**
 * TFLite import: reads TFLite FlatBuffer models (float or uint8/int8-quantised) into the float32 ONNX graph
 * form the engine differentiates, plus a preprocessing sidecar. Entry point: {@link dev.salient.tflite.TfliteImporter}.
 */
package dev.salient.tflite;
