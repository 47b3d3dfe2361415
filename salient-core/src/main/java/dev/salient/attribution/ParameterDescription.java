package dev.salient.attribution;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One parameter, described once: the command line's {@code -P name=value} or {@code --name}, the web API's query
 * parameter, the page's control and the API docs are all derived from it, and all parse values with
 * {@link #parse(String, String)}, so every caller gets the same limits and the same messages.
 *
 * @param name             the key, e.g. {@code samples}
 * @param type             int, number, choice, text, layer or flag
 * @param valueType        the Java type of a parsed value: Integer, Double, String, Boolean, or an enum for choices
 *                         named after its constants
 * @param defaultValue     the value when none is given; null when the user of the value decides (e.g. a colour map
 *                         that depends on the method)
 * @param minimum          lower bound of an int or number (null for other types)
 * @param exclusiveMinimum whether {@code minimum} itself is refused (a positive number: minimum 0, exclusive)
 * @param maximum          upper bound of an int or number (null for other types): the one limit every caller shares
 * @param choices          the accepted values of a choice, as written by users
 * @param unit             unit of a number for people ("px", "MB"), or empty
 * @param label            short name for a form, e.g. "Samples"
 * @param help             one line saying what it does
 * @param access           who may set it: anyone, or only whoever runs Salient (never a web request)
 */
public record ParameterDescription<T>(String name, ParameterType type, Class<T> valueType, T defaultValue,
                                      Double minimum, boolean exclusiveMinimum, Double maximum, List<String> choices,
                                      String unit, String label, String help, Access access) {

    /** Who may set a parameter. */
    public enum Access {
        /** Anyone: the command line, the library and a web request. */
        REQUEST,
        /**
         * Only whoever runs Salient (command line, library); a server keeps its default and refuses it in a request.
         * For knobs that trade memory for speed on the machine itself, such as {@code batch} and {@code memory-mb}.
         */
        OPERATOR
    }

    public ParameterDescription {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(valueType, "valueType");
        Objects.requireNonNull(access, "access");
        choices = List.copyOf(choices);
        unit = unit == null ? "" : unit;
        label = label == null ? name : label;
        help = help == null ? "" : help;
        boolean numeric = type == ParameterType.INT || type == ParameterType.NUMBER;
        if (numeric != (minimum != null && maximum != null) || numeric && !(minimum <= maximum)) {
            throw new IllegalArgumentException(name + ": ints and numbers, and only they, have bounds");
        }
        if ((type == ParameterType.CHOICE) == choices.isEmpty()) {
            throw new IllegalArgumentException(name + ": choices, and only they, list their values");
        }
        if (defaultValue != null && !accepts(type, valueType, minimum, exclusiveMinimum, maximum, choices,
                defaultValue)) {
            throw new IllegalArgumentException(name + ": default " + defaultValue + " is outside its own limits");
        }
    }

    // ---- the kinds of parameter ----

    /** A whole number in [min, max]. */
    public static ParameterDescription<Integer> integer(String name, String label, int defaultValue, int min, int max,
                                                        String unit, String help) {
        return new ParameterDescription<>(name, ParameterType.INT, Integer.class, defaultValue, (double) min, false,
                (double) max, List.of(), unit, label, help, Access.REQUEST);
    }

    /** A finite number in [min, max]. */
    public static ParameterDescription<Double> number(String name, String label, Double defaultValue, double min,
                                                      double max, String unit, String help) {
        return new ParameterDescription<>(name, ParameterType.NUMBER, Double.class, defaultValue, min, false, max,
                List.of(), unit, label, help, Access.REQUEST);
    }

    /** A number in (0, max]. */
    public static ParameterDescription<Double> positive(String name, String label, Double defaultValue, double max,
                                                        String unit, String help) {
        return new ParameterDescription<>(name, ParameterType.NUMBER, Double.class, defaultValue, 0.0, true, max,
                List.of(), unit, label, help, Access.REQUEST);
    }

    /** One of an enum's constants, written in lower case with hyphens ({@code GAUSS_LEGENDRE}: gauss-legendre). */
    public static <E extends Enum<E>> ParameterDescription<E> choice(String name, String label, Class<E> type,
                                                                     E defaultValue, String help) {
        List<String> keys = Arrays.stream(type.getEnumConstants()).map(ParameterDescription::key).toList();
        return new ParameterDescription<>(name, ParameterType.CHOICE, type, defaultValue, null, false, null, keys, "",
                label, help, Access.REQUEST);
    }

    /** One of the given words. */
    public static ParameterDescription<String> choice(String name, String label, List<String> choices,
                                                      String defaultValue, String help) {
        return new ParameterDescription<>(name, ParameterType.CHOICE, String.class, defaultValue, null, false, null,
                choices, "", label, help, Access.REQUEST);
    }

    /** Free text, checked by its user. */
    public static ParameterDescription<String> text(String name, String label, String defaultValue, String help) {
        return new ParameterDescription<>(name, ParameterType.TEXT, String.class, defaultValue, null, false, null,
                List.of(), "", label, help, Access.REQUEST);
    }

    /** A spatial layer of the model by tensor name; blank (the default) is the last one. */
    public static ParameterDescription<String> layer(String name, String label, String help) {
        return new ParameterDescription<>(name, ParameterType.LAYER, String.class, "", null, false, null, List.of(),
                "", label, help, Access.REQUEST);
    }

    /** On or off, off by default. */
    public static ParameterDescription<Boolean> flag(String name, String label, String help) {
        return new ParameterDescription<>(name, ParameterType.FLAG, Boolean.class, false, null, false, null,
                List.of(), "", label, help, Access.REQUEST);
    }

    /** This parameter, settable only by whoever runs Salient ({@link Access#OPERATOR}). */
    public ParameterDescription<T> operatorOnly() {
        return new ParameterDescription<>(name, type, valueType, defaultValue, minimum, exclusiveMinimum, maximum,
                choices, unit, label, help, Access.OPERATOR);
    }

    /** This parameter with another default (e.g. a command whose own default differs). */
    public ParameterDescription<T> withDefault(T newDefault) {
        return new ParameterDescription<>(name, type, valueType, newDefault, minimum, exclusiveMinimum, maximum,
                choices, unit, label, help, access);
    }

    // ---- values ----

    /** The value of {@code raw} under this parameter's own name; see {@link #parse(String, String)}. */
    public T parse(String raw) {
        return parse(raw, name);
    }

    /**
     * The typed value of {@code raw}: the default when it is null or blank.
     *
     * @param subject how the error message names the parameter, e.g. {@code --sensitivity} on the command line
     * @throws InvalidParameterException "SUBJECT must be EXPECTED, got 'RAW'"
     */
    public T parse(String raw, String subject) {
        if (raw == null || raw.isBlank()) {
            return defaultValue;
        }
        String s = raw.strip();
        Object value = switch (type) {
            case INT -> parseInteger(s);
            case NUMBER -> parseNumber(s);
            case CHOICE -> decodeChoice(s);
            case FLAG -> parseFlag(s);
            case TEXT, LAYER -> s;
        };
        if (value == null) {
            throw rejection(subject, raw, expected());
        }
        return valueType.cast(value);
    }

    /**
     * {@code value} if it is within this parameter's limits (for records that hold a checked value and can also be
     * built directly).
     *
     * @throws InvalidParameterException as {@link #parse} would
     */
    public T require(T value) {
        if (value == null ? defaultValue != null
                : !accepts(type, valueType, minimum, exclusiveMinimum, maximum, choices, value)) {
            throw rejection(name, String.valueOf(value), expected());
        }
        return value;
    }

    /** The refusal of {@code raw}: "SUBJECT must be EXPECTED, got 'RAW'". */
    public InvalidParameterException rejection(String subject, String raw, String expected) {
        String shown = raw.strip().length() > 40 ? raw.strip().substring(0, 40) + "…" : raw.strip();
        return new InvalidParameterException(name, subject + " must be " + expected + ", got '" + shown + "'");
    }

    /** What a valid value looks like, for messages: "a whole number from 1 to 1000", "one of a, b". */
    public String expected() {
        return switch (type) {
            case INT -> "a whole number from " + format(minimum.intValue()) + " to " + format(maximum.intValue());
            case NUMBER -> exclusiveMinimum
                    ? (minimum == 0 ? "a positive number" : "a number above " + format(minimum)) + " up to "
                    + format(maximum)
                    : "a number from " + format(minimum) + " to " + format(maximum);
            case CHOICE -> "one of " + String.join(", ", choices);
            case FLAG -> "true or false";
            case TEXT -> "text";
            case LAYER -> "the name of a spatial layer";
        };
    }

    /** The accepted range in short: "1..1000", "[0, 1]", "(0, 40]"; the choices "a|b|c"; empty otherwise. */
    public String range() {
        return switch (type) {
            case INT -> format(minimum.intValue()) + ".." + format(maximum.intValue());
            case NUMBER -> (exclusiveMinimum ? "(" : "[") + format(minimum) + ", " + format(maximum) + "]";
            case CHOICE -> String.join("|", choices);
            default -> "";
        };
    }

    /** A value as users write it: enums in lower case with hyphens, 8.0 as 8; null as empty. */
    public static String format(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Enum<?> e) {
            return key(e);
        }
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString(d.longValue());
        }
        return value.toString();
    }

    /** An enum constant as users write it: {@code LOG_PROBABILITY} is log-probability. */
    public static String key(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    // static: the compact constructor checks its default before the fields are set
    private static boolean accepts(ParameterType type, Class<?> valueType, Double minimum, boolean exclusiveMinimum,
                                   Double maximum, List<String> choices, Object value) {
        return switch (type) {
            case INT, NUMBER -> value instanceof Number n
                    && inBounds(n.doubleValue(), minimum, exclusiveMinimum, maximum);
            case CHOICE -> choices.contains(format(value));
            default -> valueType.isInstance(value);
        };
    }

    private static boolean inBounds(double v, double minimum, boolean exclusiveMinimum, double maximum) {
        return (exclusiveMinimum ? v > minimum : v >= minimum) && v <= maximum;
    }

    private Integer parseInteger(String s) {
        try {
            long v = Long.parseLong(s);
            return inBounds(v, minimum, exclusiveMinimum, maximum) ? (int) v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Double parseNumber(String s) {
        try {
            double v = Double.parseDouble(s);
            return Double.isFinite(v) && inBounds(v, minimum, exclusiveMinimum, maximum) ? v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Object decodeChoice(String s) {
        String k = s.toLowerCase(Locale.ROOT).replace('_', '-');
        if (!choices.contains(k)) {
            return null;
        }
        if (valueType.isEnum()) {
            for (T constant : valueType.getEnumConstants()) {
                if (key((Enum<?>) constant).equals(k)) {
                    return constant;
                }
            }
        }
        return k;
    }

    private static Boolean parseFlag(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "1", "on", "yes" -> true;
            case "false", "0", "off", "no" -> false;
            default -> null;
        };
    }
}
