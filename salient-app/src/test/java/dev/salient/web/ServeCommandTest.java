package dev.salient.web;

import dev.salient.cli.ServeCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code salient serve} options: loopback and 7860 by default, several models allowed. */
class ServeCommandTest {
    @Test
    void defaultsToLoopbackAndPort7860() {
        CommandLine cl = new CommandLine(new ServeCommand());
        CommandLine.ParseResult r = cl.parseArgs("--model", "a.onnx", "--model", "b.onnx");
        var spec = cl.getCommandSpec();
        assertThat((String) spec.findOption("--host").getValue()).isEqualTo("127.0.0.1");
        assertThat((Integer) spec.findOption("--port").getValue()).isEqualTo(7860);
        assertThat((Double) spec.findOption("--max-upload-mb").getValue()).isEqualTo(20.0);
        assertThat((Double) spec.findOption("--max-megapixels").getValue()).isEqualTo(50.0);
        assertThat(r.matchedOption("--model").<java.util.List<String>>getValue()).containsExactly("a.onnx", "b.onnx");
        assertThat(cl.getCommandName()).isEqualTo("serve");
    }

    @Test
    void galleryComesFromTheCatalogsExamplePhotosOffline(@org.junit.jupiter.api.io.TempDir java.nio.file.Path cache)
            throws Exception {
        var settings = new dev.salient.catalog.ResolverSettings(dev.salient.testing.SharedData.path("mirror"), cache, true);
        var resolver = new dev.salient.catalog.ModelResolver(dev.salient.catalog.ModelCatalog.builtIn(), settings,
                java.net.http.HttpClient.newHttpClient());
        java.nio.file.Path gallery = ServeCommand.catalogExamples(resolver);
        assertThat(gallery).isNotNull();
        try (var files = java.nio.file.Files.list(gallery)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("bird.bmp", "cat.bmp", "dragonfly.bmp", "parrot.jpg", "hot_dog.jpg");
        }
        assertThat(new Examples(gallery, dev.salient.image.ImageLimits.DEFAULT).list()).hasSize(5);
    }

    @Test
    void noGalleryWhenTheExamplesCannotBeHad(@org.junit.jupiter.api.io.TempDir java.nio.file.Path cache) {
        var settings = new dev.salient.catalog.ResolverSettings(null, cache, true); // offline, no mirror, empty cache
        var resolver = new dev.salient.catalog.ModelResolver(dev.salient.catalog.ModelCatalog.builtIn(), settings,
                java.net.http.HttpClient.newHttpClient());
        assertThat(ServeCommand.catalogExamples(resolver)).isNull();
    }
}
