package dev.salient.engine;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;

import java.util.List;

/**
 * What a many-sample method runs chunk after chunk, for remembering the chunk size measured for it: a gradient
 * graph (head, rules, inner tensors, with or without the input gradient) or the plain forward pass. Value equality
 * (rule tables by value), so it keys the process's memory; only kinds built from the standard rules have a name
 * that means the same in another process, and only they are kept on disk.
 */
public record ChunkKind(TargetHead head, RuleTable rules, List<String> inner, boolean inputGradient) {
    /** The model's forward pass (occlusion, and metrics that only score inputs). */
    public static final ChunkKind FORWARD = new ChunkKind(null, null, List.of(), false);

    public ChunkKind {
        inner = List.copyOf(inner);
    }

    /** A gradient graph of the standard kind with the input gradient. */
    public static ChunkKind gradient(TargetHead head, RuleTable rules, List<String> inner) {
        return new ChunkKind(head, rules, inner, true);
    }

    /** The name of this kind on disk, or null when it has none (rule tables other than the standard one). */
    String persistentName() {
        if (rules == null) {
            return "forward";
        }
        return rules.equals(RuleTable.standard()) ? "gradient|" + head + "|" + inner + "|" + inputGradient : null;
    }
}
