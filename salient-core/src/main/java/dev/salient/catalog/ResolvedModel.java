package dev.salient.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model ready to load from local disk.
 *
 * @param name       catalog name, or the file name for a path or URL
 * @param modelFile  the model file
 * @param labelsFile the class-name file chosen by the user or fetched from the catalog, or null (a sidecar's
 *                   {@code labels} stays in the sidecar: it is resolved inside the model's folder on load)
 * @param sidecar    the {@code MODEL.json} settings, or null if none
 * @param source     where the file came from: {@code "path"}, {@code "cache"}, {@code "mirror"} (copied into the
 *                   cache just now) or {@code "download"}
 * @param verified   whether the model's sha256 was checked against a published value (false for a plain path or
 *                   a URL outside the catalog: no checksum is known for those)
 */
public record ResolvedModel(String name, Path modelFile, Path labelsFile, ObjectNode sidecar, String source,
                            boolean verified) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ResolvedModel {
        sidecar = sidecar == null ? null : sidecar.deepCopy();
    }

    /**
     * A model file on disk with its sidecar: {@code STEM.json} beside {@code STEM.onnx}, else {@code FILE.json}
     * beside {@code FILE}.
     *
     * @throws IOException if the sidecar is not a JSON object
     */
    public static ResolvedModel atPath(Path model) throws IOException {
        String fileName = model.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        String stem = dot > 0 ? fileName.substring(0, dot) : fileName;
        Path sidecarFile = model.resolveSibling(stem + ".json");
        if (!Files.isRegularFile(sidecarFile) || sidecarFile.equals(model)) {
            sidecarFile = model.resolveSibling(fileName + ".json");
        }
        ObjectNode sidecar = null;
        if (Files.isRegularFile(sidecarFile)) {
            JsonNode node;
            try {
                node = JSON.readTree(sidecarFile.toFile());
            } catch (IOException e) {
                throw new IOException("sidecar " + sidecarFile + " is not valid JSON: " + e.getMessage(), e);
            }
            if (!node.isObject()) {
                throw new IOException("sidecar " + sidecarFile + " must hold a JSON object, found " + node.getNodeType());
            }
            sidecar = (ObjectNode) node;
        }
        return new ResolvedModel(stem, model, null, sidecar, "path", false);
    }

    @Override
    public ObjectNode sidecar() {
        return sidecar == null ? null : sidecar.deepCopy();
    }

    /** One line for people, e.g. "mobilenet_v2 from cache (sha256 verified)". */
    public String describe() {
        String check = verified ? "sha256 verified" : "no published checksum: not verified";
        return name + " (" + modelFile + ") from " + source + ", " + check;
    }
}
