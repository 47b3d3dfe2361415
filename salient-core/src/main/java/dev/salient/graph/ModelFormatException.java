package dev.salient.graph;

/** The model file cannot be used: missing, not ONNX, unsupported opset, no usable image input or class output. */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }
}
