package dev.salient.cli;

import dev.salient.attribution.ExplainerExporter;
import dev.salient.model.ImageClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code salient export-explainer}: saves the engine's graph as a self-contained ONNX model that outputs the class
 * scores and the attribution map, runnable by any ONNX runtime (C++, Python, the browser).
 */
@Command(name = "export-explainer", mixinStandardHelpOptions = true,
        description = "Write an ONNX model that outputs class scores and an attribution map (gradient, gradient-x-input, gradcam).")
public final class ExportExplainerCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--method", defaultValue = "gradient", description = "gradient, gradient-x-input or gradcam (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--head", defaultValue = "logit", paramLabel = "logit|probability|log-probability",
            description = "What is differentiated (default: ${DEFAULT-VALUE}).")
    String head;

    @Option(names = "--class-input", description = "Add an int64 input 'target_class' [1]; without it the top-1 class is explained.")
    boolean classInput;

    @Option(names = "--layer", description = "Grad-CAM layer (default: the last spatial layer).")
    String layer;

    @Option(names = {"-o", "--out"}, required = true, description = "Output .onnx file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        try (ImageClassifier classifier = modelOptions.open()) {
            byte[] bytes = ExplainerExporter.export(classifier.engine(), method, ExplainCommand.head(head), classInput, layer)
                    .toByteArray();
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(out, bytes);
            System.out.printf("wrote %s (%.1f MB): input '%s' %s%s -> outputs '%s', '%s', '%s'%n", out, bytes.length / 1e6,
                    classifier.info().input(), java.util.Arrays.toString(classifier.engine().inputShape(1)),
                    classInput ? " and '" + ExplainerExporter.TARGET_CLASS + "' [1] int64" : "",
                    ExplainerExporter.SCORES, ExplainerExporter.ATTRIBUTION, ExplainerExporter.CLASS);
        }
        return 0;
    }
}
