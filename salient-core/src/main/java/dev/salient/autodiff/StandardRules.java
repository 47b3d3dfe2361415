package dev.salient.autodiff;

import java.util.HashMap;
import java.util.Map;

/** The exact gradient of every supported op, assembled from the per-family rule sets. */
final class StandardRules {
    static final RuleTable TABLE = build();

    private StandardRules() {}

    private static RuleTable build() {
        Map<String, GradientRule> table = new HashMap<>();
        ElementwiseRules.register(table);
        ActivationRules.register(table);
        ConvolutionRules.register(table);
        LinearRules.register(table);
        ShapeRules.register(table);
        NormalizationRules.register(table);
        ResizeRules.register(table);
        EinsumRules.register(table);
        return RuleTable.of("standard", table);
    }
}
