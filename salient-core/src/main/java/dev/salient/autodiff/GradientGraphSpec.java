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
 * @param batch        static batch size of the graph
 */
public record GradientGraphSpec(String input, String output, TargetHead head, List<String> innerTensors,
                                RuleTable rules, int batch) {
    public GradientGraphSpec {
        innerTensors = List.copyOf(innerTensors);
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive: " + batch);
        }
    }
}
