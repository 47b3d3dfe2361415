package dev.salient.image;

/**
 * An image could not be (or was not allowed to be) decoded. The message is written for the person who supplied the
 * image: it says what is wrong and, where it can, what would be accepted instead.
 */
public class ImageDecodeException extends RuntimeException {

    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
