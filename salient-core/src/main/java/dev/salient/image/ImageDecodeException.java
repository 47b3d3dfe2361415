package dev.salient.image;

/**
 * An image could not be (or was not allowed to be) decoded. The message is written for the person who supplied the
 * image: it says what is wrong and, where it can, what would be accepted instead; {@link #kind()} says which
 * of the four cases it is, for callers that answer differently (a server's 413, 415 or 400).
 */
public class ImageDecodeException extends RuntimeException {
    /** Why the image was refused. */
    public enum Kind {
        /** The file is missing, a folder, or cannot be read. */
        UNREADABLE,
        /** Above the byte or pixel limit ({@link ImageLimits}). */
        TOO_LARGE,
        /** Not a format Salient reads (or no reader for it). */
        UNSUPPORTED,
        /** A supported format, but damaged or cut short. */
        CORRUPT
    }

    private final Kind kind;

    public ImageDecodeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ImageDecodeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
