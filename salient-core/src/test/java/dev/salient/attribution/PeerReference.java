package dev.salient.attribution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.InnerTensor;
import dev.salient.graph.OnnxModel;
import dev.salient.image.Layout;
import dev.salient.testing.SharedData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One model and photo of ../shared/reference/peers (pytorch-grad-cam's outputs): the peer's files, the model opened
 * in Salient's engine, the logit request for the photo's top-1 class, and the last spatial layer's value and
 * gradient as Salient's engine computes them. Close it to close the model.
 */
final class PeerReference implements AutoCloseable {
    final String model;
    final String photo;
    final DifferentiableModel engine;
    final AttributionRequest request;
    final SpatialLayers.Layer layer;
    final InnerTensor inner;
    private final Path dir;

    PeerReference(String model, String photo) throws IOException {
        this.model = model;
        this.photo = photo;
        Path peers = SharedData.path("reference/peers");
        JsonNode manifest = new ObjectMapper().readTree(peers.resolve("peers_ref.json").toFile());
        int target = manifest.at("/models/" + model + "/targets/" + photo).asInt();
        dir = peers.resolve(model).resolve(photo);
        float[] input = floats(peers.resolve("inputs").resolve(photo + ".input.f32"));
        engine = DifferentiableModel.open(OnnxModel.load(peers.resolve(model + ".onnx")), "input", "logits",
                new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT);
        request = new AttributionRequest(engine, input, target, TargetHead.LOGIT, Layout.NCHW);
        layer = SpatialLayers.last(engine);
        inner = GradientMethod.innerOnly(request, List.of(layer.name())).inner().get(layer.name());
    }

    int channels() {
        return layer.channels();
    }

    int hw() {
        return layer.height() * layer.width();
    }

    /** The peer's file {@code name} in this model's and photo's folder. */
    float[] file(String name) {
        return floats(dir.resolve(name));
    }

    /** Raw little-endian float32, as every peer file is. */
    static float[] floats(Path file) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[buf.remaining() / 4];
            buf.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return model + "/" + photo;
    }

    @Override
    public void close() {
        engine.close();
    }
}
