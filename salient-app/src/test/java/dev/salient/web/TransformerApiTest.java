package dev.salient.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The reference ViT (../shared/reference/vit_s6.onnx) in the server: its token layers, Grad-CAM and attention maps. */
class TransformerApiTest {
    private static SalientServer server;

    @BeforeAll
    static void start() throws Exception {
        // fed as its reference input was; the photo is bird_224.png, whose top class is then the reference's 316
        // (random weights: for some classes Grad-CAM is all zero, see TransformerCliTest)
        ModelConfig reference = ModelConfig.fromJson((ObjectNode) new ObjectMapper().readTree(
                "{\"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225]}"));
        ImageClassifier vit = ImageClassifier.load(new ResolvedModel("vit_s6", SharedData.path("reference/vit_s6.onnx"),
                null, null, "path", false), reference, EngineOptions.DEFAULT);
        server = new SalientServer(WebConfig.defaults().withPort(0), new ModelRegistry(List.of(vit)),
                MethodRegistry.standard()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<byte[]> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + path))
                .timeout(Duration.ofSeconds(120)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void layerPickerOffersTokenGridsWithTheLastAttendedLayerAsDefault() throws Exception {
        HttpResponse<byte[]> r = get("/api/models/vit_s6/layers");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode layers = ApiTest.json(r);
        assertThat(layers.get("default").asText()).startsWith("/encoder/layers/encoder_layer_5/ln_1/");
        JsonNode last = layers.get("layers").get(layers.get("layers").size() - 1);
        assertThat(last.get("layout").asText()).isEqualTo("TOKENS");
        assertThat(last.get("height").asInt()).isEqualTo(14);
        assertThat(last.get("width").asInt()).isEqualTo(14);
        assertThat(last.get("label").asText()).endsWith("14×14×192 tokens"); // H×W×C, as the picker labels every layer
    }

    @Test
    void gradCamAndBothAttentionMethodsDrawANonZeroMap() throws Exception {
        byte[] photo = java.nio.file.Files.readAllBytes(SharedData.path("reference/bird_224.png"));
        HttpResponse<byte[]> classified = ApiTest.post(server.url(), "/api/classify?topk=1", photo, "image/png");
        assertThat(classified.statusCode()).as(new String(classified.body())).isEqualTo(200);
        JsonNode answer = ApiTest.json(classified);
        assertThat(answer.get("top").get(0).get("index").asInt()).isEqualTo(316);
        String id = answer.get("image").get("id").asText();
        for (String method : List.of("gradcam", "attention-rollout", "attention-gradient-rollout")) {
            // the map alone in grey: an all-zero map would be black everywhere
            HttpResponse<byte[]> r = get("/api/explain?image=" + id + "&method=" + method
                    + "&overlay=mask&colormap=grey");
            assertThat(r.statusCode()).as(method + ": " + new String(r.body())).isEqualTo(200);
            BufferedImage map = ImageIO.read(new ByteArrayInputStream(r.body()));
            int brightest = 0;
            for (int y = 0; y < map.getHeight(); y += 4) {
                for (int x = 0; x < map.getWidth(); x += 4) {
                    brightest = Math.max(brightest, map.getRGB(x, y) & 0xFF);
                }
            }
            assertThat(brightest).as(method).isGreaterThan(100);
        }
    }
}
