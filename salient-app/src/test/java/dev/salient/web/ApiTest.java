package dev.salient.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.image.ImageLimits;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.*;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON API over real HTTP on loopback, with the real MobileNetV2. */
class ApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final TestSupport.Counting COUNTING = new TestSupport.Counting();
    private static SalientServer server;
    private static String base;
    private static Path examples;

    @BeforeAll
    static void start() throws IOException {
        examples = Files.createTempDirectory("salient-examples");
        Files.copy(SharedData.image("bird.bmp"), examples.resolve("bird.bmp"));
        Files.writeString(examples.resolve("credits.json"), "{\"bird.bmp\": \"Bird by a test\"}");
        Files.writeString(examples.getParent().resolve("salient-secret.txt"), "TOP-SECRET-CONTENT");
        server = new SalientServer(WebConfig.defaults().withPort(0).withExamples(examples),
                TestSupport.models(), MethodRegistry.standard().with(COUNTING.description, TestSupport.SLOW)).start();
        base = server.url();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static byte[] bird() throws IOException {
        return Files.readAllBytes(SharedData.image("bird.bmp"));
    }

    static HttpResponse<byte[]> post(String base, String path, byte[] body, String type) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", type)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static HttpResponse<byte[]> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body());
    }

    static String upload() throws Exception {
        HttpResponse<byte[]> r = post(base, "/api/images", bird(), "image/bmp");
        assertThat(r.statusCode()).isEqualTo(201);
        return json(r).get("id").asText();
    }

    static BufferedImage png(HttpResponse<byte[]> r) throws IOException {
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
        return ImageIO.read(new ByteArrayInputStream(r.body()));
    }

    static void assertError(HttpResponse<byte[]> r, int status, String fragment) throws IOException {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(body).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode n = JSON.readTree(body);
        assertThat(n.get("error").asText()).containsIgnoringCase(fragment);
        assertThat(body).doesNotContain("at dev.salient", "\tat ", "java.lang.", "io.javalin");
    }

    @Test
    void listsModelsAndMethods() throws Exception {
        JsonNode m = json(get("/api/models")).get("models").get(0);
        assertThat(m.get("name").asText()).isEqualTo("mobilenet_v2");
        assertThat(m.get("input").get("width").asInt()).isEqualTo(224);
        assertThat(m.get("classes").asInt()).isEqualTo(1001);
        JsonNode methods = json(get("/api/methods")).get("methods");
        assertThat(methods.findValuesAsText("name")).contains("gradient", "slow");
    }

    @Test
    void classifiesTheBirdAsAChickadee() throws Exception {
        HttpResponse<byte[]> r = post(base, "/api/classify?topk=5", bird(), "image/bmp");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode top = json(r).get("top");
        assertThat(top).hasSize(5);
        assertThat(top.get(0).get("label").asText()).isEqualTo("chickadee");
        assertThat(top.get(0).get("probability").asDouble()).isBetween(0.0, 1.0);
        assertThat(json(r).get("image").get("id").asText()).hasSize(64);
    }

    @Test
    void classifiesAMultipartUpload() throws Exception {
        String boundary = "----salient" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"topk\"\r\n\r\n2\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"bird.bmp\"\r\n"
                + "Content-Type: image/bmp\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(bird());
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = post(base, "/api/classify", body.toByteArray(),
                "multipart/form-data; boundary=" + boundary);
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        assertThat(json(r).get("top")).hasSize(2);
        assertThat(json(r).get("top").get(0).get("label").asText()).isEqualTo("chickadee");
    }

    @Test
    void explainsAtThePhotosSizeAndReRendersWithoutRerunningTheNetwork() throws Exception {
        String id = upload();
        BufferedImage photo = ImageIO.read(SharedData.image("bird.bmp").toFile());
        int before = COUNTING.runs.get();
        String q = "/api/explain?image=" + id + "&method=counting&class=top2";
        BufferedImage s4 = png(get(q + "&sensitivity=4"));
        BufferedImage s40 = png(get(q + "&sensitivity=40"));
        BufferedImage blend = png(get(q + "&sensitivity=20&blend=true"));
        BufferedImage turbo = png(get(q + "&colormap=turbo&overlay=alpha&opacity=0.7"));
        assertThat(s4.getWidth()).isEqualTo(photo.getWidth());
        assertThat(s4.getHeight()).isEqualTo(photo.getHeight());
        assertThat(differentPixels(s4, s40)).isGreaterThan(photo.getWidth() * photo.getHeight() / 10);
        assertThat(differentPixels(s40, blend)).isGreaterThan(100);
        assertThat(differentPixels(blend, turbo)).isGreaterThan(100);
        assertThat(COUNTING.runs.get() - before).as("one network run for all renderings").isEqualTo(1);
        // another class is another attribution
        png(get("/api/explain?image=" + id + "&method=counting&class=top1"));
        assertThat(COUNTING.runs.get() - before).isEqualTo(2);
    }

    @Test
    void demoGradientIsBrighterWithMoreSensitivity() throws Exception {
        String id = upload();
        BufferedImage low = png(get("/api/explain?image=" + id + "&sensitivity=4"));
        BufferedImage high = png(get("/api/explain?image=" + id + "&sensitivity=40&download=1"));
        assertThat(meanGrey(high)).isGreaterThan(meanGrey(low));
    }

    @Test
    void comparesMethodsOnOneSheet() throws Exception {
        String id = upload();
        BufferedImage sheet = png(get("/api/compare?image=" + id + "&methods=gradient,counting&height=100"));
        assertThat(sheet.getWidth()).isGreaterThan(200);
    }

    @Test
    void servesTheGalleryWithCredits() throws Exception {
        JsonNode ex = json(get("/api/examples"));
        assertThat(ex.get("examples").get(0).get("name").asText()).isEqualTo("bird.bmp");
        assertThat(ex.get("examples").get(0).get("credit").asText()).isEqualTo("Bird by a test");
        BufferedImage thumb = png(get("/api/examples/bird.bmp/thumbnail"));
        assertThat(thumb.getHeight()).isLessThanOrEqualTo(Examples.THUMB_HEIGHT);
        HttpResponse<byte[]> c = post(base, "/api/classify?example=bird.bmp", new byte[0], "text/plain");
        assertThat(json(c).get("top").get(0).get("label").asText()).isEqualTo("chickadee");
    }

    @Test
    void jobReportsProgressAndCanBeCancelled() throws Exception {
        String id = upload();
        HttpResponse<byte[]> r = post(base, "/api/jobs?image=" + id + "&method=slow&steps=50&ms=100&class=1",
                new byte[0], "text/plain");
        assertThat(r.statusCode()).isEqualTo(202);
        String job = json(r).get("id").asText();
        JsonNode state = null;
        for (int i = 0; i < 50; i++) {
            Thread.sleep(100);
            state = json(get("/api/jobs/" + job));
            if (state.get("done").asInt() >= 3) {
                break;
            }
        }
        assertThat(state.get("state").asText()).isEqualTo("running");
        assertThat(state.get("total").asInt()).isEqualTo(50);
        HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/jobs/" + job)).DELETE().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        for (int i = 0; i < 50 && !state.get("state").asText().equals("cancelled"); i++) {
            Thread.sleep(50);
            state = json(get("/api/jobs/" + job));
        }
        assertThat(state.get("state").asText()).isEqualTo("cancelled");
        assertThat(state.get("done").asInt()).isLessThan(50);
    }

    @Test
    void finishedJobIsThenRenderedFromTheCache() throws Exception {
        String id = upload();
        String q = "image=" + id + "&method=slow&steps=3&ms=10&class=2";
        String job = json(post(base, "/api/jobs?" + q, new byte[0], "text/plain")).get("id").asText();
        JsonNode state = null;
        for (int i = 0; i < 100; i++) {
            state = json(get("/api/jobs/" + job));
            if (state.get("state").asText().equals("done")) {
                break;
            }
            Thread.sleep(50);
        }
        assertThat(state.get("state").asText()).isEqualTo("done");
        HttpResponse<byte[]> again = post(base, "/api/jobs?" + q, new byte[0], "text/plain");
        assertThat(json(again).get("cached").asBoolean()).isTrue();
        png(get("/api/explain?" + q));
    }

    // ---- refusals ----

    @Test
    void refusesAnOversizeUploadWith413() throws Exception {
        try (SalientServer small = new SalientServer(WebConfig.defaults().withPort(0)
                .withLimits(new ImageLimits(100_000, 50_000_000)), TestSupport.models(), MethodRegistry.standard())
                .start()) {
            byte[] big = Files.readAllBytes(SharedData.image("bird.bmp"));
            assertThat(big.length).isGreaterThan(100_000);
            assertError(post(small.url(), "/api/classify", big, "image/bmp"), 413, "limit");
            byte[] huge = new byte[3_000_000];
            assertError(post(small.url(), "/api/images", huge, "image/png"), 413, "limit");
        }
    }

    @Test
    void refusesADecompressionBombFromItsHeader() throws Exception {
        assertError(post(base, "/api/classify", pngHeader(100_000, 100_000), "image/png"), 413, "megapixels");
    }

    @Test
    void refusesCorruptAndUnsupportedFiles() throws Exception {
        byte[] corrupt = Arrays.copyOf(bird(), 200);
        assertError(post(base, "/api/classify", corrupt, "image/bmp"), 400, "corrupt");
        assertError(post(base, "/api/classify", "hello, world".getBytes(StandardCharsets.UTF_8), "text/plain"), 415,
                "not a supported image");
        assertError(post(base, "/api/classify", new byte[0], "image/png"), 400, "no image");
        byte[] parrot = Files.readAllBytes(SharedData.image("parrot.jpg"));
        assertError(post(base, "/api/classify", Arrays.copyOf(parrot, parrot.length / 2), "image/jpeg"), 400,
                "cut short");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/images", "/api/classify", "/api/explain", "/api/jobs"})
    void refusesMalformedMultipartWith400(String path) throws Exception {
        byte[] form = ("--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.bmp\"\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        assertError(post(base, path, bird(), "multipart/form-data"), 400, "multipart");
        assertError(post(base, path, "this is not multipart at all".getBytes(StandardCharsets.UTF_8),
                "multipart/form-data; boundary=xyz"), 400, "multipart");
        assertError(post(base, path, form, "multipart/form-data; boundary=b"), 400, "multipart");
    }

    @Test
    void refusesUnknownMethodsModelsAndClasses() throws Exception {
        String id = upload();
        assertError(get("/api/explain?image=" + id + "&method=nope"), 404, "unknown method");
        assertError(get("/api/explain?image=" + id + "&model=nope"), 404, "unknown model");
        assertError(get("/api/explain?image=" + id + "&class=1001"), 400, "out of range");
        assertError(get("/api/explain?image=" + id + "&class=-1"), 400, "out of range");
        assertError(get("/api/explain?image=" + id + "&class=no%20such%20bird"), 400, "");
        assertError(get("/api/explain?image=" + "0".repeat(64)), 404, "upload it again");
        assertError(get("/api/jobs/nope"), 404, "no job");
        assertError(get("/api/nope"), 404, "not found");
    }

    @ParameterizedTest
    @ValueSource(strings = {"sensitivity=abc", "sensitivity=41", "sensitivity=-1", "sensitivity=NaN", "opacity=2",
            "colormap=rainbow", "overlay=x", "blend=maybe", "method=slow&steps=0", "method=slow&steps=1.5",
            "scaling=x", "aggregation=x"})
    void refusesBadParameterValues(String query) throws Exception {
        String id = upload();
        assertError(get("/api/explain?image=" + id + "&" + query), 400, "");
    }

    @Test
    void refusesBadTopK() throws Exception {
        assertError(post(base, "/api/classify?topk=0", bird(), "image/bmp"), 400, "topk");
        assertError(post(base, "/api/classify?topk=x", bird(), "image/bmp"), 400, "topk");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/examples/..%2Fsalient-secret.txt", "/api/examples/%2e%2e%2fsalient-secret.txt",
            "/api/examples/..%252Fsalient-secret.txt", "/api/examples/credits.json",
            "/api/examples/../../salient-secret.txt", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
            "/..%2f..%2f..%2fetc%2fpasswd", "/api/examples/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd/thumbnail",
            "/index.html/../../../pom.xml", "/dev/salient/web/SalientServer.class", "/%2e%2e%5c%2e%2e%5cetc%5cpasswd"})
    void neverServesFilesOutsideTheExampleAndStaticFolders(String path) throws Exception {
        String response = raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        int status = Integer.parseInt(response.substring(9, 12));
        assertThat(status).as(response).isIn(400, 404);
        assertThat(response).doesNotContain("TOP-SECRET-CONTENT", "root:x", "<project", "Bird by a test");
    }

    @Test
    void answers503WithRetryAfterWhenTheQueueIsFull() throws Exception {
        try (SalientServer tiny = new SalientServer(WebConfig.defaults().withPort(0).withWork(1, 1,
                Duration.ofSeconds(30)), TestSupport.models(), MethodRegistry.standard().with(TestSupport.SLOW))
                .start()) {
            String id = json(post(tiny.url(), "/api/images", bird(), "image/bmp")).get("id").asText();
            ExecutorService clients = Executors.newFixedThreadPool(5);
            try {
                List<Future<HttpResponse<byte[]>>> rs = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    int cls = i;
                    rs.add(clients.submit(() -> HTTP.send(HttpRequest.newBuilder(URI.create(tiny.url()
                            + "/api/explain?image=" + id + "&method=slow&steps=10&ms=100&class=" + cls))
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray())));
                    Thread.sleep(50);
                }
                List<HttpResponse<byte[]>> done = new ArrayList<>();
                for (Future<HttpResponse<byte[]>> f : rs) {
                    done.add(f.get(60, TimeUnit.SECONDS));
                }
                List<Integer> codes = done.stream().map(HttpResponse::statusCode).toList();
                assertThat(codes).contains(200, 503);
                HttpResponse<byte[]> busy = done.stream().filter(r -> r.statusCode() == 503).findFirst().orElseThrow();
                assertThat(busy.headers().firstValue("Retry-After")).isPresent();
                assertError(busy, 503, "busy");
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void answers504PastTheTimeLimit() throws Exception {
        try (SalientServer strict = new SalientServer(WebConfig.defaults().withPort(0).withWork(1, 2,
                Duration.ofMillis(500)), TestSupport.models(), MethodRegistry.standard().with(TestSupport.SLOW))
                .start()) {
            String id = json(post(strict.url(), "/api/images", bird(), "image/bmp")).get("id").asText();
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(strict.url()
                            + "/api/explain?image=" + id + "&method=slow&steps=100&ms=50")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertError(r, 504, "time limit");
        }
    }

    @Test
    void servesThePageAndTheApiDocs() throws Exception {
        assertThat(new String(get("/").body(), StandardCharsets.UTF_8)).contains("<title>Salient");
        JsonNode api = json(get("/openapi.json"));
        assertThat(api.get("paths").has("/api/explain")).isTrue();
        HttpResponse<byte[]> docs = get("/docs");
        assertThat(docs.statusCode()).isEqualTo(302);
        assertThat(docs.headers().firstValue("Location")).hasValue("/api.html");
        assertThat(new String(get("/api.html").body(), StandardCharsets.UTF_8)).contains("api.js");
        assertThat(new String(get("/api.js").body(), StandardCharsets.UTF_8)).contains("/openapi.json");
    }

    // ---- helpers ----

    private static String raw(String request) throws IOException {
        URI u = URI.create(base);
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** A PNG signature and IHDR announcing a huge image, then nothing. */
    static byte[] pngHeader(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(out);
        d.write(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        DataOutputStream c = new DataOutputStream(chunk);
        c.writeBytes("IHDR");
        c.writeInt(w);
        c.writeInt(h);
        c.write(new byte[]{8, 2, 0, 0, 0});
        d.writeInt(13);
        d.write(chunk.toByteArray());
        CRC32 crc = new CRC32();
        crc.update(chunk.toByteArray());
        d.writeInt((int) crc.getValue());
        return out.toByteArray();
    }

    /** A file under target/screenshots for an image a test wants to keep for inspection. */
    static File screenshotFile(String name) throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "screenshots"));
        return dir.resolve(name + ".png").toFile();
    }

    static int differentPixels(BufferedImage a, BufferedImage b) {
        int n = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if ((a.getRGB(x, y) & 0xFFFFFF) != (b.getRGB(x, y) & 0xFFFFFF)) {
                    n++;
                }
            }
        }
        return n;
    }

    static double meanGrey(BufferedImage a) {
        double sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                sum += a.getRGB(x, y) & 0xFF;
            }
        }
        return sum / (a.getWidth() * a.getHeight());
    }
}
