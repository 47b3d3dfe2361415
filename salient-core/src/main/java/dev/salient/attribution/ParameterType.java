package dev.salient.attribution;

import java.util.Locale;

/** What kind of value a {@link ParameterDescription} takes; {@link #key()} is its name in JSON and help texts. */
public enum ParameterType {
    /** A whole number within the description's bounds. */
    INT,
    /** A finite number within the description's bounds. */
    NUMBER,
    /** One of the description's choices. */
    CHOICE,
    /** Free text, checked by whoever uses it. */
    TEXT,
    /** The name of a spatial layer of the model (blank: the last one), checked against the model. */
    LAYER,
    /** On or off: true/false, 1/0, on/off, yes/no. */
    FLAG;

    /** "int", "number", "choice", "text", "layer" or "flag". */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
