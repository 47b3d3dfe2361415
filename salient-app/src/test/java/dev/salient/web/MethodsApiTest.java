package dev.salient.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.salient.attribution.AttributionMethods;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.image.Preprocessing;
import dev.salient.image.Preprocessor;
import dev.salient.model.ImageClassifier;
import dev.salient.render.Renderer;
import dev.salient.render.RenderOptions;
import dev.salient.testing.SharedData;
import dev.salient.testing.Waits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.salient.web.TestServer.assertError;
import static dev.salient.web.ApiTest.differentPixels;
import static dev.salient.web.TestServer.json;
import static dev.salient.web.TestServer.png;
import static org.assertj.core.api.Assertions.assertThat;

/** The core attribution methods through the API: every method, Grad-CAM layers, progress, cancel, refusals. */
class MethodsApiTest {
    /** Small parameters so that every method runs in a second or two; each method is sent those it takes. */
    private static final Map<String, String> SMALL = Map.of("samples", "2", "steps", "2", "window", "56", "stride", "56",
            "masks", "16", "top-channels", "8", "coalitions", "16");
    private static TestServer server;
    private static String bird;
    private static BufferedImage photo;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(WebConfig.defaults(), TestSupport.models(),
                MethodRegistry.standard().with(TestSupport.THROWING));
        bird = json(server.post("/api/images", ApiTest.bird(), "image/bmp")).get("id").asText();
        photo = ImageIO.read(SharedData.image("bird.bmp").toFile());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The methods for any model (a CNN here); the attention methods have their transformer tests. */
    static List<String> methods() {
        return AttributionMethods.all().stream()
                .filter(d -> d.traits().needs() == dev.salient.attribution.MethodTraits.Needs.ANY_MODEL)
                .map(dev.salient.attribution.MethodDescription::name).toList();
    }

    @Test
    void offersEveryRegistryMethodWithTheRegistrysParameters() throws Exception {
        JsonNode methods = json(get("/api/methods")).get("methods");
        List<String> names = new ArrayList<>();
        methods.forEach(m -> names.add(m.get("name").asText()));
        assertThat(names.subList(0, AttributionMethods.names().size())).isEqualTo(AttributionMethods.names());
        assertThat(names.get(0)).isEqualTo("gradient");
        for (JsonNode m : methods) {
            if (m.get("name").asText().equals("smoothgrad")) {
                List<String> params = new ArrayList<>();
                m.get("params").forEach(p -> params.add(p.get("name").asText()));
                assertThat(params).containsExactly("samples", "noise", "seed"); // batch, memory-mb: the server's
                JsonNode samples = m.get("params").get(params.indexOf("samples"));
                var described = AttributionMethods.describe("smoothgrad").parameter("samples").orElseThrow();
                assertThat(samples.get("defaultValue").asInt()).isEqualTo(described.defaultValue());
                assertThat(samples.get("max").asInt()).isEqualTo(described.maximum().intValue()).isEqualTo(1000);
                assertThat(m.get("label").asText()).isEqualTo("SmoothGrad");
            }
            if (m.get("name").asText().equals("gradcam")) {
                assertThat(m.get("coarse").asBoolean()).isTrue();
                assertThat(m.get("map").asText()).isEqualTo("layer");
                assertThat(m.get("colormap").asText()).isEqualTo("turbo");
                assertThat(m.get("params").findValuesAsText("type")).contains("layer");
            }
        }
        JsonNode all = json(get("/api/methods"));
        assertThat(all.get("request").findValuesAsText("name")).containsExactly("head");
        assertThat(all.get("display").findValuesAsText("name")).contains("sensitivity", "colormap", "percentile");
    }

