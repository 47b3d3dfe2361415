package dev.salient.web;

import dev.salient.attribution.MethodDescription;
import dev.salient.attribution.ParameterDescription;
import dev.salient.render.DisplaySettings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The OpenAPI 3 document of a server, written from its route table ({@link ApiRoute}), the methods' descriptions and
 * the display settings when the server starts, so it cannot drift from what the server answers.
 */
final class OpenApiDocument {
    private static final Map<Integer, String> ERRORS = Map.of(
            400, "a bad parameter (named in the message), or a corrupt photo",
            404, "an unknown model, method, image, example or job",
            413, "the upload or its pixel count is above the limit",
            415, "not a supported image format",
            503, "busy: the workers and their queue are full (see Retry-After)",
            504, "the work took longer than the time limit");

    private OpenApiDocument() {}

    static Map<String, Object> of(List<ApiRoute> routes, MethodRegistry methods) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.0.3");
        doc.put("info", Map.of("title", "Salient API",
                "version", Optional.ofNullable(OpenApiDocument.class.getPackage().getImplementationVersion())
                        .orElse("development"),
                "description", "Why did an image classifier choose a class. Parameters go in the query string or "
                        + "the form fields of a multipart body; a parameter a route does not take is refused with "
                        + "400. Errors are {\"error\": \"...\"} with a 4xx/5xx status. Raw attributions are cached by "
                        + "image SHA-256, model, method, parameters, head and class; display parameters only "
                        + "re-render."));
        Map<String, Map<String, Object>> paths = new LinkedHashMap<>();
        for (ApiRoute route : routes) {
            paths.computeIfAbsent(route.path(), p -> new LinkedHashMap<>())
                    .put(route.verb().name().toLowerCase(Locale.ROOT), operation(route, methods));
        }
        doc.put("paths", paths);
        doc.put("components", Map.of("schemas", Map.of("Error", Map.of("type", "object", "required", List.of("error"),
                "properties", Map.of("error", Map.of("type", "string"))))));
        return doc;
    }

    private static Map<String, Object> operation(ApiRoute route, MethodRegistry methods) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("summary", route.summary());
        List<Map<String, Object>> parameters = new ArrayList<>();
        for (ParameterDescription<?> p : route.parameters()) {
            boolean inPath = route.inPath(p);
            parameters.add(parameter(p.name(), inPath ? "path" : "query", inPath, p.help(), ParameterJson.schema(p)));
        }
        if (route.extras().contains(ApiRoute.Extra.METHOD_PARAMETERS)) {
            parameters.addAll(methodParameters(methods));
        }
        if (route.extras().contains(ApiRoute.Extra.DISPLAY_SETTINGS)) {
            DisplaySettings.PARAMETERS.forEach(p -> parameters.add(parameter(p.name(), "query", false, p.help(),
                    ParameterJson.schema(p))));
        }
        if (!parameters.isEmpty()) {
            op.put("parameters", parameters);
        }
        if (route.extras().contains(ApiRoute.Extra.UPLOAD)) {
            op.put("requestBody", Map.of("description", "the photo as the raw body (an image Content-Type) or the "
                    + "multipart/form-data field 'image'; none when 'image' or 'example' names one", "content",
                    Map.of("image/*", Map.of("schema", Map.of("type", "string", "format", "binary")),
                            "multipart/form-data", Map.of("schema", Map.of("type", "object", "properties",
                                    Map.of("image", Map.of("type", "string", "format", "binary")))))));
        }
        Map<String, Object> responses = new LinkedHashMap<>();
        for (ApiRoute.Reply r : route.replies()) {
            responses.put(Integer.toString(r.status()), Map.of("description", r.description(), "content",
                    Map.of(r.mediaType(), Map.of("schema", r.mediaType().equals("application/json")
                            ? Map.of("type", "object") : Map.of("type", "string", "format", "binary")))));
        }
        for (int status : route.errors()) {
            responses.put(Integer.toString(status), Map.of("description", ERRORS.get(status), "content",
                    Map.of("application/json", Map.of("schema", Map.of("$ref", "#/components/schemas/Error")))));
        }
        op.put("responses", responses);
        return op;
    }

    /**
     * Every method parameter a request may set, once per name: its schema when every method that has it describes
     * it alike, else text with each method's version in the description.
     */
    private static List<Map<String, Object>> methodParameters(MethodRegistry methods) {
        Map<String, Map<ParameterDescription<?>, List<String>>> byName = new TreeMap<>();
        for (MethodDescription m : methods.all()) {
            for (ParameterDescription<?> p : m.parameters()) {
                if (p.access() == ParameterDescription.Access.REQUEST) {
                    byName.computeIfAbsent(p.name(), n -> new LinkedHashMap<>())
                            .computeIfAbsent(p, d -> new ArrayList<>()).add(m.name());
                }
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        byName.forEach((name, variants) -> {
            if (variants.size() == 1) {
                var only = variants.entrySet().iterator().next();
                out.add(parameter(name, "query", false, only.getKey().help() + " (method parameter of "
                        + String.join(", ", only.getValue()) + ")", ParameterJson.schema(only.getKey())));
            } else {
                String each = variants.entrySet().stream().map(v -> String.join(", ", v.getValue()) + ": "
                        + v.getKey().help() + describeValues(v.getKey())).collect(Collectors.joining("; "));
                out.add(parameter(name, "query", false, "method parameter; " + each, Map.of("type", "string")));
            }
        });
        return out;
    }

    private static String describeValues(ParameterDescription<?> p) {
        String range = p.range().isEmpty() ? "" : p.range();
        String dflt = p.defaultValue() == null ? "" : "default " + ParameterDescription.format(p.defaultValue());
        return range.isEmpty() && dflt.isEmpty() ? "" : " (" + String.join(", ", List.of(range, dflt).stream()
                .filter(s -> !s.isEmpty()).toList()) + ")";
    }

    private static Map<String, Object> parameter(String name, String in, boolean required, String description,
                                                 Map<String, Object> schema) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("in", in);
        m.put("required", required);
        m.put("description", description);
        m.put("schema", schema);
        return m;
    }
}
