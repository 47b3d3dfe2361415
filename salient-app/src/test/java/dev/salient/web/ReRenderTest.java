package dev.salient.web;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Locale;

import dev.salient.testing.SharedData;

import static dev.salient.web.ApiTest.json;
import static dev.salient.web.ApiTest.png;
import static dev.salient.web.ApiTest.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Re-renders of a cached attribution as the page asks for them (issue 15): at the width the page shows the picture
 * at, and, when only the overlay or opacity changed, from the kept coloured layer, which draws exactly what a server
 * without it draws. The timing test reports the re-render median over HTTP; it asserts nothing about speed.
 */
class ReRenderTest {
    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();
    private static SalientServer server;
    private static String base;

    @BeforeAll
    static void start() {
        server = new SalientServer(WebConfig.defaults().withPort(0), TestSupport.models(), MethodRegistry.standard())
                .start();
        base = server.url();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String upload(String server, String photo) throws Exception {
        HttpResponse<byte[]> r = post(server, "/api/images", Files.readAllBytes(SharedData.image(photo)),
                photo.endsWith(".jpg") ? "image/jpeg" : "image/bmp");
        assertThat(r.statusCode()).isEqualTo(201);
        return json(r).get("id").asText();
    }

    private static HttpResponse<byte[]> get(String server, String path) throws Exception {
        return HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server + path))
                .timeout(java.time.Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    @Test
    void drawsAtThePagesWidthAndAnOpacityChangeDrawsWhatAFreshServerDraws() throws Exception {
        String id = upload(base, "kite.jpg"); // 1352 × 900
        String q = "/api/explain?image=" + id + "&method=gradcam&class=top1";
        BufferedImage full = png(get(base, q));
        assertThat(full.getWidth()).isEqualTo(1352);
        BufferedImage shown = png(get(base, q + "&width=500&opacity=0.5"));
        assertThat(shown.getWidth()).isEqualTo(500);
        assertThat(shown.getHeight()).isEqualTo(333); // 900 · 500 / 1352 = 332.8
        assertThat(png(get(base, q + "&width=5000")).getWidth()).as("never wider than the photo").isEqualTo(1352);
        BufferedImage reused = png(get(base, q + "&width=500&opacity=0.9"));
        BufferedImage multiplied = png(get(base, q + "&width=500&blend=true"));

        SalientServer fresh = new SalientServer(WebConfig.defaults().withPort(0), TestSupport.models(),
                MethodRegistry.standard()).start();
        try {
            String freshQuery = "/api/explain?image=" + upload(fresh.url(), "kite.jpg") + "&method=gradcam&class=top1";
            assertThat(pixels(reused)).as("the kept layer, composited at another opacity")
                    .isEqualTo(pixels(png(get(fresh.url(), freshQuery + "&width=500&opacity=0.9"))));
            assertThat(pixels(multiplied)).as("the kept layer, multiplied")
                    .isEqualTo(pixels(png(get(fresh.url(), freshQuery + "&width=500&blend=true"))));
        } finally {
            fresh.close();
        }
        assertThat(Arrays.equals(pixels(shown), pixels(reused))).as("the opacity does change the picture").isFalse();
    }

    @Test
    void reportsTheReRenderMedian() throws Exception {
        String id = upload(base, "bird.bmp"); // 512 × 343, the page's example
        String q = "/api/explain?image=" + id + "&method=gradcam&class=top1";
        for (int i = 0; i < 20; i++) { // computes the attribution, then warms the render path up
            get(base, q + "&sensitivity=" + (10 + i));
        }
        // 446: the picture's width side by side in a 900-pixel column; an opacity slider reuses the coloured layer, a
        // sensitivity slider makes a new one each time; the four are interleaved, so that the machine's load drifts
        // alike for all
        String[] sliders = {"opacity", "sensitivity"};
        int[] widths = {0, 446};
        int rounds = 21;
        double[][] ms = new double[sliders.length * widths.length][rounds];
        for (int i = 0; i < rounds; i++) {
            for (int s = 0; s < sliders.length; s++) {
                for (int w = 0; w < widths.length; w++) {
                    String value = s == 0 ? String.format(Locale.ROOT, "%.2f", 0.3 + 0.6 * i / rounds)
                            : String.valueOf(30 + i / 2.0);
                    long t0 = System.nanoTime();
                    HttpResponse<byte[]> r = get(base, q + "&" + sliders[s] + "=" + value
                            + (widths[w] > 0 ? "&width=" + widths[w] : ""));
                    ms[s * widths.length + w][i] = (System.nanoTime() - t0) / 1e6;
                    assertThat(r.statusCode()).isEqualTo(200);
                }
            }
        }
        for (int s = 0; s < sliders.length; s++) {
            for (int w = 0; w < widths.length; w++) {
                double[] timed = ms[s * widths.length + w].clone();
                Arrays.sort(timed);
                System.out.printf(Locale.ROOT, "re-render of a cached Grad-CAM, %s slider, %s: median %.1f ms (min "
                                + "%.1f, max %.1f, %d requests over HTTP)%n", sliders[s], widths[w] > 0
                                ? "at the page's width " + widths[w] : "at the photo's width 512",
                        timed[rounds / 2], timed[0], timed[rounds - 1], rounds);
            }
        }
        System.out.println("load average " + Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim());
    }
}
