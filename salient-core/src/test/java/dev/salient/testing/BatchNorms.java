package dev.salient.testing;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import dev.salient.graph.Attributes;
import dev.salient.graph.OnnxModel;
import dev.salient.graph.TensorData;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * A model given a BatchNormalization after every Conv, with seeded parameters, the Conv's weights and bias divided back
 * so that the function is unchanged: W ← W / s, b ← (b − β)/s + μ, then BN(y) = s ⊙ (y − μ) + β with
 * s = γ/√(var + ε), negative on every fourth channel from channel 1. The peers' and the shared models are exported with their BatchNorms already folded; this gives
 * them back, so a BN model has a reference (the original's outputs, Zennit's maps) to be checked against.
 */
public final class BatchNorms {
    /** The BatchNormalization epsilon the inserted nodes state (PyTorch's default). */
    public static final float EPSILON = 1e-5f;

    private BatchNorms() {}

    /**
     * @param biasFree β = μ·s, so a Conv without bias stays without one and the folded model has no bias either
     *                 (for conservation); otherwise β is random
     */
    public static OnnxModel inserted(OnnxModel model, long seed, boolean biasFree) {
        Random random = new Random(seed);
        OnnxMl.GraphProto.Builder graph = model.graph().toBuilder().clearNode();
        Map<String, OnnxMl.TensorProto> initializers = new HashMap<>(model.initializers());
        for (OnnxMl.NodeProto node : model.graph().getNodeList()) {
            if (!node.getOpType().equals("Conv")) {
                graph.addNode(node);
                continue;
            }
            OnnxMl.TensorProto weight = initializers.get(node.getInput(1));
            float[] w = TensorData.floats(weight);
            int channels = Math.toIntExact(weight.getDims(0));
            float[] b = node.getInputCount() > 2 ? TensorData.floats(initializers.get(node.getInput(2)))
                    : new float[channels];
            double[] scale = new double[channels];
            double[] gamma = new double[channels];
            double[] beta = new double[channels];
            double[] mean = new double[channels];
            double[] variance = new double[channels];
            for (int c = 0; c < channels; c++) {
                // |s| in [0.5, 2], negative on channels 1, 5, 9...; means and variances of real networks' order
                scale[c] = (c % 4 == 1 ? -1 : 1) * Math.exp((random.nextDouble() * 2 - 1) * Math.log(2));
                mean[c] = random.nextGaussian() * 0.5;
                variance[c] = 0.5 + random.nextDouble() * 1.5;
                gamma[c] = scale[c] * Math.sqrt(variance[c] + EPSILON);
                beta[c] = biasFree ? mean[c] * scale[c] : random.nextGaussian() * 0.5;
            }
            long perChannel = w.length / channels;
            double[] dividedWeight = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                dividedWeight[i] = w[i] / scale[(int) (i / perChannel)];
            }
            double[] dividedBias = new double[channels];
            for (int c = 0; c < channels; c++) {
                dividedBias[c] = (b[c] - beta[c]) / scale[c] + mean[c];
            }
            String name = node.getOutput(0);
            String wName = name + "/divided_weight";
            String convOut = name + "/before_bn";
            graph.addInitializer(tensor(wName, dividedWeight, weight.getDimsList()));
            OnnxMl.NodeProto.Builder conv = node.toBuilder().clearInput().clearOutput().addInput(node.getInput(0))
                    .addInput(wName).addOutput(convOut);
            boolean hasBias = node.getInputCount() > 2 || !biasFree;
            if (hasBias) {
                graph.addInitializer(tensor(name + "/divided_bias", dividedBias, java.util.List.of((long) channels)));
                conv.addInput(name + "/divided_bias");
            }
            graph.addNode(conv);
            String[] params = {"gamma", "beta", "mean", "var"};
            double[][] values = {gamma, beta, mean, variance};
            OnnxMl.NodeProto.Builder norm = OnnxMl.NodeProto.newBuilder().setOpType("BatchNormalization")
                    .setName(name + "/bn").addInput(convOut).addOutput(name)
                    .addAttribute(Attributes.ofFloat("epsilon", EPSILON));
            for (int k = 0; k < 4; k++) {
                graph.addInitializer(tensor(name + "/bn_" + params[k], values[k], java.util.List.of((long) channels)));
                norm.addInput(name + "/bn_" + params[k]);
            }
            graph.addNode(norm);
        }
        java.util.Set<String> used = new java.util.HashSet<>();
        graph.getNodeList().forEach(n -> used.addAll(n.getInputList()));
        java.util.List<OnnxMl.TensorProto> kept = graph.getInitializerList().stream()
                .filter(t -> used.contains(t.getName())).toList();
        graph.clearInitializer().addAllInitializer(kept);
        return new OnnxModel(model.proto().toBuilder().setGraph(graph).build());
    }

    /** Number of nodes of an op type. */
    public static long count(OnnxModel model, String opType) {
        return model.graph().getNodeList().stream().filter(n -> n.getOpType().equals(opType)).count();
    }

    private static OnnxMl.TensorProto tensor(String name, double[] values, java.util.List<Long> dims) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            buf.putFloat((float) v);
        }
        return OnnxMl.TensorProto.newBuilder().setName(name).setDataType(DataType.FLOAT_VALUE).addAllDims(dims)
                .setRawData(ByteString.copyFrom(buf.array())).build();
    }
}
