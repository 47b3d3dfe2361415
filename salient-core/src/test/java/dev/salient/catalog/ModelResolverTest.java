package dev.salient.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How names, paths and URLs become files: mirror, cache, offline, sidecars. */
class ModelResolverTest extends LoopbackMirrorTest {

    private static final Downloader.Limits FAST =
            new Downloader.Limits(Duration.ofSeconds(5), Duration.ofSeconds(5), 2, Duration.ofMillis(10));


    private ModelResolver resolver(Path mirrorFolder, boolean offline) {
        return new ModelResolver(catalog, new ResolverSettings(mirrorFolder, cache, offline),
                new Downloader(Downloader.defaultHttpClient(), FAST));
    }

    @Test
    void mirrorHitNeedsNoRequestAndIsCopiedIntoTheCache() throws IOException {
        ResolvedModel model = resolver(mirror, false).resolve(MODEL, DownloadListener.NONE);
        assertThat(model.source()).isEqualTo("mirror");
        assertThat(model.verified()).isTrue();
        assertThat(model.modelFile()).isEqualTo(cache.resolve(FILE));
        assertThat(Files.mismatch(model.modelFile(), mirror.resolve(FILE))).isEqualTo(-1);
        assertThat(model.labelsFile()).isEqualTo(cache.resolve("imagenet_labels.txt"));
        assertThat(Files.mismatch(model.labelsFile(), mirror.resolve("imagenet_labels.txt"))).isEqualTo(-1);
        assertThat(FileVerifier.markerOf(model.modelFile())).exists();
        assertThat(server.requests()).isZero();
        assertThat(DownloadTest.leftovers(cache)).isEmpty();
    }

    @Test
    void whatTheMirrorServedIsThereOnTheNextRunWithoutTheMirror() throws IOException {
        // The README's first run: SALIENT_MIRROR=../shared/mirror ./salient serve, then ./salient classify.
        resolver(mirror, false).resolve(MODEL, DownloadListener.NONE);
        CatalogFile parrot = catalog.examples().stream().filter(f -> f.fileName().equals("parrot.jpg"))
                .findFirst().orElseThrow();
        resolver(mirror, false).resolveFile(parrot, DownloadListener.NONE);

        ResolvedModel model = resolver(null, true).resolve(MODEL, DownloadListener.NONE);
        assertThat(model.source()).isEqualTo("cache");
        assertThat(model.modelFile()).isEqualTo(cache.resolve(FILE));
        assertThat(resolver(null, true).resolveFile(parrot, DownloadListener.NONE)).isEqualTo(cache.resolve("parrot.jpg"));
        assertThat(server.requests()).isZero();
        assertThat(DownloadTest.leftovers(cache)).isEmpty();
    }

    @Test
    void blankNameMeansTheDefaultModel() throws IOException {
        assertThat(resolver(mirror, true).resolve(null, DownloadListener.NONE).name()).isEqualTo(MODEL);
        assertThat(resolver(mirror, true).resolve(" ", DownloadListener.NONE).name()).isEqualTo(MODEL);
    }

    @Test
    void offlineMissWithoutAMirrorSaysWhereItLookedInOneSentence() {
        String name = "mobilenetv2-12.onnx";
        CatalogFile file = catalog.find("mobilenetv2-12").orElseThrow().modelFile();
        assertThatThrownBy(() -> resolver(null, true).resolve("mobilenetv2-12", DownloadListener.NONE))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessage(name + " is not available offline: it is not in the cache (" + cache.resolve(name)
                        + " is not there), and no mirror folder is set (SALIENT_MIRROR). To fetch it, run again with "
                        + "downloads allowed (unset SALIENT_OFFLINE / drop --offline), or download " + server.baseUrl()
                        + name + " (sha256 " + file.sha256() + ") yourself and put it at " + cache.resolve(name) + ".");
        assertThat(server.requests()).isZero();
    }

    @Test
    void offlineWithMirrorLacksTheOnnxModelButServesCoral() throws IOException {
        assertThat(resolver(mirror, true).resolve("mobilenet_v1_0.75_192_quant", DownloadListener.NONE).source())
                .isEqualTo("mirror");
        String name = "resnet50-v1-12.onnx";
        CatalogFile file = catalog.find("resnet50-v1-12").orElseThrow().modelFile();
        assertThatThrownBy(() -> resolver(mirror, true).resolve("resnet50-v1-12", DownloadListener.NONE))
                .hasMessage(name + " is not available offline: it is neither in the mirror (" + mirror.resolve(name)
                        + " is not there) nor in the cache (" + cache.resolve(name) + " is not there). To fetch it, "
                        + "run again with downloads allowed (unset SALIENT_OFFLINE / drop --offline), or download "
                        + server.baseUrl() + name + " (sha256 " + file.sha256() + ") yourself and put it at "
                        + cache.resolve(name) + ".");
        assertThat(server.requests()).isZero();
    }

    @Test
    void wrongMirrorCopyIsNotUsed(@TempDir Path badMirror) throws IOException {
        Files.write(badMirror.resolve(FILE), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> resolver(badMirror, true).resolve(MODEL, DownloadListener.NONE))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessageContaining("it is neither in the mirror (" + badMirror.resolve(FILE) + " is there, but its "
                        + "sha256 is ")
                .hasMessageContaining(", not the expected " + catalog.find(MODEL).orElseThrow().sha256() + ")");
        // Online, the verified download wins over the bad mirror copy.
        ResolvedModel model = resolver(badMirror, false).resolve(MODEL, DownloadListener.NONE);
        assertThat(model.source()).isEqualTo("download");
        assertThat(Files.mismatch(model.modelFile(), mirror.resolve(FILE))).isEqualTo(-1);
    }

