package dev.salient.web;

import dev.salient.cli.CliTest;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.salient.web.ApiTest.differentPixels;
import static dev.salient.web.ApiTest.json;
import static dev.salient.web.ApiTest.png;
import static org.assertj.core.api.Assertions.assertThat;

/** The command line and the web app, given the same photo, method and parameters, agree: same pixels, same refusals. */
class CommandLineAndWebTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static SalientServer server;
    private static String bird;

    @BeforeAll
    static void start() throws Exception {
        server = new SalientServer(WebConfig.defaults().withPort(0), TestSupport.models(), MethodRegistry.standard())
                .start();
        bird = json(ApiTest.post(server.url(), "/api/images", ApiTest.bird(), "image/bmp")).get("id").asText();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** method; its parameters as KEY=VALUE (space-separated); display settings as KEY=VALUE */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "gradient;;",
            "gradient;;sensitivity=8",
            "gradcam;;",
            "smoothgrad;samples=4 noise=0.2;",
            "smoothgrad;samples=3;sensitivity=40 colormap=inferno",
            "occlusion;window=56 stride=56;blend=true",
            "integrated-gradients;steps=4;scaling=fixed sensitivity=36"})
    void drawTheSamePixels(String method, String params, String display, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("map.png");
        List<String> args = new ArrayList<>(List.of("explain", SharedData.image("bird.bmp").toString(), "--model",
                CliTest.model(), "--method", method, "-o", out.toString()));
        StringBuilder query = new StringBuilder("/api/explain?image=" + bird + "&method=" + method);
        for (String kv : words(params)) {
            args.addAll(List.of("-P", kv));
            query.append('&').append(kv);
        }
        for (String kv : words(display)) {
            String[] p = kv.split("=");
            if (p[1].equals("true")) {
                args.add("--" + p[0]);
            } else {
                args.addAll(List.of("--" + p[0], p[1]));
            }
            query.append('&').append(kv);
        }
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertThat(r.exit()).as(r.err()).isZero();
        BufferedImage cli = ImageIO.read(out.toFile());
        BufferedImage web = png(get(query.toString()));
        assertThat(cli.getWidth()).isEqualTo(web.getWidth());
        assertThat(cli.getHeight()).isEqualTo(web.getHeight());
        assertThat(differentPixels(cli, web)).as(method + " " + params + " " + display).isZero();
    }

    @Test
    void refuseTheSameValuesWithTheSameMessage() throws Exception {
        String bad = "samples=1000000000";
        CliTest.Run r = CliTest.run("explain", SharedData.image("bird.bmp").toString(), "--model", CliTest.model(),
                "--method", "smoothgrad", "-P", bad);
        String web = json(get("/api/explain?image=" + bird + "&method=smoothgrad&" + bad)).get("error").asText();
        assertThat(web).isEqualTo("parameter 'samples' of method 'smoothgrad' must be a whole number from 1 to 1000, "
                + "got '1000000000'");
        assertThat(r.err().strip()).isEqualTo("salient: error: " + web);

        CliTest.Run nan = CliTest.run("explain", SharedData.image("bird.bmp").toString(), "--model", CliTest.model(),
                "--sensitivity", "NaN");
        HttpResponse<byte[]> webNan = get("/api/explain?image=" + bird + "&sensitivity=NaN");
        assertThat(webNan.statusCode()).isEqualTo(400);
        // the same rule and words; each names the setting as its user wrote it
        assertThat(nan.err().strip()).isEqualTo("salient: error: --" + json(webNan).get("error").asText());
    }

    private static List<String> words(String s) {
        return s == null || s.isBlank() ? List.of() : List.of(s.strip().split(" "));
    }

    private static HttpResponse<byte[]> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path.replace("++",
                URLEncoder.encode("++", StandardCharsets.UTF_8)))).timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }
}
