package dev.salient.autodiff;

import dev.salient.graph.ModelFormatException;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The gradient cannot be built: ops on the gradient path have no backward rule (each op type named once, with how
 * many nodes use it and the first of them), or a rule cannot differentiate one node (named, with the reason).
 */
public final class UnsupportedOperatorException extends ModelFormatException {
    /** An op type without a backward rule: how many nodes on the gradient path use it, and the first one's name. */
    public record MissingRule(String opType, int nodes, String firstNode) {
        @Override
        public String toString() {
            return opType + (nodes == 1 ? " (node '" + firstNode + "')"
                    : " (" + nodes + " nodes, the first '" + firstNode + "')");
        }
    }

    private final List<MissingRule> missingRules;

    public UnsupportedOperatorException(List<MissingRule> missingRules) {
        super("cannot differentiate the model: no gradient rule for "
                + missingRules.stream().map(MissingRule::toString).collect(Collectors.joining(", ")));
        this.missingRules = List.copyOf(missingRules);
    }

    public UnsupportedOperatorException(String nodeDescription, String reason) {
        super("cannot differentiate " + nodeDescription + ": " + reason);
        this.missingRules = List.of();
    }

    /** Op types without a rule; empty when a rule refused one node. */
    public List<MissingRule> missingRules() {
        return missingRules;
    }
}
