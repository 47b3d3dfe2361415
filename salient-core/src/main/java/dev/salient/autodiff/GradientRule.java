package dev.salient.autodiff;

import ai.onnx.proto.OnnxMl;

/**
 * The backward rule of one ONNX operator: given the gradients flowing into a node's outputs, emit the
 * nodes that compute the gradients of its inputs ({@link BackwardContext#addGradient}).
 * A rule may also rewrite its forward node first, e.g. to expose MaxPool's argmax indices.
 */
@FunctionalInterface
public interface GradientRule {
    void backward(BackwardContext ctx);

    /** Returns the forward node to put in the gradient graph; by default the node unchanged. */
    default OnnxMl.NodeProto prepareForward(OnnxMl.NodeProto node, ForwardRewriter rewriter) {
        return node;
    }

    /** Lets a rule name extra outputs it adds to a forward node. */
    interface ForwardRewriter {
        String freshName(String hint);
    }
}
