package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;


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
        return inputGradient(request, progress, ModifiedRules.deconvnet());
    }
}
