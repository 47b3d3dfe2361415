package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;
import dev.salient.engine.GradientResult;

import java.util.List;
import java.util.Map;

/**
 * Deconvnet (Zeiler &amp; Fergus 2014): the input "gradient" with every ReLU / ReLU6 backward pass replaced by
 * dx = relu(dy), ignoring the forward activation ({@link ModifiedRules#deconvnet()}).
 */
public final class Deconvnet extends GradientMethod {
    @Override
    public String name() {
        return "deconvnet";
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        GradientResult r = single(request, ModifiedRules.deconvnet(), List.of());
        progress.progress(1, 1);
        return new Attribution(r.inputGradient(), request.inputShape(), true,
                Map.of("targetScore", (double) r.target()[0]));
    }
}
