package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;


/**
 * Saliency / vanilla gradient (Simonyan et al. 2013): the gradient of the target with respect to the input,
 * A(x) = ∂F_c(x)/∂x, where F_c is the logit, probability or log-probability of class c (the request's head).
 */
public final class VanillaGradient extends GradientMethod {
    @Override
    public String name() {
        return "gradient";
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        return inputGradient(request, progress, RuleTable.standard());
    }
}
