package dev.salient.web;

import dev.salient.attribution.MethodDescription;
import dev.salient.attribution.ParameterDescription;
import dev.salient.render.DisplaySettings;
import io.javalin.http.Context;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The API's own request parameters, each described once (the methods' parameters are in their descriptions and the
 * display settings in {@link DisplaySettings}), and the check that a request sends nothing a route does not take.
 */
final class RequestParameters {
    static final ParameterDescription<String> IMAGE = ParameterDescription.text("image", "Image", null,
            "id of an uploaded photo (the SHA-256 that POST /api/images answers)");
    static final ParameterDescription<String> EXAMPLE = ParameterDescription.text("example", "Example", null,
            "name of a gallery photo, instead of an upload or an image id");
    static final ParameterDescription<String> CLASS = ParameterDescription.text("class", "Class", "top1",
            "class to explain: an index, topK (the K-th most likely) or a label");
    static final ParameterDescription<Integer> TOPK = ParameterDescription.integer("topk", "Top classes", 3, 1, 20,
            "", "how many of the most likely classes to list");
    static final ParameterDescription<Integer> HEIGHT = ParameterDescription.integer("height", "Panel height", 224,
            32, 1024, "px", "height of each panel of the sheet");
    static final ParameterDescription<Integer> WIDTH = ParameterDescription.integer("width", "Width", 0, 0, 16384, "px",
            "draw at most this wide (the width the page shows the picture at), the photo shrunk to it; 0: the photo's "
                    + "own width");
    static final ParameterDescription<Boolean> DOWNLOAD = ParameterDescription.flag("download", "Download",
            "answer as an attachment (Content-Disposition) with a file name");
    static final int MAX_COMPARED = 12;
    /** The name of the parameter that names the method (its choices are the server's methods). */
    static final String METHOD = "method";
    static final ParameterDescription<String> METHODS = ParameterDescription.text("methods", "Methods", null,
            "1 to " + MAX_COMPARED + " method names, comma-separated (default: every method); each takes its own "
                    + "parameters");
    static final ParameterDescription<String> MODEL_PATH = ParameterDescription.text("model", "Model", null,
            "a model's name, from /api/models");
    static final ParameterDescription<String> EXAMPLE_NAME = ParameterDescription.text("name", "Example", null,
            "a gallery photo's name, from /api/examples");
    static final ParameterDescription<String> IMAGE_ID = ParameterDescription.text("id", "Image", null,
            "an uploaded photo's id");
    static final ParameterDescription<String> JOB_ID = ParameterDescription.text("id", "Job", null,
            "a job's id, from POST /api/jobs");

    /** The model to use: one of the loaded ones, the first by default. */
    final ParameterDescription<String> modelParameter;
    /** The method to use: one of the registry's, the first (the demo's gradient) by default. */
    final ParameterDescription<String> methodParameter;
    private final MethodRegistry methods;

    RequestParameters(ModelRegistry models, MethodRegistry methods) {
        this.methods = methods;
        List<String> modelNames = List.copyOf(models.names());
        this.modelParameter = ParameterDescription.choice("model", "Model", modelNames, modelNames.get(0),
                "which loaded model classifies and is explained");
        this.methodParameter = ParameterDescription.choice(METHOD, "Method", methods.names(),
                methods.defaultMethod().name(),
                "attribution method, see /api/methods (gradcam++ is gradcam%2B%2B in a query string)");
    }

    /**
     * Refuses a request that sends a parameter its route does not take (400 naming it), so that a misspelt
     * parameter is not silently ignored.
     */
    void requireKnown(Context ctx, ApiRoute route) {
        Set<String> given = names(ctx);
        Set<String> known = new LinkedHashSet<>();
        route.parameters().stream().filter(p -> !route.inPath(p)).forEach(p -> known.add(p.name()));
        if (route.extras().contains(ApiRoute.Extra.DISPLAY_SETTINGS)) {
            DisplaySettings.PARAMETERS.forEach(p -> known.add(p.name()));
        }
        Set<String> methodParameters = new TreeSet<>();
        if (route.extras().contains(ApiRoute.Extra.METHOD_PARAMETERS) && !known.containsAll(given)) {
            named(ctx, route).forEach(m -> methodParameters.addAll(m.parameterNames()));
        }
        for (String name : given) {
            if (!known.contains(name) && !methodParameters.contains(name)) {
                throw ApiException.badRequest("unknown parameter '" + ApiException.clip(name) + "': "
                        + route.title() + " takes " + String.join(", ", known)
                        + (methodParameters.isEmpty() ? "" : ", and the methods' " + String.join(", ",
                        methodParameters)));
            }
        }
    }

    /** The methods a request names: its {@code methods} list, or its {@code method}. */
    List<MethodDescription> named(Context ctx, ApiRoute route) {
        if (route.parameters().contains(METHODS)) {
            return compared(Handlers.param(ctx, METHODS.name()));
        }
        return List.of(method(ctx));
    }

    /** The method a request names, the default when it names none; 404 for an unknown one. */
    MethodDescription method(Context ctx) {
        return methods.get(Handlers.param(ctx, methodParameter.name()));
    }

    /** The methods of a comparison: the listed ones, or all; 400 unless 1 to 12. */
    List<MethodDescription> compared(String list) {
        List<String> names = list == null || list.isBlank() ? methods.names()
                : Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty() || names.size() > MAX_COMPARED) {
            throw ApiException.badRequest("methods must name 1 to " + MAX_COMPARED + " methods, comma-separated");
        }
        return names.stream().map(methods::get).toList();
    }

    /** The names of the query parameters and form fields a request sends. */
    private static Set<String> names(Context ctx) {
        Set<String> names = new LinkedHashSet<>(ctx.queryParamMap().keySet());
        String type = Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/") || type.startsWith("application/x-www-form-urlencoded")) {
            names.addAll(ctx.formParamMap().keySet()); // a multipart body was parsed and checked by parseMultipart
        }
        return names;
    }
}
