package dev.salient.web;

import dev.salient.attribution.ParameterDescription;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;

import java.util.List;
import java.util.Set;

/**
 * One route of the API, described once: {@link SalientServer} registers it and refuses parameters it does not
 * declare, and {@link OpenApiDocument} documents it.
 *
 * @param verb       HTTP method
 * @param path       Javalin path, e.g. {@code /api/jobs/{id}}; a parameter named in braces is a path parameter
 * @param summary    one line for the docs
 * @param parameters its own parameters (path and query), besides those {@code extras} bring
 * @param extras     families of parameters it also takes
 * @param replies    its successful answers
 * @param errors     the error statuses it may answer with
 * @param handler    what answers it
 */
record ApiRoute(HandlerType verb, String path, String summary, List<ParameterDescription<?>> parameters,
                Set<Extra> extras, List<Reply> replies, List<Integer> errors, Handler handler) {
    /** Parameters a route takes beyond its own list. */
    enum Extra {
        /** A photo in the body: raw image bytes or the multipart field "image". */
        UPLOAD,
        /** The parameters of the method(s) the request names (the methods' descriptions). */
        METHOD_PARAMETERS,
        /** How the map is drawn ({@code DisplaySettings.PARAMETERS}). */
        DISPLAY_SETTINGS
    }

    /** A successful answer: status, media type and what the body holds. */
    record Reply(int status, String mediaType, String description) {}

    ApiRoute {
        parameters = List.copyOf(parameters);
        extras = Set.copyOf(extras);
        replies = List.copyOf(replies);
        errors = List.copyOf(errors);
    }

    /** Whether {@code p} is a path parameter of this route. */
    boolean inPath(ParameterDescription<?> p) {
        return path.contains("{" + p.name() + "}");
    }

    /** "GET /api/explain". */
    String title() {
        return verb + " " + path;
    }
}
