package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;
import dev.salient.engine.GradientResult;

import java.util.List;
import java.util.Map;

/**
 * Gradient × input (Shrikumar et al. 2016): the elementwise product of the input and the gradient of the target,
 * A(x) = x ⊙ ∂F_c(x)/∂x.
 *
 * <p>Captum's InputXGradient is the same map (with the logit as target). On the peers' random-weight models the two
 * agree to 4e-7 relative L2, except where one float32 ReLU or MaxPool decision near a tie goes the other way in one
 * of them: then up to 2.5e-3, all of it inside that decision's receptive field, and float64 sides with either
 * (CaptumGradientFamilyTest).
 */
public final class GradientTimesInput extends GradientMethod {
    public static final MethodDescription DESCRIPTION = new MethodDescription("gradient-x-input", "Gradient × input",
            "x ⊙ ∂F_c/∂x: the input times its gradient", List.of(),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, true,
                    MethodTraits.Cost.ONE_GRADIENT), values -> new GradientTimesInput());

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        GradientResult r = single(request, RuleTable.standard(), List.of());
        float[] x = request.input();
        float[] g = r.inputGradient();
        float[] a = new float[g.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = x[i] * g[i];
        }
        progress.progress(1, 1);
        return new Attribution(a, request.inputShape(), true, Map.of("targetScore", (double) r.target()[0]));
    }
}
