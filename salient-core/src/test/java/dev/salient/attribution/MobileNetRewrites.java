package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.google.protobuf.ByteString;
import dev.salient.graph.OnnxModel;
import dev.salient.testing.SharedData;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** MobileNetV2 with one node appended to its logits, for tests of what a method must not depend on. */
final class MobileNetRewrites {
    private static final String FREE = "logits_before_rewrite";

    private MobileNetRewrites() {}

    /**
     * As a model exported with a fixed batch of 1: its input declared [1, 3, 224, 224] and its logits reshaped to
     * the constant shape [1, 1001], so the graph really cannot run two images at once.
     */
    static OnnxModel fixedBatch() {
        ByteBuffer shape = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(1001);
        OnnxMl.TensorProto constant = OnnxMl.TensorProto.newBuilder().setName("fixed_batch_shape")
                .setDataType(DataType.INT64_VALUE).addDims(2).setRawData(ByteString.copyFrom(shape.array())).build();
        OnnxMl.GraphProto.Builder g = appendToLogits("Reshape", constant);
        g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clear()
                .setDimValue(1);
        return new OnnxModel(OnnxModel.load(SharedData.mobileNetV2()).proto().toBuilder().setGraph(g).build());
    }

    /** With its logits multiplied by {@code factor}. */
    static OnnxModel scaledLogits(float factor) {
        ByteBuffer value = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(factor);
        OnnxMl.TensorProto constant = OnnxMl.TensorProto.newBuilder().setName("logit_factor")
                .setDataType(DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(value.array())).build();
        OnnxMl.GraphProto.Builder g = appendToLogits("Mul", constant);
        return new OnnxModel(OnnxModel.load(SharedData.mobileNetV2()).proto().toBuilder().setGraph(g).build());
    }

    /** The graph with {@code logits} renamed and recomputed as {@code op(old logits, constant)}. */
    private static OnnxMl.GraphProto.Builder appendToLogits(String op, OnnxMl.TensorProto constant) {
        OnnxMl.GraphProto.Builder g = OnnxModel.load(SharedData.mobileNetV2()).graph().toBuilder();
        for (OnnxMl.NodeProto.Builder node : g.getNodeBuilderList()) {
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals("logits")) {
                    node.setOutput(i, FREE);
                }
            }
        }
        g.addInitializer(constant);
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType(op).setName("appended_" + op).addInput(FREE)
                .addInput(constant.getName()).addOutput("logits"));
        return g;
    }

    /** Writes {@code model} to {@code dir}/{@code name} and returns its path. */
    static Path write(OnnxModel model, Path dir, String name) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, model.toBytes());
        return file;
    }
}
