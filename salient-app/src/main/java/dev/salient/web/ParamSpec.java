package dev.salient.web;

import java.util.List;
import java.util.Locale;

/**
 * One parameter of an attribution method as the API and the page see it.
 *
 * @param type    "int", "number", "choice" (one of {@code choices}) or "layer" (a spatial layer of the model)
 * @param choices allowed values of a "choice"
 */
public record ParamSpec(String name, String label, String type, Double min, Double max, Object defaultValue,
                        List<String> choices, String help) {

    public static ParamSpec integer(String name, String label, int min, int max, int dflt, String help) {
        return new ParamSpec(name, label, "int", (double) min, (double) max, dflt, List.of(), help);
    }

    public static ParamSpec number(String name, String label, double min, double max, double dflt, String help) {
        return new ParamSpec(name, label, "number", min, max, dflt, List.of(), help);
    }

    public static ParamSpec choice(String name, String label, List<String> choices, String dflt, String help) {
        return new ParamSpec(name, label, "choice", null, null, dflt, List.copyOf(choices), help);
    }

    public static ParamSpec layer(String name, String label, String help) {
        return new ParamSpec(name, label, "layer", null, null, "", List.of(), help);
    }

    /** The typed value of a raw request value (null: the default); 400 for a bad one. */
    Object parse(String raw) {
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        String s = raw.strip();
        switch (type) {
            case "int" -> {
                long v;
                try {
                    v = Long.parseLong(s);
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest(name + " must be a whole number, got '" + clip(s) + "'");
                }
                if (v < min || v > max) {
                    throw ApiException.badRequest(name + " must be in " + min.longValue() + ".." + max.longValue()
                            + ", got " + v);
                }
                return (int) v;
            }
            case "number" -> {
                double v;
                try {
                    v = Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest(name + " must be a number, got '" + clip(s) + "'");
                }
                if (!(v >= min && v <= max)) {
                    throw ApiException.badRequest(name + " must be in " + fmt(min) + ".." + fmt(max) + ", got " + s);
                }
                return v;
            }
            case "choice" -> {
                String v = s.toLowerCase(Locale.ROOT);
                if (!choices.contains(v)) {
                    throw ApiException.badRequest(name + " must be one of " + choices + ", got '" + clip(s) + "'");
                }
                return v;
            }
            default -> {
                return s; // layers are checked against the model by the method
            }
        }
    }

    static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
