package dev.salient.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web tests' one HTTP harness: a Salient server on a free loopback port, a client for it with bounded
 * timeouts, and the checks every API test makes of an answer (a PNG, a JSON error without a stack trace).
 */
final class TestServer implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long one request may take: the slowest (a comparison sheet of every method) takes seconds. */
    static final Duration REQUEST_LIMIT = Duration.ofSeconds(120);

    private final SalientServer server;
    private final String base;

    private TestServer(SalientServer server, String base) {
        this.server = server;
        this.base = base;
    }

    /** Starts a server with {@code config} on a free port. */
    static TestServer start(WebConfig config, ModelRegistry models, MethodRegistry methods) {
        SalientServer s = new SalientServer(config.withPort(0), models, methods).start();
        return new TestServer(s, s.url());
    }

    /** Starts a server with the default settings and the shared MobileNetV2 ({@link TestSupport#models}). */
    static TestServer start(MethodRegistry methods) {
        return start(WebConfig.defaults(), TestSupport.models(), methods);
    }

    /** A client for a server started elsewhere (by a command), which {@link #close} leaves running. */
    static TestServer at(String url) {
        return new TestServer(null, url);
    }

    String url() {
        return base;
    }

    /** The server itself, for what only it knows (its route table); null for a server started elsewhere. */
    SalientServer server() {
        return server;
    }

    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send("GET", path);
    }

    HttpResponse<byte[]> send(String verb, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).method(verb, HttpRequest.BodyPublishers.noBody()));
    }

    HttpResponse<byte[]> post(String path, byte[] body, String type) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HTTP.send(request.timeout(REQUEST_LIMIT).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Uploads a photo and returns its id (the upload must succeed). */
    String upload(byte[] photo, String type) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = post("/api/images", photo, type);
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return json(r).get("id").asText();
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** The answer as a picture; it must be a 200 PNG. */
    static BufferedImage png(HttpResponse<byte[]> r) throws IOException {
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
        return ImageIO.read(new ByteArrayInputStream(r.body()));
    }

    /** The answer is a JSON error with this status, whose message contains {@code fragment}, and no stack trace. */
    static void assertError(HttpResponse<byte[]> r, int status, String fragment) throws IOException {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(body).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(JSON.readTree(body).get("error").asText()).containsIgnoringCase(fragment);
        assertThat(body).doesNotContain("at dev.salient", "\tat ", "java.lang.", "io.javalin");
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
