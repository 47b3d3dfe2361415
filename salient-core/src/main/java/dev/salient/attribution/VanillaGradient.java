package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;

import java.util.List;


/**
 * Saliency / vanilla gradient (Simonyan et al. 2013): the gradient of the target with respect to the input,
 * A(x) = ∂F_c(x)/∂x, where F_c is the logit, probability or log-probability of class c (the request's head).
 */
public final class VanillaGradient extends GradientMethod {
    public static final MethodDescription DESCRIPTION = new MethodDescription("gradient", "Gradient (demo)",
            "∂F_c/∂x: the gradient of the class score with respect to the input (the original demo)", List.of(),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.FIXED, true,
                    MethodTraits.Cost.ONE_GRADIENT), values -> new VanillaGradient());

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        return inputGradient(request, progress, RuleTable.standard());
    }
}
