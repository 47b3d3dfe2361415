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
 * @param portable      for runtimes other than ONNX Runtime's CPU provider (exported explainers): only constructs
 *                      whose exactness does not depend on full float32 arithmetic (no scaled step functions,
 *                      which a runtime computing convolutions in TF32 or fp16 would get wrong; see PassMasks)
 */
public record GradientGraphSpec(String input, String output, TargetHead head, List<String> innerTensors,
                                RuleTable rules, int batch, boolean inputGradient, boolean portable) {
    public GradientGraphSpec {
        innerTensors = List.copyOf(innerTensors);
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive: " + batch);
        }
        if (!inputGradient && innerTensors.isEmpty()) {
            throw new IllegalArgumentException("a graph without the input gradient needs at least one inner tensor");
        }
    }

    /** A graph for ONNX Runtime's CPU provider. */
    public GradientGraphSpec(String input, String output, TargetHead head, List<String> innerTensors, RuleTable rules,
                             int batch, boolean inputGradient) {
        this(input, output, head, innerTensors, rules, batch, inputGradient, false);
    }

    /** A graph with the input gradient, for ONNX Runtime's CPU provider. */
    public GradientGraphSpec(String input, String output, TargetHead head, List<String> innerTensors, RuleTable rules,
                             int batch) {
        this(input, output, head, innerTensors, rules, batch, true);
    }
}
