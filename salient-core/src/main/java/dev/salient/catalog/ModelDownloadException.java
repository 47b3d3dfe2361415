package dev.salient.catalog;

import java.io.IOException;

/** A file could not be fetched or failed verification; the message says what happened and to which file. */
public class ModelDownloadException extends IOException {

    public ModelDownloadException(String message) {
        super(message);
    }

    public ModelDownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
