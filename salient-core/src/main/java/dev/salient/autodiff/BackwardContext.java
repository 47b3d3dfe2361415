package dev.salient.autodiff;

import ai.onnx.proto.OnnxMl;
import dev.salient.graph.Attributes;
import dev.salient.graph.GraphBuilder;

/**
 * What a {@link GradientRule} sees of one node during the backward pass: its tensors, their static shapes,
 * the incoming output gradients, and a builder to emit gradient nodes.
 */
public final class BackwardContext {
    private final OnnxMl.NodeProto node;
    private final GraphBuilder graph;
    private final String[] outputGradients;
    private final boolean[] inputNeedsGradient;
    private final String[] inputGradients;
    private final GradientGraphBuilder owner;
    private final int layerDepth;

    BackwardContext(OnnxMl.NodeProto node, GraphBuilder graph, String[] outputGradients,
                    boolean[] inputNeedsGradient, GradientGraphBuilder owner, int layerDepth) {
        this.node = node;
        this.graph = graph;
        this.outputGradients = outputGradients;
        this.inputNeedsGradient = inputNeedsGradient;
        this.inputGradients = new String[node.getInputCount()];
        this.owner = owner;
        this.layerDepth = layerDepth;
    }

    /**
     * How many weight layers (Conv, ConvTranspose, Gemm, MatMul) lie on the longest path from the input to this node,
     * itself included: 1 for the first convolution of a CNN. Lets a rule table treat the first layer apart (LRP).
     */
    public int layerDepth() {
        return layerDepth;
    }

    /**
     * The input gradients {@code rule} emits for this node with its output gradient replaced by {@code dy} and its
     * input {@code replaced} (e.g. the weights) replaced by {@code tensor} of the same shape (null: none replaced).
     * For rules that reuse an exact rule on modified terms, as LRP does with transposed convolutions.
     */
    String[] delegate(GradientRule rule, String dy, int replaced, String tensor) {
        OnnxMl.NodeProto changed = node;
        if (tensor != null) {
            owner.declareShape(tensor, shape(input(replaced)));
            changed = node.toBuilder().setInput(replaced, tensor).build();
        }
        boolean[] needs = inputNeedsGradient.clone();
        if (tensor != null) {
            needs[replaced] = false;
        }
        BackwardContext inner = new BackwardContext(changed, graph, new String[]{dy}, needs, owner, layerDepth);
        rule.backward(inner);
        return inner.inputGradients();
    }

    public OnnxMl.NodeProto node() {
        return node;
    }

    public GraphBuilder graph() {
        return graph;
    }

    public int opset() {
        return graph.opset();
    }

    public String input(int i) {
        return i < node.getInputCount() ? node.getInput(i) : "";
    }

    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    public int inputCount() {
        return node.getInputCount();
    }

    public String output(int i) {
        return node.getOutput(i);
    }

    /** Gradient flowing into output {@code i}, or null when none does (treat as zero). */
    public String outputGradient(int i) {
        return i < outputGradients.length ? outputGradients[i] : null;
    }

    /** Gradient of the first output; every single-output rule starts here. */
    public String dy() {
        return outputGradient(0);
    }

    public boolean needsGradient(int i) {
        return i < inputNeedsGradient.length && inputNeedsGradient[i];
    }

    /** Records the gradient of input {@code i}; ignored when that input needs none. */
    public void addGradient(int i, String gradient) {
        if (needsGradient(i)) {
            inputGradients[i] = gradient;
        }
    }

    String[] inputGradients() {
        return inputGradients;
    }

    /** Whether the graph must avoid constructs tuned to ONNX Runtime's CPU kernels ({@link GradientGraphSpec#portable()}). */
    public boolean portable() {
        return owner.portable();
    }

    /** Static shape of a tensor at the batch size the graph is built for. */
    public long[] shape(String tensor) {
        return owner.shape(tensor);
    }

    /** ONNX element type of a tensor (TensorProto.DataType number). */
    public int elementType(String tensor) {
        return owner.elementType(tensor);
    }

    /** Values of a constant integer tensor (initializer or Constant node), e.g. Slice starts. */
    public long[] constantInts(String tensor) {
        return owner.constantInts(tensor, describe());
    }

    /** Whether a tensor is ≥ 0 by the graph's construction (a rectifier's output, pooled or reshaped); false if unknown. */
    public boolean nonNegative(String tensor) {
        return owner.nonNegative(tensor);
    }

    /** Values of a constant float tensor (initializer or Constant node), or null when it is computed. */
    public float[] constantFloats(String tensor) {
        return owner.constantFloats(tensor);
    }

    /** Values of a constant float or integer tensor as floats, or null when it is computed at run time. */
    public float[] constantNumbers(String tensor) {
        return owner.constantNumbers(tensor);
    }

    public long intAttr(String name, long fallback) {
        return Attributes.getInt(node, name, fallback);
    }

    public float floatAttr(String name, float fallback) {
        return Attributes.getFloat(node, name, fallback);
    }

    public long[] intsAttr(String name) {
        return Attributes.getInts(node, name);
    }

    public String stringAttr(String name, String fallback) {
        return Attributes.getString(node, name, fallback);
    }

    /** "Conv node 'conv1' (Conv)" style description for error messages. */
    public String describe() {
        return GradientGraphBuilder.describe(node);
    }

    public UnsupportedOperatorException unsupported(String reason) {
        return new UnsupportedOperatorException(describe(), reason);
    }
}
