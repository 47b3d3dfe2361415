package dev.salient.catalog;

import dev.salient.testing.SharedData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Shared set-up of the download and resolver tests: a loopback HTTP server serving {@code ../shared/mirror}, the
 * built-in catalog pointed at it, and an empty cache folder.
 */
abstract class LoopbackMirrorTest {
    static final String MODEL = "mobilenet_v2_1.0_224_quant";
    static final String FILE = "mobilenet_v2_1.0_224_quant.tflite";

    @TempDir
    Path cache;

    Path mirror;
    MirrorServer server;
    ModelCatalog catalog;

    @BeforeEach
    void startMirrorServer() throws IOException {
        mirror = SharedData.path("mirror");
        server = new MirrorServer(mirror);
        catalog = ModelCatalog.builtIn().withBaseUrl(server.baseUrl());
    }

    @AfterEach
    void stopMirrorServer() throws InterruptedException {
        server.close();
    }
}
