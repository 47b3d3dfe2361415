package dev.salient.catalog;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns what a user typed ({@code --model X}) into a model file on local disk.
 *
 * <ol>
 *   <li>An existing file path is used as is, with a sibling {@code NAME.json} sidecar if there is one
 *       ({@code NAME} is the file name without extension; {@code NAME.onnx.json} is accepted too).</li>
 *   <li>An {@code http(s)://} URL is downloaded into {@code CACHE/url/HOST/} under its file name and reused
 *       from there later; no checksum is known for it, which {@link ResolvedModel#verified()} reports. A URL
 *       that is a catalog entry's URL is treated as that entry.</li>
 *   <li>A catalog name is looked up in the cache, then the mirror folder (whose copy is copied into the cache,
 *       so the next run finds it without the mirror), then downloaded into the cache (unless offline); every copy
 *       must match the catalog's sha256. Its labels file is resolved the same way.</li>
 * </ol>
 * URL downloads live in their own sub-folder so that a file with a catalog file name but unknown content can
 * never shadow the verified catalog copy.
 */
public final class ModelResolver {

    private final ModelCatalog catalog;
    private final ResolverSettings settings;
    private final Downloader downloader;
    private final FileVerifier verifier;

    public ModelResolver(ModelCatalog catalog, ResolverSettings settings, HttpClient client) {
        this(catalog, settings, new Downloader(client));
    }

    /** With a downloader of one's own, e.g. shorter time limits in tests. */
    public ModelResolver(ModelCatalog catalog, ResolverSettings settings, Downloader downloader) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.downloader = Objects.requireNonNull(downloader, "downloader");
        this.verifier = downloader.verifier();
    }

    /** Built-in catalog, settings from the environment, {@link Downloader#defaultHttpClient()} made on first download. */
    public static ModelResolver fromEnvironment() {
        return fromSettings(ResolverSettings.fromEnvironment());
    }

    /** Built-in catalog, {@link Downloader#defaultHttpClient()} made on first download. */
    public static ModelResolver fromSettings(ResolverSettings settings) {
        return new ModelResolver(ModelCatalog.builtIn(), settings, new Downloader(Downloader::defaultHttpClient));
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    public ResolverSettings settings() {
        return settings;
    }

    /**
     * Resolves a file path, an http(s) URL or a catalog name; a null or blank argument means the default model.
     *
     * @throws ModelUnavailableException if the name is unknown, or the model is not on disk and downloads are off
     * @throws ModelDownloadException    if a download failed or did not match its checksum
     */
    public ResolvedModel resolve(String nameOrPathOrUrl, DownloadListener listener) throws IOException {
        DownloadListener events = listener == null ? DownloadListener.NONE : listener;
        if (nameOrPathOrUrl == null || nameOrPathOrUrl.isBlank()) {
            return resolveEntry(catalog.defaultEntry(), events);
        }
        String arg = nameOrPathOrUrl.trim();
        String lower = arg.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return resolveUrl(URI.create(arg), events);
        }
        Optional<Path> path = asExistingFile(arg);
        if (path.isPresent()) {
            return ResolvedModel.atPath(path.get());
        }
        Optional<CatalogEntry> entry = catalog.find(arg);
        if (entry.isPresent()) {
            return resolveEntry(entry.get(), events);
        }
        throw new ModelUnavailableException("no model '" + arg + "': it is not an existing file ("
                + Path.of("").toAbsolutePath() + " is the working folder), not an http(s) URL, and not in the catalog "
                + "(known models: " + String.join(", ", catalog.names()) + ")");
    }

    /** A catalogued file (e.g. an example photo): mirror, then cache, then download, always sha256-verified. */
    public Path resolveFile(CatalogFile file, DownloadListener listener) throws IOException {
        return fetch(file, listener == null ? DownloadListener.NONE : listener).path();
    }

    /** Resolves a catalog entry and its labels. */
    public ResolvedModel resolveEntry(CatalogEntry entry, DownloadListener listener) throws IOException {
        Fetched model = fetch(entry.modelFile(), listener);
        Path labels = entry.labels() == null ? null : fetch(entry.labels(), listener).path();
        return new ResolvedModel(entry.name(), model.path(), labels, entry.sidecar(), model.source(), true);
    }

    private record Fetched(Path path, String source) { }

    /**
     * A verified local copy of a catalogued file: the cache's, else the mirror's copied into the cache (so it is
     * there on the next run without the mirror), else a download into the cache.
     */
    private Fetched fetch(CatalogFile file, DownloadListener events) throws IOException {
        Path cached = settings.cacheFile(file.fileName());
        if (verifier.cachedMatches(cached, file.sha256())) {
            return new Fetched(cached, "cache");
        }
        String mirrorNote = null;
        Path mirrored = settings.mirrorFile(file.fileName());
        if (mirrored != null && Files.isRegularFile(mirrored)) {
            String actual = verifier.remembered(mirrored);
            if (actual.equals(file.sha256())) {
                return new Fetched(downloader.copy(mirrored, cached, file.sha256()).file(), "mirror");
            }
            // A wrong mirror copy is not fatal (a download may still serve), but it must be told.
            mirrorNote = mirrored + " is there, but its sha256 is " + actual + ", not the expected " + file.sha256();
        }
        if (settings.offline()) {
            throw new ModelUnavailableException(offlineMessage(file, cached, mirrored, mirrorNote));
        }
        Downloader.Result result = downloader.download(file.url(), cached, file.sha256(), file.size(), events);
        return new Fetched(result.file(), result.transferred() ? "download" : "cache");
    }

    /** Where an offline look-up searched, as one sentence for each case (mirror set or not), and what to do. */
    private String offlineMessage(CatalogFile file, Path cached, Path mirrored, String mirrorNote) {
        String cache = Files.exists(cached) ? cached + " is there, but its sha256 does not match"
                : cached + " is not there";
        String where = settings.mirror() == null
                ? "it is not in the cache (" + cache + "), and no mirror folder is set (SALIENT_MIRROR)"
                : "it is neither in the mirror (" + (mirrorNote != null ? mirrorNote : mirrored + " is not there")
                + ") nor in the cache (" + cache + ")";
        return file.fileName() + " is not available offline: " + where + ". To fetch it, run again with downloads "
                + "allowed (unset SALIENT_OFFLINE / drop --offline), or download " + file.url() + " (sha256 "
                + file.sha256() + ") yourself and put it at " + cached + ".";
    }

    private ResolvedModel resolveUrl(URI url, DownloadListener events) throws IOException {
        for (CatalogEntry entry : catalog.entries()) {
            if (entry.url().equals(url)) {
                return resolveEntry(entry, events);
            }
        }
        String fileName = fileNameOf(url);
        String host = url.getHost() == null ? "unknown-host" : url.getHost() + (url.getPort() > 0 ? "_" + url.getPort() : "");
        Path target = settings.cache().resolve("url").resolve(host).resolve(fileName);
        if (Files.isRegularFile(target)) {
            return new ResolvedModel(fileName, target, null, null, "cache", false);
        }
        if (settings.offline()) {
            throw new ModelUnavailableException(url + " is not available offline: it is not in the cache at " + target
                    + ". Run again with downloads allowed (unset SALIENT_OFFLINE / drop --offline), or download it "
                    + "yourself and pass the file path instead of the URL.");
        }
        Downloader.Result result = downloader.download(url, target, null, -1, events);
        return new ResolvedModel(fileName, result.file(), null, null, result.transferred() ? "download" : "cache",
                false);
    }

    private static Optional<Path> asExistingFile(String arg) {
        try {
            Path p = Path.of(arg.startsWith("~/") ? System.getProperty("user.home") + arg.substring(1) : arg);
            return Files.isRegularFile(p) ? Optional.of(p.toAbsolutePath().normalize()) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static String fileNameOf(URI url) throws ModelUnavailableException {
        String path = url.getPath() == null ? "" : url.getPath(); // decoded, and '+' stays '+'
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.isBlank() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")) {
            throw new ModelUnavailableException("cannot tell a file name from " + url
                    + ": give a URL that ends in the model's file name, e.g. https://host/path/model.onnx");
        }
        return name;
    }
}
