package dev.salient.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.model.ClassScore;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code salient classify IMAGE...}: the top-K classes with their probabilities. */
@Command(name = "classify", mixinStandardHelpOptions = true, description = "Classify photos: top-K labels with probabilities.")
public final class ClassifyCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "Photo files (JPEG, PNG, BMP, GIF, WebP).")
    List<Path> images;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--top", defaultValue = "5", description = "How many classes to show (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1");
        }
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode results = mapper.createArrayNode();
        try (ImageClassifier classifier = modelOptions.open()) {
            for (Path image : images) {
                Classification c = classifier.classify(ImageDecoder.decode(image, ImageLimits.DEFAULT), top);
                if (json) {
                    ObjectNode item = results.addObject().put("file", image.toString());
                    ArrayNode classes = item.putArray("top");
                    for (ClassScore s : c.top()) {
                        classes.addObject().put("index", s.index()).put("label", s.label())
                                .put("probability", s.probability()).put("logit", s.logit());
                    }
                } else {
                    if (images.size() > 1) {
                        System.out.println(image + ":");
                    }
                    for (ClassScore s : c.top()) {
                        System.out.printf("%6.2f%%  %4d  %s%n", 100 * s.probability(), s.index(), s.label());
                    }
                }
            }
        }
        if (json) {
            System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(
                    images.size() == 1 ? results.get(0) : results));
        }
        return 0;
    }
}
