package dev.salient.web;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.GradientResult;
import dev.salient.model.ImageClassifier;

import java.util.List;
import java.util.Map;

/** The original demo's method: the gradient of the class's log-probability with respect to the input pixels. */
final class DemoGradient implements ExplainMethod {
    @Override
    public String name() {
        return "gradient";
    }

    @Override
    public String label() {
        return "Gradient (demo)";
    }

    @Override
    public String description() {
        return "Vanilla gradient of the class's log-probability with respect to the input, as in the original demo.";
    }

    @Override
    public List<ParamSpec> params() {
        return List.of();
    }

    @Override
    public RawAttribution attribute(ImageClassifier classifier, float[] input, int classIndex,
                                    Map<String, Object> params, Progress progress) {
        var engine = classifier.engine();
        float[] seed = new float[engine.classes()];
        seed[classIndex] = 1;
        progress.progress(0, 1);
        GradientResult r = engine.gradientSession(TargetHead.LOG_PROBABILITY, RuleTable.standard(), List.of(), 1)
                .run(input, seed, 1);
        progress.progress(1, 1);
        long[] s = engine.inputShape(1);
        return new RawAttribution(r.inputGradient(), java.util.Arrays.copyOfRange(s, 1, s.length), true);
    }
}
