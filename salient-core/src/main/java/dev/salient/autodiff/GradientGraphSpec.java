package dev.salient.autodiff;

import java.util.List;

/**
 * What gradient graph to build.
 *
 * @param input        name of the image input tensor
 * @param output       name of the class-score tensor ([batch, classes]; the logits when a final Softmax is cut)
 * @param head         the function of the scores that is differentiated
 * @param innerTensors inner tensors whose value and gradient the graph also returns (e.g. Grad-CAM's layer)
 * @param rules        backward rule per op type
 * @param batch         static batch size of the graph
 * @param inputGradient whether the graph differentiates down to the input; without it the backward pass stops at
 *                      the inner tensors (Grad-CAM needs only its layer's gradient), which skips most of the work
 */
public record GradientGraphSpec(String input, String output, TargetHead head, List<String> innerTensors,
                                RuleTable rules, int batch, boolean inputGradient) {
    public GradientGraphSpec {
        innerTensors = List.copyOf(innerTensors);
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive: " + batch);
        }
        if (!inputGradient && innerTensors.isEmpty()) {
            throw new IllegalArgumentException("a graph without the input gradient needs at least one inner tensor");
        }
    }

    /** A graph with the input gradient. */
    public GradientGraphSpec(String input, String output, TargetHead head, List<String> innerTensors, RuleTable rules,
                             int batch) {
        this(input, output, head, innerTensors, rules, batch, true);
    }
}
