package dev.salient.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The pretrained models (and example photos) Salient knows by name, with their published URLs and checksums.
 * The built-in list is the JSON resource {@code catalog.json} beside this class.
 */
public final class ModelCatalog {

    private static final String RESOURCE = "catalog.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<CatalogEntry> entries;
    private final List<CatalogFile> examples;

    private ModelCatalog(List<CatalogEntry> entries, List<CatalogFile> examples) {
        this.entries = List.copyOf(entries);
        this.examples = List.copyOf(examples);
        Set<String> names = new HashSet<>();
        long defaults = 0;
        for (CatalogEntry e : this.entries) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("catalog lists model '" + e.name() + "' twice");
            }
            if (e.isDefault()) {
                defaults++;
            }
        }
        if (!this.entries.isEmpty() && defaults != 1) {
            throw new IllegalArgumentException("catalog must mark exactly one model as default, found " + defaults);
        }
    }

    /** The catalog built into the jar. */
    public static ModelCatalog builtIn() {
        try (InputStream in = ModelCatalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " missing beside " + ModelCatalog.class);
            }
            return parse(JSON.readTree(in), RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read built-in catalog " + RESOURCE, e);
        }
    }

    /** A catalog from JSON text in the built-in format ({@code {"models":[...],"examples":[...]}}). */
    public static ModelCatalog fromJson(String json) {
        try {
            return parse(JSON.readTree(json), "given JSON");
        } catch (IOException e) {
            throw new IllegalArgumentException("catalog JSON is not valid: " + e.getMessage(), e);
        }
    }

    /** A catalog read from a JSON file in the built-in format. */
    public static ModelCatalog fromFile(Path file) throws IOException {
        return parse(JSON.readTree(Files.readAllBytes(file)), file.toString());
    }

    /** All models, in catalog order. */
    public List<CatalogEntry> entries() {
        return entries;
    }

    /** The model with this exact name. */
    public Optional<CatalogEntry> find(String name) {
        return entries.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** The model used when none is named. */
    public CatalogEntry defaultEntry() {
        return entries.stream().filter(CatalogEntry::isDefault).findFirst()
                .orElseThrow(() -> new IllegalStateException("catalog has no models"));
    }

    /** Example photos for the gallery, fetched like models with {@link ModelResolver#resolveFile}. */
    public List<CatalogFile> examples() {
        return examples;
    }

    /** The names of all models, for messages. */
    public List<String> names() {
        return entries.stream().map(CatalogEntry::name).toList();
    }

    /**
     * The same catalog with every file (models, labels, examples) published at {@code base} + its file name,
     * e.g. a loopback test server or an in-house mirror served over HTTP. Checksums are unchanged.
     */
    public ModelCatalog withBaseUrl(URI base) {
        URI dir = base.toString().endsWith("/") ? base : URI.create(base + "/");
        List<CatalogEntry> moved = entries.stream()
                .map(e -> e.withUrls(dir.resolve(e.fileName()),
                        e.labels() == null ? null : e.labels().withUrl(dir.resolve(e.labels().fileName()))))
                .toList();
        List<CatalogFile> movedExamples = examples.stream().map(f -> f.withUrl(dir.resolve(f.fileName()))).toList();
        return new ModelCatalog(moved, movedExamples);
    }

    /** For each model, whether the mirror or cache of {@code settings} already holds it (see {@link CatalogStatus}). */
    public List<CatalogStatus> status(ResolverSettings settings) {
        List<CatalogStatus> out = new ArrayList<>();
        for (CatalogEntry e : entries) {
            Path mirrored = settings.mirrorFile(e.fileName());
            Path cached = settings.cacheFile(e.fileName());
            boolean inMirror = mirrored != null && hasSize(mirrored, e.size());
            boolean inCache = hasSize(cached, e.size());
            out.add(new CatalogStatus(e, inMirror, inCache, inMirror ? mirrored : inCache ? cached : null));
        }
        return out;
    }

    private static boolean hasSize(Path file, long size) {
        try {
            return Files.isRegularFile(file) && (size < 0 || Files.size(file) == size);
        } catch (IOException e) {
            return false;
        }
    }

    private static ModelCatalog parse(JsonNode root, String origin) {
        try {
            List<CatalogEntry> entries = new ArrayList<>();
            for (JsonNode m : root.path("models")) {
                JsonNode sidecar = m.get("sidecar");
                if (sidecar != null && !sidecar.isObject()) {
                    throw new IllegalArgumentException("sidecar of " + m.path("name").asText() + " must be an object");
                }
                entries.add(new CatalogEntry(
                        text(m, "name"), text(m, "fileName"), URI.create(text(m, "url")), text(m, "sha256"),
                        m.path("size").asLong(-1), text(m, "format"), m.path("description").asText(""),
                        m.hasNonNull("labels") ? file(m.get("labels")) : null,
                        (ObjectNode) sidecar, m.path("default").asBoolean(false)));
            }
            List<CatalogFile> examples = new ArrayList<>();
            for (JsonNode f : root.path("examples")) {
                examples.add(file(f));
            }
            return new ModelCatalog(entries, examples);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("bad model catalog (" + origin + "): " + e.getMessage(), e);
        }
    }

    private static CatalogFile file(JsonNode f) {
        return new CatalogFile(text(f, "fileName"), URI.create(text(f, "url")), text(f, "sha256"),
                f.path("size").asLong(-1));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException("missing text field '" + field + "' in " + node);
        }
        return v.asText();
    }
}
