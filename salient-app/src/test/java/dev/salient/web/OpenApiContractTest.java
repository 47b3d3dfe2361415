package dev.salient.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.salient.attribution.AttributionMethods;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static dev.salient.web.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

/** The generated OpenAPI document against the server: every route it answers is documented, and vice versa. */
class OpenApiContractTest {
    private static TestServer server;
    private static JsonNode doc;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(WebConfig.defaults().withExamples(SharedData.path("images")),
                TestSupport.models(), MethodRegistry.standard());
        doc = json(send("GET", "/openapi.json"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void everyRouteTheServerAnswersIsDocumentedWithItsVerbAndNothingElseIs() {
        List<String> documented = new ArrayList<>();
        doc.get("paths").properties().forEach(path -> path.getValue().properties()
                .forEach(op -> documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey())));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(server.server().answeredRoutes())
                .contains("GET /api/compare", "POST /api/compare", "GET /openapi.json", "GET /docs");
    }

    @Test
    void everyDocumentedRouteAndVerbAnswersWithADocumentedStatus() throws Exception {
        String image = json(send("POST", "/api/images?example=bird.bmp")).get("id").asText();
        String job = json(send("POST", "/api/jobs?example=bird.bmp&method=gradient")).get("id").asText();
        List<String> answers = new ArrayList<>();
        doc.get("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            String url = path.getKey().replace("{model}", "mobilenet_v2").replace("{name}", "bird.bmp")
                    .replace("/api/images/{id}", "/api/images/" + image).replace("{id}", job); // jobs of every kind share one id space
            Set<String> takes = new HashSet<>(op.getValue().findValuesAsText("name"));
            List<String> query = new ArrayList<>();
            if (takes.contains("example")) {
                query.add("example=bird.bmp");
            }
            if (takes.contains("methods")) {
                query.add("methods=gradient,gradcam");
            }
            String verb = op.getKey().toUpperCase(Locale.ROOT);
            try {
                int status = send(verb, url + (query.isEmpty() ? "" : "?" + String.join("&", query))).statusCode();
                Set<String> documented = new HashSet<>();
                op.getValue().get("responses").fieldNames().forEachRemaining(documented::add);
                answers.add(verb + " " + path.getKey() + " -> " + status);
                assertThat(status).as(verb + " " + url).isNotIn(404, 405);
                assertThat(documented).as(verb + " " + url + " answered " + status).contains(Integer.toString(status));
            } catch (Exception e) {
                throw new AssertionError(verb + " " + url, e);
            }
        }));
        assertThat(answers).hasSize(server.server().answeredRoutes().size());
    }

    @Test
    void methodParametersAreDocumentedFromTheirDescriptions() {
        JsonNode explain = doc.get("paths").get("/api/explain").get("get").get("parameters");
        JsonNode samples = parameter(explain, "samples");
        assertThat(samples.get("schema").get("type").asText()).isEqualTo("integer");
        assertThat(samples.get("schema").get("maximum").asInt()).isEqualTo(1000);
        assertThat(samples.get("schema").get("default").asInt()).isEqualTo(50);
        assertThat(samples.get("description").asText()).contains("smoothgrad, smoothgrad-squared, vargrad");
        // two methods describe 'baseline' differently: one entry saying both
        assertThat(parameter(explain, "baseline").get("description").asText())
                .contains("integrated-gradients, deeplift: ").contains("black|blur|noise").contains("occlusion: ");
        // the superpixel methods share their sampling parameters: one schema for both
        JsonNode coalitions = parameter(explain, "coalitions");
        assertThat(coalitions.get("schema").get("type").asText()).isEqualTo("integer");
        assertThat(coalitions.get("description").asText()).contains("kernel-shap, lime");
        assertThat(parameter(explain, "ig-baselines").get("schema").get("enum").toString())
                .contains("black-and-white");
        assertThat(parameter(explain, "scales").get("description").asText()).contains("xrai");
        assertThat(explain.findValuesAsText("name")).doesNotContain("batch", "memory-mb")
                .contains("head", "sensitivity", "colormap", "layer");
        assertThat(parameter(explain, "method").get("schema").get("enum")).hasSize(AttributionMethods.names().size());
        assertThat(parameter(explain, "sensitivity").get("schema").get("exclusiveMinimum").asBoolean()).isTrue();
        JsonNode jobs = doc.get("paths").get("/api/jobs").get("post").get("parameters");
        assertThat(jobs.findValuesAsText("name")).contains("samples").doesNotContain("sensitivity");
    }

    private static JsonNode parameter(JsonNode parameters, String name) {
        for (JsonNode p : parameters) {
            if (p.get("name").asText().equals(name)) {
                return p;
            }
        }
        throw new AssertionError("no parameter " + name);
    }

    private static HttpResponse<byte[]> send(String verb, String path) throws Exception {
        return server.send(verb, path);
    }
}