    @Test
    void attentionMethodsOnTheCnnAnswer422() throws Exception {
        assertError(get("/api/explain?image=" + bird + "&method=attention-rollout"), 422, "vision transformer");
        for (JsonNode m : json(get("/api/methods")).get("methods")) {
            assertThat(m.get("needs").asText()).as(m.get("name").asText())
                    .isEqualTo(m.get("name").asText().startsWith("attention-") ? "attention" : "any-model");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/explain?image=ID&bogus=1", "/api/explain?image=ID&method=smoothgrad&bogus=1",
            "/api/explain?image=ID&method=smoothgrad&samples=4&bogus=1", "/api/compare?image=ID&methods=gradient&bogus=1",
            "/api/models?bogus=1", "/api/models/mobilenet_v2/layers?bogus=1"})
    void refusesAnUnknownParameterNamingIt(String query) throws Exception {
        HttpResponse<byte[]> r = get(query.replace("ID", bird));
        assertError(r, 400, "unknown parameter 'bogus'");
        assertError(server.post("/api/jobs?image=" + bird + "&bogus=1", new byte[0], "text/plain"), 400,
                "'bogus'");
        assertError(server.post("/api/classify?image=" + bird + "&bogus=1", new byte[0], "text/plain"), 400,
                "'bogus'");
    }

    @Test
    void aParameterOfAnotherMethodIsUnknownAndTheServersOwnAreRefused() throws Exception {
        assertError(get("/api/explain?image=" + bird + "&method=gradient&samples=4"), 400,
                "unknown parameter 'samples'");
        // each compared method takes its own: samples belongs to smoothgrad
        png(get("/api/compare?image=" + bird + "&methods=gradient,smoothgrad&samples=2&height=64"));
        assertError(get("/api/compare?image=" + bird + "&methods=gradient,gradcam&samples=2"), 400, "'samples'");
        assertError(get("/api/explain?image=" + bird + "&method=smoothgrad&batch=64"), 400,
                "parameter 'batch' of method 'smoothgrad' is set by whoever runs Salient, not by a request");
    }

    @ParameterizedTest
    @MethodSource("methods")
    void everyMethodExplainsTheBird(String method) throws Exception {
        StringBuilder small = new StringBuilder();
        SMALL.forEach((k, v) -> {
            if (AttributionMethods.describe(method).parameter(k).isPresent()) {
                small.append('&').append(k).append('=').append(v);
            }
        });
        BufferedImage img = png(get("/api/explain?image=" + bird + "&method=" + enc(method) + small));
        assertThat(img.getWidth()).isEqualTo(photo.getWidth());
        assertThat(img.getHeight()).isEqualTo(photo.getHeight());
        assertThat(distinctColours(img)).as("not a blank map").isGreaterThan(8);
    }

    @Test
    void gradCamIsACoarseHeatMapUnlikeTheGradient() throws Exception {
        BufferedImage cam = png(get("/api/explain?image=" + bird + "&method=gradcam"));
        BufferedImage grad = png(get("/api/explain?image=" + bird + "&method=gradient"));
        assertThat(cam.getWidth()).isEqualTo(photo.getWidth());
        assertThat(cam.getHeight()).isEqualTo(photo.getHeight());
        assertThat(differentPixels(cam, grad)).isGreaterThan(photo.getWidth() * photo.getHeight() / 2);
        // its default is a colour heat map over the photo, not the demo's grey mask
        assertThat(distinctColours(cam)).isGreaterThan(1000);
        // explicit display options still apply
        BufferedImage grey = png(get("/api/explain?image=" + bird + "&method=gradcam&colormap=grey&overlay=mask"));
        assertThat(differentPixels(cam, grey)).isGreaterThan(1000);
        ImageIO.write(cam, "png", ApiTest.screenshotFile("api-gradcam"));
        ImageIO.write(grad, "png", ApiTest.screenshotFile("api-gradient"));
    }

    @Test
    void anUnencodedGradCamPlusPlusIsGradCamPlusPlus() throws Exception {
        BufferedImage encoded = png(get("/api/explain?image=" + bird + "&method=gradcam%2B%2B"));
        BufferedImage raw = png(get("/api/explain?image=" + bird + "&method=gradcam++"));
        BufferedImage plain = png(get("/api/explain?image=" + bird + "&method=gradcam"));
        assertThat(differentPixels(encoded, raw)).isZero();
        assertThat(differentPixels(encoded, plain)).isGreaterThan(100);
    }

