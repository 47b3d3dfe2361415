package dev.salient.web;

import dev.salient.catalog.ResolvedModel;
import dev.salient.cli.CliTest;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A model with an op that has no gradient rule: the server classifies and occludes with it; gradients get a 422. */
class ForwardOnlyModelApiTest {
    private static SalientServer server;

    @BeforeAll
    static void start() throws Exception {
        // input [1,3,8,8] → Atan → GlobalAveragePool → Flatten: three classes, Atan has no backward rule
        Path model = CliTest.unsupportedOpModel(Files.createTempDirectory("salient-forward-only"));
        ImageClassifier classifier = ImageClassifier.load(new ResolvedModel("atan", model, null, null, "path", false),
                ModelConfig.EMPTY, EngineOptions.DEFAULT);
        server = new SalientServer(WebConfig.defaults().withPort(0), new ModelRegistry(List.of(classifier)),
                MethodRegistry.standard()).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static java.net.http.HttpResponse<byte[]> get(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(url)).timeout(java.time.Duration.ofSeconds(60)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void classifiesAndOccludesButAnswersGradientsWith422() throws Exception {
        String base = server.url();
        var classified = ApiTest.post(base, "/api/classify?topk=2", ApiTest.bird(), "image/bmp");
        assertThat(classified.statusCode()).as(new String(classified.body())).isEqualTo(200);
        String id = ApiTest.json(classified).get("image").get("id").asText();

        var occlusion = get(base + "/api/explain?image=" + id + "&method=occlusion&window=4&stride=4");
        assertThat(occlusion.statusCode()).as(new String(occlusion.body())).isEqualTo(200);

        ApiTest.assertError(get(base + "/api/explain?image=" + id + "&method=gradient"), 422,
                "no gradient rule for Atan (node 'the_atan')");
    }
}
