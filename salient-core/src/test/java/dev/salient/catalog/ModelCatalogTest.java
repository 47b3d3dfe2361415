package dev.salient.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.testing.SharedData;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCatalogTest {

    private final ModelCatalog catalog = ModelCatalog.builtIn();

    @Test
    void builtInListsTheSixModelsWithMobileNetV2AsDefault() {
        assertThat(catalog.names()).containsExactly("mobilenet_v2_1.0_224_quant", "mobilenet_v1_0.75_192_quant",
                "mobilenetv2-12", "efficientnet-lite4-11", "resnet50-v1-12", "squeezenet1.1-7");
        assertThat(catalog.defaultEntry().name()).isEqualTo("mobilenet_v2_1.0_224_quant");
        assertThat(catalog.defaultEntry().format()).isEqualTo("tflite");
        assertThat(catalog.find("resnet50-v1-12")).get().satisfies(e -> {
            assertThat(e.format()).isEqualTo("onnx");
            assertThat(e.size()).isEqualTo(102576593L);
            assertThat(e.sha256()).isEqualTo("3f03fdef724b22947eed826f1eef1dc5c34151bb4c37d634f1db89dfa2dd1526");
            assertThat(e.labels().fileName()).isEqualTo("synset.txt");
        });
        assertThat(catalog.find("nope")).isEmpty();
        assertThat(catalog.examples()).extracting(CatalogFile::fileName)
                .containsExactly("bird.bmp", "cat.bmp", "dragonfly.bmp", "parrot.jpg", "hot_dog.jpg");
    }

    /** Every catalogued file that the shared mirror holds must have exactly the catalogued size and sha256. */
    @Test
    void checksumsAndSizesMatchTheMirrorCopies() throws IOException {
        List<CatalogFile> files = new ArrayList<>(catalog.examples());
        for (CatalogEntry e : catalog.entries()) {
            files.add(e.modelFile());
            files.add(e.labels());
        }
        int checked = 0;
        for (CatalogFile f : files) {
            Path mirrored = SharedData.root().resolve("mirror").resolve(f.fileName());
            if (Files.exists(mirrored)) {
                assertThat(Files.size(mirrored)).as(f.fileName()).isEqualTo(f.size());
                assertThat(FileVerifier.sha256(mirrored)).as(f.fileName()).isEqualTo(f.sha256());
                checked++;
            }
        }
        // 2 Coral models + their labels twice + synset.txt four times + 5 photos
        assertThat(checked).isEqualTo(2 + 2 + 4 + 5);
        SharedData.path("mirror/mobilenet_v2_1.0_224_quant.tflite"); // fails loudly if the mirror is missing
    }

    @Test
    void sidecarsCarryPreprocessingForOnnxOnly() {
        ObjectNode coral = catalog.defaultEntry().sidecar();
        assertThat(coral.path("labels").asText()).isEqualTo("imagenet_labels.txt");
        assertThat(coral.path("labelFormat").asText()).isEqualTo("plain");
        assertThat(coral.has("mean")).isFalse();
        assertThat(coral.has("layout")).isFalse();

        ObjectNode resnet = catalog.find("resnet50-v1-12").orElseThrow().sidecar();
        assertThat(resnet.path("layout").asText()).isEqualTo("NCHW");
        assertThat(resnet.path("resize").asText()).isEqualTo("center_crop");
        assertThat(resnet.path("cropFraction").asDouble()).isEqualTo(0.875);
        assertThat(resnet.path("scale").asDouble()).isCloseTo(1 / 255.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(resnet.path("mean").get(1).asDouble()).isEqualTo(0.456);
        assertThat(resnet.path("std").get(2).asDouble()).isEqualTo(0.225);
        assertThat(resnet.path("labelFormat").asText()).isEqualTo("synset");

        ObjectNode lite4 = catalog.find("efficientnet-lite4-11").orElseThrow().sidecar();
        assertThat(lite4.path("layout").asText()).isEqualTo("NHWC");
        assertThat(lite4.path("scale").asDouble()).isEqualTo(1.0);
        assertThat(lite4.path("mean").get(0).asDouble()).isEqualTo(127.0);
        assertThat(lite4.path("std").get(0).asDouble()).isEqualTo(128.0);
        assertThat(lite4.path("keepSoftmax").asBoolean(true)).isFalse();
    }

    @Test
    void sidecarCannotBeChangedThroughAnEntry() {
        catalog.defaultEntry().sidecar().put("labels", "changed.txt");
        assertThat(catalog.defaultEntry().sidecar().path("labels").asText()).isEqualTo("imagenet_labels.txt");
    }

    @Test
    void withBaseUrlMovesEveryUrlButKeepsChecksums() {
        ModelCatalog moved = catalog.withBaseUrl(URI.create("http://127.0.0.1:9/files"));
        assertThat(moved.defaultEntry().url()).hasToString("http://127.0.0.1:9/files/mobilenet_v2_1.0_224_quant.tflite");
        assertThat(moved.defaultEntry().labels().url()).hasToString("http://127.0.0.1:9/files/imagenet_labels.txt");
        assertThat(moved.examples().get(0).url()).hasToString("http://127.0.0.1:9/files/bird.bmp");
        assertThat(moved.defaultEntry().sha256()).isEqualTo(catalog.defaultEntry().sha256());
        assertThat(moved.entries()).hasSameSizeAs(catalog.entries());
    }

    @Test
    void fromJsonRejectsBadEntriesWithAReadableMessage() {
        String good = "{\"name\":\"a\",\"default\":true,\"fileName\":\"a.onnx\",\"url\":\"http://h/a.onnx\","
                + "\"sha256\":\"" + "0".repeat(64) + "\",\"size\":1,\"format\":\"onnx\"}";
        assertThat(ModelCatalog.fromJson("{\"models\":[" + good + "]}").defaultEntry().name()).isEqualTo("a");
        assertThatThrownBy(() -> ModelCatalog.fromJson("{\"models\":[" + good + "," + good + "]}"))
                .hasMessageContaining("'a' twice");
        assertThatThrownBy(() -> ModelCatalog.fromJson("{\"models\":[" + good.replace("0".repeat(64), "abc") + "]}"))
                .hasMessageContaining("not 64 hex digits");
        assertThatThrownBy(() -> ModelCatalog.fromJson("{\"models\":[" + good.replace("a.onnx\",\"url", "../a.onnx\",\"url") + "]}"))
                .hasMessageContaining("plain file name");
        assertThatThrownBy(() -> ModelCatalog.fromJson("{\"models\":[" + good.replace("\"onnx\"", "\"pt\"") + "]}"))
                .hasMessageContaining("format must be onnx or tflite");
    }

    @Test
    void statusReportsMirrorAndCachePresence(@TempDir Path cache) throws IOException {
        Path mirror = SharedData.path("mirror");
        Files.write(cache.resolve("squeezenet1.1-7.onnx"), new byte[4956208]);
        List<CatalogStatus> status = catalog.status(new ResolverSettings(mirror, cache, false));
        assertThat(status).hasSize(6);
        assertThat(status.get(0).inMirror()).isTrue();
        assertThat(status.get(0).location()).isEqualTo(mirror.resolve("mobilenet_v2_1.0_224_quant.tflite"));
        assertThat(status.get(1).available()).isTrue();
        assertThat(status.get(2).available()).isFalse();
        assertThat(status.get(5).cached()).isTrue();
        assertThat(status.get(5).inMirror()).isFalse();
    }

    @Test
    void settingsComeFromTheEnvironment(@TempDir Path home) {
        ResolverSettings defaults = ResolverSettings.fromEnvironment(Map.of(), home);
        assertThat(defaults.cache()).isEqualTo(home.resolve(".cache/salient"));
        assertThat(defaults.mirror()).isNull();
        assertThat(defaults.offline()).isFalse();

        ResolverSettings set = ResolverSettings.fromEnvironment(Map.of("SALIENT_HOME", home.resolve("h").toString(),
                "SALIENT_MIRROR", home.resolve("m").toString(), "SALIENT_OFFLINE", "1"), home);
        assertThat(set.cache()).isEqualTo(home.resolve("h"));
        assertThat(set.mirror()).isEqualTo(home.resolve("m"));
        assertThat(set.offline()).isTrue();
    }
}
