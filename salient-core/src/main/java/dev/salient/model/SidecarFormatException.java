package dev.salient.model;

/**
 * A model's sidecar ({@code MODEL.json}) holds a field Salient does not know, or a value of the wrong kind; the
 * message names the field and what it must be.
 */
public final class SidecarFormatException extends IllegalArgumentException {
    private final String field;

    public SidecarFormatException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** The field at fault, as written in the sidecar. */
    public String field() {
        return field;
    }
}
