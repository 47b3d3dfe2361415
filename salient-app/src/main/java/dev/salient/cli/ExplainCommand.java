package dev.salient.cli;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.GradientResult;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Preprocessing;
import dev.salient.image.Preprocessor;
import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import dev.salient.render.NpyWriter;
import dev.salient.render.Overlay;
import dev.salient.render.PngWriter;
import dev.salient.render.RenderOptions;
import dev.salient.render.Renderer;
import dev.salient.render.Scaling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code salient explain IMAGE}: the original demo's explanation. Gradient of the target class's
 * log-probability with respect to the input, mean over colour channels, absolute value, times the
 * sensitivity, clamped to [0,1]: a grey mask at the photo's size, optionally multiplied into the photo.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Explain a classification: which pixels moved the class score.")
public final class ExplainCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE", description = "Photo file.")
    Path image;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--target", defaultValue = "top1", paramLabel = "top1|INDEX|LABEL",
            description = "Class to explain: top1 (or topK), a class index, or a label (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = {"-o", "--out"}, defaultValue = "explanation.png", description = "Output PNG (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--sensitivity", defaultValue = "20", description = "Gradient scaling (default: ${DEFAULT-VALUE}, the demo's).")
    double sensitivity;

    @Option(names = "--blend", description = "Multiply the explanation into the photo.")
    boolean blend;

    @Option(names = "--raw", paramLabel = "FILE.npy",
            description = "Also write the raw float32 gradient w.r.t. the model input (NCHW, before aggregation).")
    Path raw;

    @Override
    public Integer call() throws Exception {
        if (!(sensitivity >= 0) || Double.isInfinite(sensitivity)) {
            throw new IllegalArgumentException("--sensitivity must be a non-negative number");
        }
        BufferedImage photo = ImageDecoder.decode(image, ImageLimits.DEFAULT);
        try (ImageClassifier classifier = modelOptions.open()) {
            float[] input = classifier.toInput(photo);
            Classification classification = classifier.classifyInput(input, 5);
            int cls = classifier.resolveTarget(target, classification);
            float[] seed = new float[classifier.classes()];
            seed[cls] = 1f;
            GradientResult result = classifier.engine()
                    .gradientSession(TargetHead.LOG_PROBABILITY, RuleTable.standard(), List.of(), 1)
                    .run(input, seed, 1);
            Preprocessing p = classifier.preprocessing();
            RenderOptions options = new RenderOptions(RenderOptions.DEMO.aggregation(), new Scaling.Sensitivity(sensitivity),
                    RenderOptions.DEMO.colorMap(), blend ? Overlay.MULTIPLY : Overlay.MASK, RenderOptions.DEMO.opacity());
            BufferedImage rendered = Renderer.render(photo,
                    Preprocessor.sourceRegion(photo.getWidth(), photo.getHeight(), p), result.inputGradient(),
                    3, p.height(), p.width(), p.layout(), options);
            PngWriter.write(rendered, out);
            if (raw != null) {
                NpyWriter.write(raw, nchw(result.inputGradient(), p), 1, 3, p.height(), p.width());
            }
            System.out.printf("%s: explained class %d (%s, p=%.3f) -> %s%n", image, cls,
                    classifier.labels().name(cls), probability(classifier, classification, cls), out);
        }
        return 0;
    }

    private static double probability(ImageClassifier classifier, Classification c, int cls) {
        return classifier.classification(c.logits(), classifier.classes()).top().stream()
                .filter(s -> s.index() == cls).findFirst().orElseThrow().probability();
    }

    /** The gradient in NCHW order whatever the model's layout, as the --raw option promises. */
    static float[] nchw(float[] values, Preprocessing p) {
        if (p.layout() == dev.salient.image.Layout.NCHW) {
            return values;
        }
        int h = p.height();
        int w = p.width();
        float[] out = new float[values.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    out[(c * h + y) * w + x] = values[(y * w + x) * 3 + c];
                }
            }
        }
        return out;
    }
}
