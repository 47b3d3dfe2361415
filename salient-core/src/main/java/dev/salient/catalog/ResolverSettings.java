package dev.salient.catalog;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where model files are looked for and kept.
 *
 * @param mirror  read-only folder holding published files under their catalog file names, or null
 * @param cache   writable folder downloads go to (created on demand)
 * @param offline if true, nothing is ever downloaded
 */
public record ResolverSettings(Path mirror, Path cache, boolean offline) {

    public ResolverSettings {
        Objects.requireNonNull(cache, "cache");
        cache = cache.toAbsolutePath().normalize();
        mirror = mirror == null ? null : mirror.toAbsolutePath().normalize();
    }

    /**
     * From the process environment: {@code SALIENT_MIRROR} (optional mirror folder), {@code SALIENT_HOME}
     * (cache folder, default {@code ~/.cache/salient}) and {@code SALIENT_OFFLINE} ({@code 1}/{@code true}).
     */
    public static ResolverSettings fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** As {@link #fromEnvironment()}, with the variables and home folder given (for tests). */
    public static ResolverSettings fromEnvironment(Map<String, String> env, Path userHome) {
        String mirror = env.get("SALIENT_MIRROR");
        String home = env.get("SALIENT_HOME");
        String offline = env.getOrDefault("SALIENT_OFFLINE", "").trim().toLowerCase(Locale.ROOT);
        return new ResolverSettings(
                isBlank(mirror) ? null : Path.of(mirror),
                isBlank(home) ? userHome.resolve(".cache").resolve("salient") : Path.of(home),
                offline.equals("1") || offline.equals("true") || offline.equals("yes"));
    }

    /** The same settings with downloads switched on or off. */
    public ResolverSettings withOffline(boolean newOffline) {
        return new ResolverSettings(mirror, cache, newOffline);
    }

    /** Where a catalogued file would be in the mirror, or null without a mirror. */
    public Path mirrorFile(String fileName) {
        return mirror == null ? null : mirror.resolve(fileName);
    }

    /** Where the engine keeps built graphs, probed shapes and measured chunk sizes ({@code dev.salient.engine.DiskCache}). */
    public Path engineCache() {
        return cache.resolve("engine");
    }

    /** Where a catalogued file is kept in the cache. */
    public Path cacheFile(String fileName) {
        return cache.resolve(fileName);
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
