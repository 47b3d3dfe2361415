package dev.salient.autodiff;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Backward rules by ONNX op type. A value: {@link #with} returns a new table with one rule replaced, so
 * guided backpropagation or LRP-style rules are the standard table with a few entries overridden.
 *
 * <p>Equality is by value: two tables are equal when they map the same op types to equal rules. A lambda or method
 * reference is equal only to itself, so a table that replaces a rule with one is never equal to the one it came
 * from, whatever its name; a rule that is a record (LRP's, {@link LrpRules}) is equal to another with the same
 * parameters, so tables built twice with the same parameters share one session. Gradient sessions are cached by
 * this equality; the name is only shown.
 */
public final class RuleTable {
    private final Map<String, GradientRule> rules;
    private final String name;
    private final boolean foldsBatchNorm;
    private int hash;

    private RuleTable(String name, Map<String, GradientRule> rules, boolean foldsBatchNorm) {
        this.name = name;
        this.rules = Collections.unmodifiableMap(new TreeMap<>(rules));
        this.foldsBatchNorm = foldsBatchNorm;
    }

    /** Exact gradients for every supported op. */
    public static RuleTable standard() {
        return StandardRules.TABLE;
    }

    public static RuleTable of(String name, Map<String, GradientRule> rules) {
        return new RuleTable(name, rules, false);
    }

    /** A copy with the rule for {@code opType} replaced (or added). */
    public RuleTable with(String opType, GradientRule rule) {
        Map<String, GradientRule> copy = new TreeMap<>(rules);
        copy.put(opType, rule);
        return new RuleTable(name, copy, foldsBatchNorm);
    }

    /** A copy under another name, for display; the name takes no part in equality. */
    public RuleTable named(String newName) {
        return new RuleTable(newName, rules, foldsBatchNorm);
    }

    /**
     * A copy whose graphs are built with each foldable BatchNormalization merged into the Conv or Gemm before it
     * ({@link dev.salient.graph.BatchNormFolding}), or not: LRP's rules must see a layer's weights and bias as one.
     */
    public RuleTable foldingBatchNorm(boolean fold) {
        return new RuleTable(name, rules, fold);
    }

    /** Whether graphs for this table merge BatchNormalization into the layer before it. */
    public boolean foldsBatchNorm() {
        return foldsBatchNorm;
    }

    public String name() {
        return name;
    }

    public GradientRule rule(String opType) {
        return rules.get(opType);
    }

    public Set<String> supportedOps() {
        return rules.keySet();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RuleTable other) || foldsBatchNorm != other.foldsBatchNorm
                || !rules.keySet().equals(other.rules.keySet())) {
            return false;
        }
        for (Map.Entry<String, GradientRule> e : rules.entrySet()) {
            if (!e.getValue().equals(other.rules.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0) {
            for (Map.Entry<String, GradientRule> e : rules.entrySet()) {
                h += e.getKey().hashCode() ^ e.getValue().hashCode();
            }
            h = 31 * h + Boolean.hashCode(foldsBatchNorm);
            hash = h;
        }
        return h;
    }

    @Override
    public String toString() {
        return "RuleTable[" + name + (foldsBatchNorm ? ", BatchNormalization folded" : "") + "]";
    }
}
