package dev.salient.cli;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ExplainerExporter;
import dev.salient.attribution.ParameterDescription;
import dev.salient.autodiff.TargetHead;
import dev.salient.model.ImageClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code salient export-explainer}: saves the engine's graph as a self-contained ONNX model that outputs the class
 * scores and the attribution map, runnable by any ONNX runtime (C++, Python, the browser).
 */
@Command(name = "export-explainer", mixinStandardHelpOptions = true,
        description = "Write an ONNX model that outputs class scores and an attribution map.",
        modelTransformer = ExportExplainerCommand.Options.class,
        defaultValueProvider = ExportExplainerCommand.Exportable.class)
public final class ExportExplainerCommand implements Callable<Integer> {
    /** --head, from its description in core, with the exporter's own default: the logit. */
    static final class Options extends DescribedOptions {
        static final ParameterDescription<TargetHead> HEAD = AttributionRequest.HEAD.withDefault(TargetHead.LOGIT);

        @Override
        List<ParameterDescription<?>> parameters() {
            return List.of(HEAD);
        }
    }

    /** --method takes the methods whose traits say they can be exported, the first by default. */
    static final class Exportable extends MethodChoices {
        @Override
        List<String> methods() {
            return AttributionMethods.exportable();
        }
    }

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--method", completionCandidates = Exportable.class,
            description = "One of: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "--class-input", description = "Add an int64 input 'target_class' [1]; without it the top-1 class is explained.")
    boolean classInput;

    @Option(names = "--layer", description = "Grad-CAM layer (default: the last spatial layer).")
    String layer;

    @Option(names = {"-o", "--out"}, required = true, description = "Output .onnx file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        try (ImageClassifier classifier = modelOptions.open()) {
            byte[] bytes = ExplainerExporter.export(classifier.engine(), method,
                    DescribedOptions.value(spec, Options.HEAD), classInput, layer)
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
