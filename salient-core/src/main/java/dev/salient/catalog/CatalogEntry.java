package dev.salient.catalog;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.Objects;

/**
 * A pretrained classifier Salient can fetch by name.
 *
 * @param name        catalog name, e.g. {@code mobilenet_v2_1.0_224_quant}
 * @param fileName    local file name of the model
 * @param url         where the model is published
 * @param sha256      lower-case hex sha256 of the model file
 * @param size        model size in bytes (-1 if unknown)
 * @param format      {@code "onnx"} or {@code "tflite"}
 * @param description one line for people
 * @param labels      the class-name file, or null if the model has none in the catalog
 * @param sidecar     settings in Salient's {@code MODEL.json} format, or null; a defensive copy is kept and returned
 * @param isDefault   whether this is the model used when none is named
 */
public record CatalogEntry(String name, String fileName, URI url, String sha256, long size, String format,
                           String description, CatalogFile labels, ObjectNode sidecar, boolean isDefault) {

    public CatalogEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        if (!format.equals("onnx") && !format.equals("tflite")) {
            throw new IllegalArgumentException("model " + name + ": format must be onnx or tflite, not '" + format + "'");
        }
        description = description == null ? "" : description;
        // Validates the file name, URL and checksum the same way as every other catalogued file.
        CatalogFile asFile = new CatalogFile(fileName, url, sha256, size);
        sha256 = asFile.sha256();
        // ObjectNode is mutable: copy so no caller can change the catalog for everyone else.
        sidecar = sidecar == null ? null : sidecar.deepCopy();
    }

    /** A copy of the sidecar (null if none). */
    @Override
    public ObjectNode sidecar() {
        return sidecar == null ? null : sidecar.deepCopy();
    }

    /** The model file itself as a {@link CatalogFile}. */
    public CatalogFile modelFile() {
        return new CatalogFile(fileName, url, sha256, size);
    }

    /** The same entry with model and labels published elsewhere. */
    CatalogEntry withUrls(URI modelUrl, CatalogFile newLabels) {
        return new CatalogEntry(name, fileName, modelUrl, sha256, size, format, description, newLabels, sidecar,
                isDefault);
    }
}
