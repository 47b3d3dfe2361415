package dev.salient.cli;

import dev.salient.catalog.DownloadListener;
import dev.salient.catalog.ModelResolver;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.image.ImageLimits;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import dev.salient.web.MethodRegistry;
import dev.salient.web.ModelRegistry;
import dev.salient.web.SalientServer;
import dev.salient.web.WebConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code salient serve}: the web app (page, JSON API and API docs). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Starts the web app: pick a photo, see the top classes and why the model chose them.",
                "The page is at http://HOST:PORT/, the API docs at /docs."})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "NAME|PATH|URL",
            description = "Model to serve; repeat for a model picker (default: the catalog's default model). "
                    + "The first is the default.")
    List<String> models = new ArrayList<>();

    @Option(names = "--examples", paramLabel = "DIR",
            description = "Folder of example photos for the gallery (PNG, JPEG, BMP, GIF, WebP; credits from "
                    + "credits.json or CREDITS.txt). Default: the catalog's example photos (mirror, cache or download).")
    Path examples;

    @Option(names = "--host", defaultValue = WebConfig.DEFAULT_HOST,
            description = "Address to bind (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 exposes the "
                    + "app to the network).")
    String host;

    @Option(names = {"-p", "--port"}, defaultValue = "7860", description = "Port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-upload-mb", defaultValue = "20", description = "Upload size limit in MB "
            + "(default: ${DEFAULT-VALUE}).")
    double maxUploadMb;

    @Option(names = "--max-megapixels", defaultValue = "50", description = "Photo size limit in megapixels "
            + "(default: ${DEFAULT-VALUE}).")
    double maxMegapixels;

    @Option(names = "--workers", defaultValue = "2", description = "Threads running networks "
            + "(default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--queue", defaultValue = "8", description = "Requests that may wait for a worker; beyond "
            + "that the server answers 503 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--timeout", defaultValue = "120", description = "Time limit of one attribution in "
            + "seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--cache-mb", defaultValue = "256", description = "Memory for cached attributions in MB "
            + "(default: ${DEFAULT-VALUE}).")
    long cacheMb;

    @Override
    public Integer call() throws Exception {
        if (examples != null && !Files.isDirectory(examples)) {
            System.err.println("salient serve: --examples " + examples + " is not a folder");
            return 2;
        }
        if (maxUploadMb <= 0 || maxMegapixels <= 0 || workers < 1 || queue < 0 || timeoutSeconds < 1
                || cacheMb < 1) {
            System.err.println("salient serve: limits must be positive");
            return 2;
        }
        ModelResolver resolver = ModelResolver.fromEnvironment();
        List<ImageClassifier> classifiers = new ArrayList<>();
        List<String> wanted = new ArrayList<>(models);
        if (wanted.isEmpty()) {
            wanted.add(null); // the catalog's default model
        }
        for (String m : wanted) {
            ResolvedModel resolved = resolver.resolve(m, DownloadListener.NONE);
            System.err.println("loading " + resolved.describe());
            classifiers.add(ImageClassifier.load(resolved, ModelConfig.EMPTY,
                    EngineOptions.DEFAULT.withCacheFolder(resolver.settings().engineCache())));
        }
        Path gallery = examples != null ? examples : catalogExamples(resolver);
        WebConfig config = new WebConfig(host, port, gallery,
                new ImageLimits(Math.round(maxUploadMb * 1e6), Math.round(maxMegapixels * 1e6)), workers, queue,
                Duration.ofSeconds(timeoutSeconds), cacheMb << 20, 512L << 20);
        SalientServer server = new SalientServer(config, new ModelRegistry(classifiers), MethodRegistry.standard())
                .start();
        System.out.println("Salient is serving " + server.url() + "/  (API docs: " + server.url()
                + "/docs; Ctrl+C stops)");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    /**
     * The catalog's example photos gathered in {@code SALIENT_HOME/examples}, each resolved like a model
     * (mirror, cache, then download); null, with a note, when they cannot be had (e.g. offline).
     */
    public static Path catalogExamples(ModelResolver resolver) {
        try {
            Path folder = Files.createDirectories(resolver.settings().cache().resolve("examples"));
            for (dev.salient.catalog.CatalogFile photo : resolver.catalog().examples()) {
                Path file = resolver.resolveFile(photo, DownloadListener.NONE);
                Path target = folder.resolve(photo.fileName());
                if (!Files.exists(target)) {
                    Files.copy(file, target);
                }
            }
            return folder;
        } catch (java.io.IOException e) {
            System.err.println("salient serve: no example gallery (" + e.getMessage() + ")");
            return null;
        }
    }
}