    @Test
    void offlineUsesAVerifiedCacheCopy() throws IOException {
        resolver(null, false).resolve(MODEL, DownloadListener.NONE);
        int before = server.requests();
        ResolvedModel model = resolver(null, true).resolve(MODEL, DownloadListener.NONE);
        assertThat(model.source()).isEqualTo("cache");
        assertThat(server.requests()).isEqualTo(before);
    }

    @Test
    void urlIsDownloadedIntoTheCacheUnverified() throws IOException {
        String url = server.baseUrl() + "parrot.jpg";
        ResolvedModel first = resolver(null, false).resolve(url, DownloadListener.NONE);
        assertThat(first.source()).isEqualTo("download");
        assertThat(first.verified()).isFalse();
        assertThat(first.describe()).contains("not verified");
        assertThat(first.name()).isEqualTo("parrot.jpg");
        assertThat(first.modelFile().getParent().getParent()).isEqualTo(cache.resolve("url"));
        assertThat(Files.mismatch(first.modelFile(), mirror.resolve("parrot.jpg"))).isEqualTo(-1);

        ResolvedModel second = resolver(null, true).resolve(url, DownloadListener.NONE);
        assertThat(second.source()).isEqualTo("cache");
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void urlOfACatalogEntryIsVerifiedAsThatEntry() throws IOException {
        ResolvedModel model = resolver(null, false).resolve(server.baseUrl() + FILE, DownloadListener.NONE);
        assertThat(model.name()).isEqualTo(MODEL);
        assertThat(model.verified()).isTrue();
        assertThat(model.labelsFile()).isNotNull();
    }

    @Test
    void urlFailureNamesTheUrl() {
        String url = server.baseUrl() + "missing.onnx";
        assertThatThrownBy(() -> resolver(null, false).resolve(url, DownloadListener.NONE))
                .isInstanceOf(ModelDownloadException.class)
                .hasMessageContaining("could not download missing.onnx from " + url + ": server answered 404");
    }

    @Test
    void pathWithSidecarAndLabels(@TempDir Path dir) throws IOException {
        Path model = Files.write(dir.resolve("my model.onnx"), new byte[] {8, 1});
        Files.writeString(dir.resolve("classes.txt"), "a\nb\n");
        Files.writeString(dir.resolve("my model.json"),
                "{\"layout\":\"NCHW\",\"width\":224,\"height\":224,\"labels\":\"classes.txt\",\"labelFormat\":\"plain\"}");
        ResolvedModel resolved = resolver(null, true).resolve(model.toString(), DownloadListener.NONE);
        assertThat(resolved.source()).isEqualTo("path");
        assertThat(resolved.name()).isEqualTo("my model");
        assertThat(resolved.modelFile()).isEqualTo(model);
        // The sidecar's labels path stays in the sidecar: it is confined to the model's folder when loaded.
        assertThat(resolved.labelsFile()).isNull();
        assertThat(resolved.sidecar().path("labels").asText()).isEqualTo("classes.txt");
        assertThat(resolved.sidecar().path("layout").asText()).isEqualTo("NCHW");
        assertThat(resolved.verified()).isFalse();
        assertThat(server.requests()).isZero();
    }

    @Test
    void pathWithoutSidecar(@TempDir Path dir) throws IOException {
        Path model = Files.write(dir.resolve("m.onnx"), new byte[] {8});
        ResolvedModel resolved = resolver(null, true).resolve(model.toString(), DownloadListener.NONE);
        assertThat(resolved.sidecar()).isNull();
        assertThat(resolved.labelsFile()).isNull();
    }

    @Test
    void sidecarThatIsNotAJsonObjectIsAnError(@TempDir Path dir) throws IOException {
        Path model = Files.write(dir.resolve("m.onnx"), new byte[] {8});
        Files.writeString(dir.resolve("m.json"), "[1, 2]");
        assertThatThrownBy(() -> resolver(null, true).resolve(model.toString(), DownloadListener.NONE))
                .hasMessageContaining("must hold a JSON object");
    }

    @Test
    void unknownNameListsTheCatalog() {
        assertThatThrownBy(() -> resolver(null, true).resolve("alexnet", DownloadListener.NONE))
                .isInstanceOf(ModelUnavailableException.class)
                .hasMessageContaining("no model 'alexnet'")
                .hasMessageContaining("squeezenet1.1-7");
    }

    @Test
    void examplePhotosResolveFromMirrorOrDownload(@TempDir Path otherCache) throws IOException {
        CatalogFile parrot = catalog.examples().stream().filter(f -> f.fileName().equals("parrot.jpg"))
                .findFirst().orElseThrow();
        assertThat(resolver(mirror, true).resolveFile(parrot, DownloadListener.NONE))
                .isEqualTo(cache.resolve("parrot.jpg"));
        ModelResolver online = new ModelResolver(catalog, new ResolverSettings(null, otherCache, false),
                new Downloader(Downloader.defaultHttpClient(), FAST));
        Path fetched = online.resolveFile(parrot, DownloadListener.NONE);
        assertThat(fetched).isEqualTo(otherCache.resolve("parrot.jpg"));
        assertThat(Files.mismatch(fetched, mirror.resolve("parrot.jpg"))).isEqualTo(-1);
        assertThat(server.requests()).isEqualTo(1);
        assertThat(DownloadTest.leftovers(otherCache)).isEmpty();
    }
}
