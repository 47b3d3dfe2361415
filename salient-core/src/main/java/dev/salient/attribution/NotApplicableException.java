package dev.salient.attribution;

/**
 * The method does not apply to this model's architecture (see {@link MethodTraits#needs}), e.g. attention rollout on
 * a CNN: the caller's choice of method, not a fault of the model or the input.
 */
public class NotApplicableException extends IllegalArgumentException {
    public NotApplicableException(String message) {
        super(message);
    }
}
