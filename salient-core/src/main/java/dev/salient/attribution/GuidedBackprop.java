package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;


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
        return inputGradient(request, progress, ModifiedRules.guided());
    }
}
