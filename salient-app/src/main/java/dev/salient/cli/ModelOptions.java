package dev.salient.cli;

import dev.salient.catalog.DownloadListener;
import dev.salient.catalog.ModelResolver;
import dev.salient.catalog.ResolvedModel;
import dev.salient.catalog.ResolverSettings;
import dev.salient.engine.EngineOptions;
import dev.salient.image.Layout;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Options shared by every command that loads a model: which model, and overrides of its sidecar. */
public final class ModelOptions {
    @Option(names = {"-m", "--model"}, paramLabel = "NAME|PATH|URL",
            description = "Catalog name, ONNX/TFLite file or URL (default: the catalog's default model).")
    String model;

    @Option(names = "--labels", paramLabel = "FILE", description = "Labels file, one class per line.")
    Path labels;

    @Option(names = "--input", paramLabel = "NAME", description = "Name of the image input tensor.")
    String input;

    @Option(names = "--output", paramLabel = "NAME", description = "Name of the class-score tensor.")
    String output;

    @Option(names = "--size", paramLabel = "WxH", description = "Model input size, e.g. 224x224.")
    String size;

    @Option(names = "--layout", description = "Input layout: NCHW or NHWC.")
    Layout layout;

    @Option(names = "--resize", paramLabel = "MODE", description = "stretch or center_crop.")
    String resize;

    @Option(names = "--scale", description = "Factor applied to 0..255 pixels (1/255 gives [0,1]).")
    Double scale;

    @Option(names = "--mean", split = ",", paramLabel = "R,G,B", description = "Per-channel mean, after scaling.")
    double[] mean;

    @Option(names = "--std", split = ",", paramLabel = "R,G,B", description = "Per-channel std, after scaling.")
    double[] std;

    @Option(names = "--keep-softmax", description = "Attribute on a final Softmax's probabilities instead of the logits.")
    boolean keepSoftmax;

    @Option(names = "--offline", description = "Never download; use the mirror (SALIENT_MIRROR) or cache only.")
    boolean offline;

    @Option(names = "--threads", description = "Threads of ONNX Runtime's shared pool, and chunks that many-sample "
            + "methods run at once, one per thread (default: one per core).")
    int threads;

    private ResolverSettings settings() {
        ResolverSettings settings = ResolverSettings.fromEnvironment();
        return offline ? settings.withOffline(true) : settings;
    }

    public ResolvedModel resolve() throws IOException {
        ModelResolver resolver = ModelResolver.fromSettings(settings());
        try (DownloadProgress progress = new DownloadProgress()) {
            ResolvedModel resolved = resolver.resolve(model, progress);
            if (labels != null) {
                resolved = new ResolvedModel(resolved.name(), resolved.modelFile(), labels, resolved.sidecar(),
                        resolved.source(), resolved.verified());
            }
            return resolved;
        }
    }

    public ModelConfig overrides() {
        Integer width = null;
        Integer height = null;
        if (size != null) {
            String[] parts = size.toLowerCase(Locale.ROOT).split("x");
            if (parts.length != 2) {
                throw new IllegalArgumentException("--size must look like 224x224, got '" + size + "'");
            }
            width = ModelConfig.pixels("--size width", parts[0]);
            height = ModelConfig.pixels("--size height", parts[1]);
        }
        return new ModelConfig(input, output, layout, width, height,
                resize == null ? null : ModelConfig.resizeMode(resize), null, scale, mean, std,
                null, keepSoftmax ? Boolean.TRUE : null); // --labels is ResolvedModel.labelsFile: the user's choice
    }

    public ImageClassifier open() throws IOException {
        return ImageClassifier.load(resolve(), overrides(), engineOptions());
    }

    /** Engine settings from the flags (--threads) and the engine's disk cache folder of the resolver settings. */
    public EngineOptions engineOptions() {
        return new EngineOptions(threads, EngineOptions.DEFAULT.maxCachedGraphs(), settings().engineCache());
    }

    /** A download progress bar on stderr, shown only while a file is actually downloading. */
    private static final class DownloadProgress implements DownloadListener, AutoCloseable {
        private me.tongfei.progressbar.ProgressBar bar;
        private String file;

        @Override
        public void progress(String fileName, long bytesDone, long bytesTotal) {
            if (bar == null || !fileName.equals(file)) {
                close();
                file = fileName;
                bar = new me.tongfei.progressbar.ProgressBarBuilder().setTaskName("download " + fileName)
                        .setInitialMax(Math.max(bytesTotal, 0)).setUnit(" MB", 1_000_000)
                        .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
            }
            bar.stepTo(bytesDone);
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
