package dev.salient.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.image.ImageDecodeException;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.render.PngWriter;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The example gallery: image files directly in one folder. A request names a file; only names listed from the
 * folder are served, so no request can reach a file elsewhere (no path is ever built from request text).
 * Credits come from {@code credits.json} (file name → text) or {@code CREDITS.txt} (shown as is).
 */
final class Examples {
    private static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");
    static final int THUMB_HEIGHT = 96;

    record Example(String name, String credit) {}

    private final Path dir;
    private final ImageLimits limits;
    private final Map<String, byte[]> thumbnails = new ConcurrentHashMap<>();

    Examples(Path dir, ImageLimits limits) {
        this.dir = dir;
        this.limits = limits;
    }

    List<Example> list() {
        if (dir == null || !Files.isDirectory(dir)) {
            return List.of();
        }
        Map<String, String> credits = credits();
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> EXTENSIONS.contains(ext(n)))
                    .sorted()
                    .map(n -> new Example(n, credits.get(n)))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The gallery-wide credits text from CREDITS.txt, if any. */
    String creditsText() {
        if (dir == null) {
            return null;
        }
        for (String n : List.of("CREDITS.txt", "CREDITS.md", "credits.txt")) {
            Path p = dir.resolve(n);
            if (Files.isRegularFile(p)) {
                try {
                    String s = Files.readString(p);
                    return s.length() > 20_000 ? s.substring(0, 20_000) : s;
                } catch (IOException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private Map<String, String> credits() {
        Path p = dir.resolve("credits.json");
        Map<String, String> out = new HashMap<>();
        if (Files.isRegularFile(p)) {
            try {
                JsonNode n = new ObjectMapper().readTree(p.toFile());
                n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isTextual()
                        ? e.getValue().asText() : e.getValue().toString()));
            } catch (IOException e) {
                // a broken credits file only loses the credits
            }
        }
        return out;
    }

    /** The encoded file of a listed example. @throws ApiException 404 for any other name */
    byte[] bytes(String name) {
        Path file = file(name);
        try {
            if (Files.size(file) > limits.maxBytes()) {
                throw new ApiException(413, "example " + name + " is above the upload size limit");
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw ApiException.notFound("no example '" + ApiException.clip(name) + "'");
        }
    }

    byte[] thumbnail(String name) {
        file(name);
        return thumbnails.computeIfAbsent(name, n -> {
            BufferedImage photo;
            try {
                photo = ImageDecoder.decode(bytes(n), limits);
            } catch (ImageDecodeException e) {
                throw ImageStore.decodeError(e);
            }
            int h = Math.min(THUMB_HEIGHT, photo.getHeight());
            int w = Math.max(1, (int) Math.round(photo.getWidth() * (double) h / photo.getHeight()));
            BufferedImage t = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            var g = t.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(photo, 0, 0, w, h, null);
            g.dispose();
            return PngWriter.toPng(t);
        });
    }

    private Path file(String name) {
        if (name != null) {
            for (Example e : list()) {
                if (e.name().equals(name)) {
                    return dir.resolve(e.name());
                }
            }
        }
        throw ApiException.notFound("no example '" + ApiException.clip(String.valueOf(name)) + "'");
    }

    static String ext(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
