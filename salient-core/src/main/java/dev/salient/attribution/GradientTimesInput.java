package dev.salient.attribution;

import dev.salient.autodiff.RuleTable;
import dev.salient.engine.GradientResult;

import java.util.List;
import java.util.Map;

/**
 * Gradient × input (Shrikumar et al. 2016): the elementwise product of the input and the gradient of the target,
 * A(x) = x ⊙ ∂F_c(x)/∂x.
 */
public final class GradientTimesInput extends GradientMethod {
    @Override
    public String name() {
        return "gradient-x-input";
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
