package dev.salient.web;

import java.util.*;

/** The attribution methods the app offers, by name, in menu order. */
public final class MethodRegistry {
    private final Map<String, ExplainMethod> methods = new LinkedHashMap<>();

    public MethodRegistry(Collection<? extends ExplainMethod> all) {
        for (ExplainMethod m : all) {
            methods.put(m.name(), m);
        }
    }

    /**
     * The methods Salient ships: every method of the core registry ({@code AttributionMethods}), the demo's
     * gradient (log-probability head) first and the default.
     */
    public static MethodRegistry standard() {
        return new MethodRegistry(RegistryMethod.all());
    }

    /** These methods plus others (e.g. a test's). */
    public MethodRegistry with(ExplainMethod... more) {
        List<ExplainMethod> all = new ArrayList<>(methods.values());
        all.addAll(List.of(more));
        return new MethodRegistry(all);
    }

    public Collection<ExplainMethod> all() {
        return methods.values();
    }

    /** @throws ApiException 404 naming the known methods */
    public ExplainMethod get(String name) {
        ExplainMethod m = name == null ? null : methods.get(name.strip().toLowerCase(Locale.ROOT));
        if (name != null && name.endsWith(" ")) {
            // an unencoded "gradcam++" in a query string arrives as "gradcam  ": prefer the method with the pluses
            ExplainMethod plus = methods.get(name.stripLeading().replace(' ', '+').toLowerCase(Locale.ROOT));
            m = plus != null ? plus : m;
        }
        if (m == null) {
            throw ApiException.notFound("unknown method '" + ParamSpec.clip(String.valueOf(name))
                    + "'; known methods: " + String.join(", ", methods.keySet()));
        }
        return m;
    }
}
