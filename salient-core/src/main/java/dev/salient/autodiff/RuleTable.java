package dev.salient.autodiff;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Backward rules by ONNX op type. A value: {@link #with} returns a new table with one rule replaced, so
 * guided backpropagation or LRP-style rules are the standard table with a few entries overridden.
 */
public final class RuleTable {
    private final Map<String, GradientRule> rules;
    private final String name;

    private RuleTable(String name, Map<String, GradientRule> rules) {
        this.name = name;
        this.rules = Collections.unmodifiableMap(new TreeMap<>(rules));
    }

    /** Exact gradients for every supported op. */
    public static RuleTable standard() {
        return StandardRules.TABLE;
    }

    public static RuleTable of(String name, Map<String, GradientRule> rules) {
        return new RuleTable(name, rules);
    }

    /** A copy with the rule for {@code opType} replaced (or added). */
    public RuleTable with(String opType, GradientRule rule) {
        Map<String, GradientRule> copy = new TreeMap<>(rules);
        copy.put(opType, rule);
        return new RuleTable(name, copy);
    }

    /** A copy renamed: the name keys cached gradient sessions, so distinct tables need distinct names. */
    public RuleTable named(String newName) {
        return new RuleTable(newName, rules);
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
    public String toString() {
        return "RuleTable[" + name + "]";
    }
}
