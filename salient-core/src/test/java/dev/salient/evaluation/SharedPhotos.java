package dev.salient.evaluation;

import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ProgressListener;
import dev.salient.autodiff.TargetHead;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;
import dev.salient.image.Preprocessor;
import dev.salient.model.ImageClassifier;
import dev.salient.render.ChannelAggregation;
import dev.salient.testing.SharedData;

import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shared MobileNetV2 (loaded once per JVM), the shared photos and their hand-marked boxes, explained. */
final class SharedPhotos {
    /** Photos with a box file in the test resources (kite.jpg and scream.jpg name no boxable object). */
    static final List<String> BOXED = List.of("bird.bmp", "cat.bmp", "cat_720p.jpg", "dog.jpg", "dragonfly.bmp",
            "eagle.jpg", "giraffe.jpg", "horses.jpg", "hot_dog.jpg", "parrot.jpg", "person.jpg");
    static final List<String> ALL = List.of("bird.bmp", "cat.bmp", "cat_720p.jpg", "dog.jpg", "dragonfly.bmp",
            "eagle.jpg", "giraffe.jpg", "horses.jpg", "hot_dog.jpg", "kite.jpg", "parrot.jpg", "person.jpg", "scream.jpg");
    /** The eight methods of the default evaluation. */
    static final List<String> METHODS = List.of("gradient", "gradient-x-input", "smoothgrad", "integrated-gradients",
            "guided-backprop", "gradcam", "gradcam++", "occlusion");

    private static ImageClassifier mobileNet;

    private SharedPhotos() {}

    static synchronized ImageClassifier mobileNet() {
        if (mobileNet == null) {
            mobileNet = ImageClassifier.load(SharedData.mobileNetV2());
        }
        return mobileNet;
    }

    /** The folder of box files in the test resources. */
    static Path boxes() {
        URL url = SharedPhotos.class.getResource("/boxes/bird.json");
        if (url == null) {
            throw new AssertionError("test resource boxes/bird.json is missing");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** One photo as a request for its top class, with its boxes (if any). */
    record Photo(String name, AttributionRequest request, GroundTruth truth) {}

    static Photo photo(String name) {
        ImageClassifier c = mobileNet();
        BufferedImage image = ImageDecoder.decode(SharedData.image(name), ImageLimits.DEFAULT);
        float[] input = c.toInput(image);
        int top = c.classifyInput(input, 1).best().index();
        Path file = ObjectBoxes.fileFor(boxes(), name);
        GroundTruth truth = file == null ? null : new GroundTruth(ObjectBoxes.read(file).on(image.getWidth(),
                image.getHeight()), Preprocessor.sourceRegion(image.getWidth(), image.getHeight(), c.preprocessing()));
        return new Photo(name, AttributionRequest.of(c, input, top, TargetHead.LOG_PROBABILITY), truth);
    }

    static EvaluationCase explain(Photo p, AttributionMethod method) {
        return EvaluationCase.explain(p.name(), method, p.request(), ChannelAggregation.SIGNED_MEAN, p.truth(),
                ProgressListener.NONE);
    }

    static EvaluationCase explain(Photo p, String method) {
        AttributionMethod m = Baselines.byName(method);
        return explain(p, m != null ? m : AttributionMethods.create(method));
    }

    /** Every photo explained by every method (baseline names allowed), photo by photo. */
    static List<EvaluationCase> cases(List<String> photos, List<String> methods) {
        List<EvaluationCase> out = new ArrayList<>();
        for (String name : photos) {
            Photo p = photo(name);
            for (String m : methods) {
                out.add(explain(p, m));
            }
        }
        return out;
    }
}
