package dev.salient.web;

import dev.salient.attribution.ParameterDescription;
import dev.salient.attribution.ParameterType;

import java.util.LinkedHashMap;
import java.util.Map;

/** How the API shows a {@link ParameterDescription}: to the page (in /api/methods) and as an OpenAPI schema. */
final class ParameterJson {
    private ParameterJson() {}

    /** {name, label, type, min, max, exclusiveMin, defaultValue, choices, unit, help}: what the page builds a control from. */
    static Map<String, Object> control(ParameterDescription<?> p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("label", p.label());
        m.put("type", p.type().key());
        m.put("min", p.minimum());
        m.put("max", p.maximum());
        m.put("exclusiveMin", p.exclusiveMinimum());
        m.put("defaultValue", value(p.defaultValue()));
        m.put("choices", p.choices());
        m.put("unit", p.unit());
        m.put("help", p.help());
        return m;
    }

    /** The OpenAPI 3.0 schema of its values. */
    static Map<String, Object> schema(ParameterDescription<?> p) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", switch (p.type()) {
            case INT -> "integer";
            case NUMBER -> "number";
            case FLAG -> "boolean";
            default -> "string";
        });
        if (p.type() == ParameterType.INT || p.type() == ParameterType.NUMBER) {
            s.put("minimum", value(p.minimum()));
            if (p.exclusiveMinimum()) {
                s.put("exclusiveMinimum", true);
            }
            s.put("maximum", value(p.maximum()));
        }
        if (p.type() == ParameterType.CHOICE) {
            s.put("enum", p.choices());
        }
        if (p.defaultValue() != null) {
            s.put("default", value(p.defaultValue()));
        }
        return s;
    }

    /** A value as JSON writes it: numbers as numbers (whole ones without a fraction), enums by their key. */
    private static Object value(Object v) {
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return d.longValue();
        }
        return v instanceof Enum<?> e ? ParameterDescription.key(e) : v;
    }
}
