package dev.salient.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only data folder {@code shared/} that lies beside the repository (or wherever
 * {@code SALIENT_SHARED} points). Tests read real models, photos and reference gradients from it in place.
 * A missing file fails the test with the path it looked for: a test never skips silently.
 */
public final class SharedData {
    private SharedData() {}

    /** The shared folder itself. */
    public static Path root() {
        String env = System.getenv("SALIENT_SHARED");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared");
            if (Files.isRegularFile(candidate.resolve("README.md"))) {
                return candidate.normalize();
            }
        }
        throw new AssertionError("shared data folder not found: looked for ../shared/README.md above " + dir
                + " (set SALIENT_SHARED to its path)");
    }

    /** A file inside the shared folder, e.g. {@code path("models/mobilenet_v2_1.0_224.onnx")}; fails if absent. */
    public static Path path(String relative) {
        Path file = root().resolve(relative);
        if (!Files.exists(file)) {
            throw new AssertionError("shared data file missing: " + file);
        }
        return file;
    }

    public static Path mobileNetV2() {
        return path("models/mobilenet_v2_1.0_224.onnx");
    }

    public static Path mobileNetV1() {
        return path("models/mobilenet_v1_0.75_192.onnx");
    }

    public static Path labels1001() {
        return path("models/imagenet_labels_1001.txt");
    }

    public static Path image(String name) {
        return path("images/" + name);
    }
}
