package dev.salient.catalog;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * One published file: where it lives, under which name it is stored locally, and its sha256.
 *
 * @param fileName name in a mirror or cache folder (a plain name, never a path)
 * @param url      where it is published
 * @param sha256   lower-case hex sha256 of the published bytes
 * @param size     size in bytes, or -1 if unknown
 */
public record CatalogFile(String fileName, URI url, String sha256, long size) {

    public CatalogFile {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(sha256, "sha256");
        if (fileName.isBlank() || fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")) {
            throw new IllegalArgumentException("catalog file name must be a plain file name: '" + fileName + "'");
        }
        sha256 = sha256.toLowerCase(Locale.ROOT);
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 of " + fileName + " is not 64 hex digits: '" + sha256 + "'");
        }
        if (size < -1) {
            throw new IllegalArgumentException("size of " + fileName + " must be >= 0 or -1 (unknown): " + size);
        }
    }

    /** The same file published at another address (tests point catalogs at a loopback server). */
    public CatalogFile withUrl(URI newUrl) {
        return new CatalogFile(fileName, newUrl, sha256, size);
    }
}
