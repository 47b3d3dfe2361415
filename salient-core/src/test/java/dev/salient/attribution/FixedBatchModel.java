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

/**
 * MobileNetV2 as a model exported with a fixed batch of 1: its input declared [1, 3, 224, 224] and its logits
 * reshaped to the constant shape [1, 1001], so the graph really cannot run two images at once.
 */
final class FixedBatchModel {
    private FixedBatchModel() {}

    static OnnxModel mobileNetV2() {
        OnnxModel plain = OnnxModel.load(SharedData.mobileNetV2());
        OnnxMl.GraphProto.Builder g = plain.graph().toBuilder();
        g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).clear()
                .setDimValue(1);
        for (OnnxMl.NodeProto.Builder node : g.getNodeBuilderList()) {
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals("logits")) {
                    node.setOutput(i, "logits_free_batch");
                }
            }
        }
        ByteBuffer shape = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1).putLong(1001);
        g.addInitializer(OnnxMl.TensorProto.newBuilder().setName("fixed_batch_shape").setDataType(DataType.INT64_VALUE)
                .addDims(2).setRawData(ByteString.copyFrom(shape.array())));
        g.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Reshape").setName("fixed_batch_reshape")
                .addInput("logits_free_batch").addInput("fixed_batch_shape").addOutput("logits"));
        return new OnnxModel(plain.proto().toBuilder().setGraph(g).build());
    }

    /** Writes the model to {@code dir}/mobilenet_v2_batch1.onnx and returns its path. */
    static Path write(Path dir) throws IOException {
        Path file = dir.resolve("mobilenet_v2_batch1.onnx");
        Files.write(file, mobileNetV2().toBytes());
        return file;
    }
}
