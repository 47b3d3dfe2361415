package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;

import java.util.List;


/**
 * Guided backpropagation (Springenberg et al. 2015): the input gradient with every ReLU / ReLU6 backward pass
 * replaced by dx = relu(dy)·[unit active], so only positive signal flows back ({@link ModifiedRules#guided()}).
 */
public final class GuidedBackprop extends GradientMethod {
    public static final MethodDescription DESCRIPTION = new MethodDescription("guided-backprop", "Guided Backprop",
            "∂F_c/∂x with each ReLU passing back relu(dy) where the unit was active: only positive signal",
            List.of(), new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    MethodTraits.Cost.ONE_GRADIENT), values -> new GuidedBackprop());

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        return inputGradient(request, progress, ModifiedRules.guided());
    }
}
