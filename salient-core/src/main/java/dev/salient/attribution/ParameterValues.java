package dev.salient.attribution;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A method's parameters as checked, typed values (one per described parameter, defaults filled in), made by
 * {@link MethodDescription#parse} and read by the method's factory with {@link #get}.
 *
 * @param values parameter name to value (Integer, Double, String, Boolean or an enum), in name order
 */
public record ParameterValues(Map<String, Object> values) {
    public ParameterValues {
        values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** The value of a described parameter. */
    public <T> T get(ParameterDescription<T> parameter) {
        if (!values.containsKey(parameter.name())) {
            throw new IllegalStateException("no value for parameter '" + parameter.name() + "' among " + values.keySet());
        }
        return parameter.valueType().cast(values.get(parameter.name()));
    }

    /** These values with one replaced (e.g. a layer name resolved against the model). */
    public ParameterValues with(String name, Object value) {
        Map<String, Object> copy = new TreeMap<>(values);
        copy.put(name, value);
        return new ParameterValues(copy);
    }

    /** "name=value name=value" in name order, values written as users write them; equal values, equal text. */
    @Override
    public String toString() {
        return values.entrySet().stream().map(e -> e.getKey() + "=" + ParameterDescription.format(e.getValue()))
                .collect(Collectors.joining(" "));
    }
}
