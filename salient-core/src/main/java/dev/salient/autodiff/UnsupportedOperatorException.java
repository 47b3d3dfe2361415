package dev.salient.autodiff;

import dev.salient.graph.ModelFormatException;

import java.util.Collection;
import java.util.List;

/** The model uses an operator that has no backward rule; names the op type and node, lists what works. */
public final class UnsupportedOperatorException extends ModelFormatException {
    private final List<String> nodes;

    public UnsupportedOperatorException(List<String> nodeDescriptions, Collection<String> supported) {
        super("cannot differentiate the model: no gradient rule for " + String.join(", ", nodeDescriptions)
                + ". Supported ops: " + String.join(", ", supported));
        this.nodes = List.copyOf(nodeDescriptions);
    }

    public UnsupportedOperatorException(String nodeDescription, String reason) {
        super("cannot differentiate " + nodeDescription + ": " + reason);
        this.nodes = List.of(nodeDescription);
    }

    public List<String> nodes() {
        return nodes;
    }
}
