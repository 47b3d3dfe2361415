package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;
import dev.salient.engine.GradientResult;

import java.util.List;
import java.util.Map;

/**
 * Guided backpropagation (Springenberg et al. 2015): the input gradient with every ReLU / ReLU6 backward pass
 * replaced by dx = relu(dy)·[unit active], so only positive signal flows back ({@link ModifiedRules#guided()}).
 */
public final class GuidedBackprop extends GradientMethod {
    @Override
    public String name() {
        return "guided-backprop";
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        GradientResult r = single(request, ModifiedRules.guided(), List.of());
        progress.progress(1, 1);
        return new Attribution(r.inputGradient(), request.inputShape(), true,
                Map.of("targetScore", (double) r.target()[0]));
    }
}