    @Test
    void defaultIsTheDemosGradientWithTheDemosLook() throws Exception {
        ImageClassifier c = TestSupport.mobileNet();
        float[] input = c.toInput(photo);
        int top = c.classify(photo, 1).top().get(0).index();
        float[] seed = new float[c.classes()];
        seed[top] = 1;
        float[] g;
        try (var session = c.engine().gradientSession(TargetHead.LOG_PROBABILITY, RuleTable.standard(), List.of(), 1)) {
            g = session.run(input, seed, 1).inputGradient();
        }
        Preprocessing p = c.preprocessing();
        BufferedImage demo = Renderer.render(photo, Preprocessor.sourceRegion(photo.getWidth(), photo.getHeight(), p),
                g, Preprocessing.CHANNELS, p.height(), p.width(), p.layout(), RenderOptions.DEMO);
        BufferedImage served = png(get("/api/explain?image=" + bird));
        assertThat(differentPixels(served, demo)).isLessThan(photo.getWidth() * photo.getHeight() / 1000);
    }

    @Test
    void listsTheSpatialLayersWithTheLastAsDefaultAndTheLayerReachesGradCam() throws Exception {
        JsonNode r = json(get("/api/models/mobilenet_v2/layers"));
        JsonNode layers = r.get("layers");
        assertThat(layers.size()).isGreaterThan(5);
        for (JsonNode l : layers) {
            assertThat(l.get("name").asText()).isNotBlank();
            assertThat(l.get("shape")).hasSize(4);
            assertThat(l.get("shape").get(0).asInt()).isEqualTo(1);
            assertThat(l.get("height").asInt()).isGreaterThan(1);
        }
        JsonNode last = layers.get(layers.size() - 1);
        assertThat(r.get("default").asText()).isEqualTo(last.get("name").asText());
        assertThat(last.get("height").asInt()).isEqualTo(7);

        String q = "/api/explain?image=" + bird + "&method=gradcam";
        BufferedImage dflt = png(get(q));
        assertThat(differentPixels(dflt, png(get(q + "&layer=" + enc(last.get("name").asText()))))).isZero();
        JsonNode earlier = layers.get(layers.size() / 2);
        assertThat(earlier.get("height").asInt()).isGreaterThan(7);
        BufferedImage finer = png(get(q + "&layer=" + enc(earlier.get("name").asText())));
        assertThat(differentPixels(dflt, finer)).isGreaterThan(1000);
        assertError(get(q + "&layer=no-such-layer"), 400, "not a spatial layer");
        assertError(get("/api/models/nope/layers"), 404, "unknown model");
    }

    @Test
    void smoothGradJobReportsItsSamples() throws Exception {
        JsonNode job = startJob("method=smoothgrad&samples=8&class=3");
        List<String> seen = new ArrayList<>();
        String id = job.get("id").asText();
        seen.add(job.get("done").asInt() + "/" + job.get("total").asInt());
        job = Waits.until(Duration.ofSeconds(30), "smoothgrad job done", () -> {
            JsonNode now = json(get("/api/jobs/" + id));
            assertThat(now.get("state").asText()).isIn("queued", "running", "done");
            seen.add(now.get("done").asInt() + "/" + now.get("total").asInt());
            return now;
        }, now -> now.get("state").asText().equals("done"));
        assertThat(job.get("done").asInt()).isEqualTo(8);
        assertThat(job.get("total").asInt()).isEqualTo(8);
        assertThat(seen).as("progress while running").anyMatch(s -> s.endsWith("/8"));
        png(get("/api/explain?image=" + bird + "&method=smoothgrad&samples=8&class=3"));
    }

