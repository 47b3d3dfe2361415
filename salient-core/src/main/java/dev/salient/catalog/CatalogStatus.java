package dev.salient.catalog;

import java.nio.file.Path;

/**
 * Whether a catalog model is on this machine, for a {@code models} listing. Presence is judged by name and
 * size only, so the listing stays fast for large models; {@link ModelResolver} verifies sha256 before use.
 *
 * @param entry    the catalog entry
 * @param inMirror the mirror holds a file of that name and size
 * @param cached   the cache holds a file of that name and size
 * @param location the local copy that would be used (mirror first), or null if none
 */
public record CatalogStatus(CatalogEntry entry, boolean inMirror, boolean cached, Path location) {

    /** True if the model can be used without a download. */
    public boolean available() {
        return inMirror || cached;
    }
}
