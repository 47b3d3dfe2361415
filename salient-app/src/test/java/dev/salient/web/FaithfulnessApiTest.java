package dev.salient.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;

import static dev.salient.web.ApiTest.assertError;
import static dev.salient.web.ApiTest.json;
import static dev.salient.web.ApiTest.post;
import static org.assertj.core.api.Assertions.assertThat;

/** "How faithful is this map?" over real HTTP with MobileNetV2: a job with progress, cancel, cache and errors. */
class FaithfulnessApiTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static SalientServer server;
    private static String base;
    private static String bird;

    @BeforeAll
    static void start() throws Exception {
        server = new SalientServer(WebConfig.defaults().withPort(0), TestSupport.models(),
                MethodRegistry.standard().with(TestSupport.SLOW)).start();
        base = server.url();
        bird = json(post(base, "/api/images", Files.readAllBytes(SharedData.image("bird.bmp")), "image/bmp"))
                .get("id").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<byte[]> send(String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static JsonNode until(String id, String... states) throws Exception {
        JsonNode job = json(send("GET", "/api/faithfulness/" + id));
        for (int i = 0; i < 600 && !java.util.List.of(states).contains(job.get("state").asText()); i++) {
            Thread.sleep(100);
            job = json(send("GET", "/api/faithfulness/" + id));
        }
        return job;
    }

    @Test
    void measuresDeletionAndInsertionOfTheMapAgainstARandomMapAndCachesTheResult() throws Exception {
        String query = "/api/faithfulness?image=" + bird + "&method=gradcam&steps=10";
        HttpResponse<byte[]> started = send("POST", query);
        assertThat(started.statusCode()).isIn(200, 202);
        JsonNode job = until(json(started).get("id").asText(), "done", "failed");
        assertThat(job.get("state").asText()).as(job.toString()).isEqualTo("done");
        assertThat(job.get("total").asInt()).isPositive();
        JsonNode result = job.get("result");
        assertThat(result.get("method").asText()).isEqualTo("gradcam");
        assertThat(result.get("class").asInt()).isEqualTo(20); // chickadee
        for (String which : new String[]{"map", "random"}) {
            for (String metric : new String[]{"deletion", "insertion"}) {
                JsonNode r = result.get(which).get(metric);
                assertThat(r.get("curves").get(0).get("x")).hasSize(11);
                assertThat(r.get("curves").get(0).get("y").get(0).asDouble()).isBetween(0.0, 1.0);
                assertThat(r.get("scores").get("auc").asDouble()).isBetween(0.0, 1.0);
            }
        }
        assertThat(result.get("metrics").get(0).get("scores").get(0).get("higherIsBetter").asBoolean()).isFalse();
        // Grad-CAM reveals the chickadee far faster than random pixels do
        assertThat(result.get("map").get("insertion").get("scores").get("auc").asDouble())
                .isGreaterThan(result.get("random").get("insertion").get("scores").get("auc").asDouble());

        HttpResponse<byte[]> again = send("POST", query);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("cached").asBoolean()).isTrue();
        assertThat(json(again).get("result").get("map")).isEqualTo(result.get("map"));
    }

    @Test
    void aRunningMeasurementCanBeCancelled() throws Exception {
        JsonNode started = json(send("POST", "/api/faithfulness?image=" + bird + "&method=slow&steps=100&ms=50"));
        String id = started.get("id").asText();
        until(id, "running");
        JsonNode cancelled = json(send("DELETE", "/api/faithfulness/" + id));
        assertThat(cancelled.get("state").asText()).isIn("cancelling", "cancelled");
        assertThat(until(id, "cancelled", "failed", "done").get("state").asText()).isEqualTo("cancelled");
    }

    @Test
    void badRequestsGetClearErrors() throws Exception {
        assertError(send("POST", "/api/faithfulness?method=gradcam"), 400, "no image");
        assertError(send("POST", "/api/faithfulness?image=" + bird + "&steps=1"), 400, "steps");
        assertError(send("POST", "/api/faithfulness?image=" + bird + "&method=nope"), 404, "unknown method");
        assertError(send("GET", "/api/faithfulness/nope"), 404, "no job");
        assertError(send("DELETE", "/api/faithfulness/nope"), 404, "no job");
    }

    @Test
    void theRoutesAreDocumented() throws Exception {
        JsonNode paths = json(send("GET", "/openapi.json")).get("paths");
        assertThat(paths.get("/api/faithfulness").has("post")).isTrue();
        assertThat(paths.get("/api/faithfulness/{id}").has("get")).isTrue();
        assertThat(paths.get("/api/faithfulness/{id}").has("delete")).isTrue();
    }
}
