package dev.salient.engine;

/** ONNX Runtime failed while running a model or a gradient graph. */
public final class EngineException extends RuntimeException {
    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
