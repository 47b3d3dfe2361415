package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;

import java.util.List;


/**
 * Deconvnet (Zeiler &amp; Fergus 2014): the input "gradient" with every ReLU / ReLU6 backward pass replaced by
 * dx = relu(dy), ignoring the forward activation ({@link ModifiedRules#deconvnet()}).
 */
public final class Deconvnet extends GradientMethod {
    public static final MethodDescription DESCRIPTION = new MethodDescription("deconvnet", "Deconvnet",
            "∂F_c/∂x with each ReLU passing back relu(dy), whatever the unit's activation", List.of(),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    MethodTraits.Cost.ONE_GRADIENT), values -> new Deconvnet());

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        return inputGradient(request, progress, ModifiedRules.deconvnet());
    }
}
