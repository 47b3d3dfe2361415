package dev.salient.model;

import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.DiskCache;
import dev.salient.engine.EngineOptions;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loading a TFLite model with an engine cache folder: the second load reads the import (and the engine's shapes)
 * back instead of converting the file again, and classifies exactly as the first; a damaged cache only costs the
 * conversion.
 */
class CachedLoadTest {
    @Test
    void theSecondLoadReadsTheImportBackAndClassifiesTheSame(@TempDir Path home) throws IOException {
        Path tflite = SharedData.path("mirror/mobilenet_v2_1.0_224_quant.tflite");
        Path labels = SharedData.path("mirror/imagenet_labels.txt");
        ResolvedModel resolved = new ResolvedModel("coral", tflite, labels, null, "path", false);
        Path cacheFolder = home.resolve("engine");
        EngineOptions options = EngineOptions.DEFAULT.withCacheFolder(cacheFolder);
        var photo = ImageDecoder.decode(SharedData.image("bird.bmp"), ImageLimits.DEFAULT);
        Classification first;
        try (ImageClassifier model = ImageClassifier.load(resolved, ModelConfig.EMPTY, options)) {
            first = model.classify(photo, 3);
        }
        assertThat(first.best().label()).contains("chickadee");
        long hits = DiskCache.at(cacheFolder).hits();
        try (ImageClassifier model = ImageClassifier.load(resolved, ModelConfig.EMPTY, options)) {
            assertThat(model.classify(photo, 3).logits()).containsExactly(first.logits());
            assertThat(model.info().assumptions()).isEqualTo(assumptionsOf(resolved));
        }
        // the import's graph and sidecar, the shapes, the passed gradient check and, where the CPU can be named, the
        // forward graph as ONNX Runtime optimised it and its weights (the file's digest is remembered in memory by this
        // process)
        assertThat(DiskCache.at(cacheFolder).hits() - hits).isEqualTo(DiskCache.machine() != null ? 6 : 4);

        try (Stream<Path> entries = Files.list(cacheFolder)) {
            for (Path entry : entries.toList()) {
                Files.write(entry, new byte[]{1, 2, 3});
            }
        }
        try (ImageClassifier model = ImageClassifier.load(resolved, ModelConfig.EMPTY, options)) {
            assertThat(model.classify(photo, 3).logits()).containsExactly(first.logits());
        }
    }

    private static java.util.List<String> assumptionsOf(ResolvedModel resolved) {
        try (ImageClassifier uncached = ImageClassifier.load(resolved, ModelConfig.EMPTY, EngineOptions.DEFAULT)) {
            return uncached.info().assumptions();
        }
    }
}
