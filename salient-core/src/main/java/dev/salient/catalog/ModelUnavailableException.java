package dev.salient.catalog;

import java.io.IOException;

/**
 * A model name could not be turned into a file without a download that is not allowed (offline), or names
 * nothing known. The message says where Salient looked and what to do.
 */
public class ModelUnavailableException extends IOException {

    public ModelUnavailableException(String message) {
        super(message);
    }
}
