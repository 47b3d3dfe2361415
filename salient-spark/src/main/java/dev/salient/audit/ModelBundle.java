package dev.salient.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A loaded model as bytes, so that a machine without the model's folder (a Spark executor) opens the very same
 * classifier: the model file, the settings it was loaded with (its sidecar and the command line's overrides, merged)
 * and the class names it ended up with.
 *
 * @param name        the model's name (catalog name or file name)
 * @param fileName    the model file's name (its extension says ONNX or TFLite)
 * @param model       the model file's bytes
 * @param settings    sidecar JSON: the effective settings, labels excluded
 * @param labels      the class names, one per line
 * @param fingerprint SHA-256 over all of the above: what identifies "the same model" in a cache or a resumed job
 */
public record ModelBundle(String name, String fileName, byte[] model, String settings, String labels,
                          String fingerprint) implements Serializable {

    /** The bundle of a classifier loaded from {@code resolved} with {@code overrides} on top of its sidecar. */
    public static ModelBundle of(ResolvedModel resolved, ModelConfig overrides, ImageClassifier loaded) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(resolved.modelFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + resolved.modelFile(), e);
        }
        ModelConfig effective = ModelConfig.fromJson(resolved.sidecar()).overriddenBy(overrides);
        String settings = sidecar(effective).toString();
        String labels = String.join("\n", loaded.labels().names()) + "\n";
        String fileName = resolved.modelFile().getFileName().toString();
        String fingerprint = ImageAuditor.sha256(concat(fileName.getBytes(StandardCharsets.UTF_8), bytes,
                settings.getBytes(StandardCharsets.UTF_8), labels.getBytes(StandardCharsets.UTF_8)));
        return new ModelBundle(resolved.name(), fileName, bytes, settings, labels, fingerprint);
    }

    /** Opens the classifier from the bundle (through a temporary folder, removed once the model is in memory). */
    public ImageClassifier open(EngineOptions options) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("salient-model-");
            Path modelFile = dir.resolve(fileName);
            Files.write(modelFile, model);
            Path labelsFile = dir.resolve("labels.txt");
            Files.writeString(labelsFile, labels, StandardCharsets.UTF_8);
            ObjectNode sidecar = (ObjectNode) new ObjectMapper().readTree(settings);
            return ImageClassifier.load(new ResolvedModel(name, modelFile, labelsFile, sidecar, "bundle", false),
                    ModelConfig.EMPTY, options);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack model " + name + " into a temporary folder", e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /** The sidecar JSON of a configuration (labels left out: the bundle carries the names themselves). */
    static ObjectNode sidecar(ModelConfig c) {
        ObjectNode json = new ObjectMapper().createObjectNode();
        if (c.input() != null) json.put("input", c.input());
        if (c.output() != null) json.put("output", c.output());
        if (c.layout() != null) json.put("layout", c.layout().name());
        if (c.width() != null) json.put("width", c.width());
        if (c.height() != null) json.put("height", c.height());
        if (c.resize() != null) json.put("resize", c.resize().name().toLowerCase(java.util.Locale.ROOT));
        if (c.cropFraction() != null) json.put("cropFraction", c.cropFraction());
        if (c.scale() != null) json.put("scale", c.scale());
        if (c.mean() != null) json.putArray("mean").add(c.mean()[0]).add(c.mean()[1]).add(c.mean()[2]);
        if (c.std() != null) json.putArray("std").add(c.std()[0]).add(c.std()[1]).add(c.std()[2]);
        if (c.keepSoftmax() != null) json.put("keepSoftmax", c.keepSoftmax());
        return json;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length + 1;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length + 1; // a zero byte between parts keeps ("ab","c") apart from ("a","bc")
        }
        return all;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
