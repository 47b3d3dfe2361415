package dev.salient.tflite;

import java.io.IOException;

/** A TFLite file that cannot be imported: not a TFLite model, malformed, or using an unsupported operator. */
public class TfliteImportException extends IOException {
    public TfliteImportException(String message) {
        super(message);
    }

    public TfliteImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
