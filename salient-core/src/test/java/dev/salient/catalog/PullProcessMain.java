package dev.salient.catalog;

import java.net.URI;
import java.nio.file.Path;

/** Run in a child JVM by the two-process test: pulls the default model from a base URL into a cache folder. */
public final class PullProcessMain {
    private PullProcessMain() { }

    public static void main(String[] args) throws Exception {
        ModelCatalog catalog = ModelCatalog.builtIn().withBaseUrl(URI.create(args[0]));
        ModelResolver resolver = new ModelResolver(catalog, new ResolverSettings(null, Path.of(args[1]), false),
                Downloader.defaultHttpClient());
        ResolvedModel model = resolver.resolve(catalog.defaultEntry().name(), DownloadListener.NONE);
        System.out.println("source=" + model.source() + " file=" + model.modelFile());
    }
}
