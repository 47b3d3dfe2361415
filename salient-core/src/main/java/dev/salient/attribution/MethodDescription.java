package dev.salient.attribution;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Everything about an attribution method that is not its arithmetic, written once next to its code (each method
 * class declares a {@code DESCRIPTION}); {@link AttributionMethods} lists them. The command line's help, its
 * {@code -P} parsing and {@code salient methods}, the web API's parameters, the page's controls and the OpenAPI
 * document are all derived from it.
 *
 * @param name       registry name, e.g. {@code smoothgrad}
 * @param title      name for people, e.g. "SmoothGrad" (the page's label)
 * @param summary    one line with the formula
 * @param parameters its parameters, in display order
 * @param traits     what its map is like and what it costs
 * @param factory    builds the method from checked values of exactly these parameters
 */
public record MethodDescription(String name, String title, String summary, List<ParameterDescription<?>> parameters,
                                MethodTraits traits, Function<ParameterValues, AttributionMethod> factory) {
    public MethodDescription {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(traits, "traits");
        Objects.requireNonNull(factory, "factory");
        parameters = List.copyOf(parameters);
        Set<String> seen = new HashSet<>();
        for (ParameterDescription<?> p : parameters) {
            if (!seen.add(p.name())) {
                throw new IllegalArgumentException(name + " describes parameter '" + p.name() + "' twice");
            }
        }
    }

    /** The parameter called {@code key}, if the method has one. */
    public Optional<ParameterDescription<?>> parameter(String key) {
        return parameters.stream().filter(p -> p.name().equals(key)).findFirst();
    }

    /** Every parameter at its default. */
    public ParameterValues defaults() {
        return parse(Map.of());
    }

    /** Checked values from text, as the command line and the library give them (any parameter may be set). */
    public ParameterValues parse(Map<String, String> raw) {
        return parse(raw, Set.of(ParameterDescription.Access.values()));
    }

    /**
     * Checked values from text; missing parameters take their defaults.
     *
     * @param allowed who is asking: a web request passes {@code REQUEST} only, so that {@code OPERATOR} parameters
     *                keep their defaults and setting one is refused
     * @throws InvalidParameterException naming a parameter the method does not have, one the caller may not set, or
     *                                   a value out of its limits
     */
    public ParameterValues parse(Map<String, String> raw, Set<ParameterDescription.Access> allowed) {
        for (String key : raw.keySet()) {
            ParameterDescription<?> p = parameter(key).orElseThrow(() -> unknown(key));
            if (!allowed.contains(p.access())) {
                throw new InvalidParameterException(key, subject(key) + " is set by whoever runs Salient, not by a"
                        + " request");
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (ParameterDescription<?> p : parameters) {
            values.put(p.name(), p.parse(raw.get(p.name()), subject(p.name())));
        }
        return new ParameterValues(values);
    }

    /** The method built from checked values. */
    public AttributionMethod create(ParameterValues values) {
        return factory.apply(values);
    }

    /** The method built from text values (missing ones: defaults); see {@link #parse(Map)}. */
    public AttributionMethod create(Map<String, String> raw) {
        return create(parse(raw));
    }

    /** How messages name one of its parameters: "parameter 'samples' of method 'smoothgrad'". */
    public String subject(String key) {
        return "parameter '" + key + "' of method '" + name + "'";
    }

    /** Its parameters' names, in display order. */
    public List<String> parameterNames() {
        return parameters.stream().map(ParameterDescription::name).toList();
    }

    private InvalidParameterException unknown(String key) {
        return new InvalidParameterException(key, "method '" + name + "' has no parameter '" + key + "'"
                + (parameters.isEmpty() ? " (it takes none)" : "; its parameters: "
                + String.join(", ", parameterNames())));
    }
}
