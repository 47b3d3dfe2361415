package dev.salient.attribution;

/**
 * A parameter value that a {@link ParameterDescription} refuses, or a parameter that nothing takes. The message is
 * for people and names the parameter; {@link #parameter()} names it for programs (the web app answers 400).
 */
public final class InvalidParameterException extends IllegalArgumentException {
    private final String parameter;

    public InvalidParameterException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    /** The parameter's name as the caller wrote it. */
    public String parameter() {
        return parameter;
    }
}
