package dev.salient.web;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.MethodDescription;

import java.util.*;

/** The attribution methods the app offers, by name, in menu order; the first is the default. */
public final class MethodRegistry {
    private final Map<String, MethodDescription> methods = new LinkedHashMap<>();

    public MethodRegistry(Collection<MethodDescription> all) {
        for (MethodDescription m : all) {
            methods.put(m.name(), m);
        }
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("at least one method is needed");
        }
    }

    /** The methods Salient ships: every method of the core registry, the demo's gradient first and the default. */
    public static MethodRegistry standard() {
        return new MethodRegistry(AttributionMethods.all());
    }

    /** These methods plus others (e.g. a test's). */
    public MethodRegistry with(MethodDescription... more) {
        List<MethodDescription> all = new ArrayList<>(methods.values());
        all.addAll(List.of(more));
        return new MethodRegistry(all);
    }

    public Collection<MethodDescription> all() {
        return methods.values();
    }

    /** Their names, in menu order. */
    public List<String> names() {
        return List.copyOf(methods.keySet());
    }

    /** The first method: what a request that names none gets. */
    public MethodDescription defaultMethod() {
        return methods.values().iterator().next();
    }

    /**
     * The method called {@code name}; null: the {@link #defaultMethod()}.
     *
     * @throws ApiException 404 naming the known methods
     */
    public MethodDescription get(String name) {
        if (name == null) {
            return defaultMethod();
        }
        MethodDescription m = methods.get(name.strip().toLowerCase(Locale.ROOT));
        if (name.endsWith(" ")) {
            // an unencoded "gradcam++" in a query string arrives as "gradcam  ": prefer the method with the pluses
            MethodDescription plus = methods.get(name.stripLeading().replace(' ', '+').toLowerCase(Locale.ROOT));
            m = plus != null ? plus : m;
        }
        if (m == null) {
            throw ApiException.notFound("unknown method '" + ApiException.clip(String.valueOf(name))
                    + "'; known methods: " + String.join(", ", methods.keySet()));
        }
        return m;
    }
}
