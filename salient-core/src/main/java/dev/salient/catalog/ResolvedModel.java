package dev.salient.catalog;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;

/**
 * A model ready to load from local disk.
 *
 * @param name       catalog name, or the file name for a path or URL
 * @param modelFile  the model file
 * @param labelsFile the class-name file, or null if none is known
 * @param sidecar    the {@code MODEL.json} settings, or null if none
 * @param source     where the file came from: {@code "path"}, {@code "mirror"}, {@code "cache"} or {@code "download"}
 * @param verified   whether the model's sha256 was checked against a published value (false for a plain path or
 *                   a URL outside the catalog: no checksum is known for those)
 */
public record ResolvedModel(String name, Path modelFile, Path labelsFile, ObjectNode sidecar, String source,
                            boolean verified) {

    public ResolvedModel {
        sidecar = sidecar == null ? null : sidecar.deepCopy();
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