    @Test
    void smoothGradJobCanBeCancelledMidway() throws Exception {
        JsonNode job = startJob("method=smoothgrad&samples=200&class=4");
        String id = job.get("id").asText();
        job = Waits.until(Duration.ofSeconds(30), "a first sample done", () -> json(get("/api/jobs/" + id)),
                now -> now.get("done").asInt() > 0);
        assertThat(job.get("state").asText()).isEqualTo("running");
        assertThat(job.get("total").asInt()).isEqualTo(200);
        server.send("DELETE", "/api/jobs/" + id);
        job = Waits.until(Duration.ofSeconds(30), "job cancelled", () -> json(get("/api/jobs/" + id)),
                now -> now.get("state").asText().equals("cancelled"));
        assertThat(job.get("done").asInt()).isBetween(1, 199);
    }

    @ParameterizedTest
    @ValueSource(strings = {"method=smoothgrad&samples=-3|samples", "method=smoothgrad&samples=abc|samples",
            "method=vargrad&noise=-1|noise", "method=integrated-gradients&steps=0|steps",
            "method=integrated-gradients&rule=simpson|rule", "method=integrated-gradients&baseline=grey|baseline",
            "method=occlusion&window=0|window", "method=gradient&head=softmax|head",
            "method=smoothgrad&samples=100000|samples"})
    void refusesBadMethodParametersWith400(String spec) throws Exception {
        String[] parts = spec.split("\\|");
        assertError(get("/api/explain?image=" + bird + "&" + parts[0]), 400, parts[1]);
        assertError(server.post("/api/jobs?image=" + bird + "&" + parts[0], new byte[0], "text/plain"),
                400, parts[1]);
    }

    @Test
    void badSamplesGetTheRegistrysMessage() throws Exception {
        String expected;
        try {
            AttributionMethods.create("smoothgrad", Map.of("samples", "-3"));
            throw new AssertionError("the registry accepted samples=-3");
        } catch (IllegalArgumentException e) {
            expected = e.getMessage();
        }
        HttpResponse<byte[]> r = get("/api/explain?image=" + bird + "&method=smoothgrad&samples=-3");
        assertError(r, 400, "samples");
        assertThat(json(r).get("error").asText()).isEqualTo(expected);
        assertError(get("/api/explain?image=" + bird + "&method=gradcam3"), 404, "unknown method");
    }

    @Test
    void aMethodsIllegalArgumentIsA400NeverA500() throws Exception {
        // e.g. a spatial method on a model whose input it cannot handle
        assertError(get("/api/explain?image=" + bird + "&method=throwing"), 400, "spatial methods need");
        assertError(get("/api/compare?image=" + bird + "&methods=gradient,throwing"), 400, "spatial methods need");
        JsonNode job = startJob("method=throwing");
        String id = job.get("id").asText();
        job = Waits.until(Duration.ofSeconds(30), "job failed", () -> json(get("/api/jobs/" + id)),
                now -> now.get("state").asText().equals("failed"));
        assertThat(job.get("status").asInt()).isEqualTo(400);
        assertThat(job.get("error").asText()).contains("spatial methods need");
    }

    @Test
    void comparesAnyMethods() throws Exception {
        BufferedImage sheet = png(get("/api/compare?image=" + bird + "&methods=" + enc("gradient,gradcam++,occlusion")
                + "&height=100&window=56&stride=56"));
        BufferedImage two = png(get("/api/compare?image=" + bird + "&methods=gradient,gradcam&height=100"));
        assertThat(sheet.getWidth()).isGreaterThan(two.getWidth());
        ImageIO.write(sheet, "png", ApiTest.screenshotFile("api-compare"));
    }

    // ---- helpers ----

    private static JsonNode startJob(String query) throws Exception {
        HttpResponse<byte[]> r = server.post("/api/jobs?image=" + bird + "&" + query, new byte[0], "text/plain");
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isIn(200, 202);
        return json(r);
    }

    private static HttpResponse<byte[]> get(String path) throws Exception {
        return server.get(path);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                colours.add(img.getRGB(x, y) & 0xFFFFFF);
            }
        }
        return colours.size();
    }
}
