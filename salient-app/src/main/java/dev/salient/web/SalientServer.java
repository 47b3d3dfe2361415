package dev.salient.web;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.InvalidParameterException;
import dev.salient.attribution.ParameterDescription;
import dev.salient.web.ApiRoute.Extra;
import dev.salient.web.ApiRoute.Reply;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.salient.web.RequestParameters.*;

/**
 * The Salient web app: a JSON API, the page and its API docs. All routes are declared in {@link #routes}, as data
 * that the server registers and checks requests against and {@link OpenApiDocument} documents at /openapi.json.
 *
 * <p>Every error is answered as {@code {"error": "..."}} with a 4xx/5xx status and never with a stack trace.
 */
public final class SalientServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SalientServer.class);
    /** Room for multipart framing and form fields on top of the image itself. */
    private static final long REQUEST_OVERHEAD = 64 * 1024;

    private final WebConfig config;
    private final ExplainService service;
    private final List<ApiRoute> routes;
    private final Map<String, Object> openApi;
    private final Javalin app;

    public SalientServer(WebConfig config, ModelRegistry models, MethodRegistry methods) {
        this.config = config;
        this.service = new ExplainService(config, models, methods);
        RequestParameters parameters = new RequestParameters(models, methods);
        Handlers h = new Handlers(service, config, parameters);
        FaithfulnessHandlers f = new FaithfulnessHandlers(service);
        this.routes = routes(h, f, parameters, ctx -> ctx.json(openApi()));
        this.openApi = OpenApiDocument.of(routes, methods);
        long maxRequest = config.limits().maxBytes() + REQUEST_OVERHEAD;
        this.app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.http.maxRequestSize = maxRequest;
            c.jetty.multipartConfig.maxFileSize(config.limits().maxBytes(), SizeUnit.BYTES);
            c.jetty.multipartConfig.maxTotalRequestSize(maxRequest, SizeUnit.BYTES);
            c.jetty.multipartConfig.maxInMemoryFileSize(1, SizeUnit.MB);
            c.staticFiles.add(s -> {
                s.hostedPath = "/";
                s.directory = "/dev/salient/web/static";
                s.location = Location.CLASSPATH;
            });
        });
        register(app, h, parameters, maxRequest);
        errors(app);
    }

    /** Every route of the app, in one place: what it takes, what it answers and who answers it. */
    private static List<ApiRoute> routes(Handlers h, FaithfulnessHandlers f, RequestParameters q,
                                         io.javalin.http.Handler openApi) {
        List<ParameterDescription<?>> photo = List.of(IMAGE, EXAMPLE);
        List<ParameterDescription<?>> explain = List.of(IMAGE, EXAMPLE, q.modelParameter, q.methodParameter, CLASS,
                AttributionRequest.HEAD);
        List<Integer> work = List.of(400, 404, 413, 415, 503, 504);
        Reply png = new Reply(200, "image/png", "the explanation, a PNG of the photo's size");
        Reply sheet = new Reply(200, "image/png", "the photo and one panel per method, side by side");
        Reply job = new Reply(202, "application/json", "{id, state: queued|running|done|failed|cancelled, done, "
                + "total, cached, method, class, error?, status?}");
        List<ApiRoute> all = new ArrayList<>();
        all.add(new ApiRoute(HandlerType.GET, "/docs", "the API documentation page (redirects to /api.html)", List.of(),
                Set.of(), List.of(new Reply(302, "text/html", "redirect to /api.html")), List.of(),
                ctx -> ctx.redirect("/api.html")));
        all.add(new ApiRoute(HandlerType.GET, "/openapi.json", "this document, OpenAPI 3", List.of(), Set.of(),
                List.of(new Reply(200, "application/json", "the OpenAPI document")), List.of(), openApi));
        all.add(new ApiRoute(HandlerType.GET, "/api/models", "loaded models: name, input size, number of classes",
                List.of(), Set.of(), List.of(new Reply(200, "application/json",
                "{models: [{name, input: {width, height, layout, resize}, classes, assumptions}], default}")),
                List.of(), h::models));
        all.add(new ApiRoute(HandlerType.GET, "/api/models/{model}/layers",
                "spatial layers of a model, for Grad-CAM-like methods' layer", List.of(MODEL_PATH), Set.of(),
                List.of(new Reply(200, "application/json", "{model, layers: [{name, shape: [1, C, H, W], channels, "
                        + "height, width, label}], default: the last layer's name}")), List.of(404), h::layers));
        all.add(new ApiRoute(HandlerType.GET, "/api/methods", "attribution methods as their descriptions say: "
                + "parameters with defaults and limits, traits; the head and display parameters", List.of(),
                Set.of(), List.of(new Reply(200, "application/json", "{methods: [{name, label, description, map, "
                + "coarse, signed, scaling, colormap, overlay, exportable, cost, passes: {forward, backward, "
                + "forwardEach, backwardEach, repeatedPer}, params: [{name, label, type, min, max, exclusiveMin, "
                + "defaultValue, choices, unit, help}]}], default, request: [params], display: [params]}")), List.of(),
                h::methods));
        all.add(new ApiRoute(HandlerType.GET, "/api/examples", "gallery photos with credits", List.of(), Set.of(),
                List.of(new Reply(200, "application/json", "{examples: [{name, url, thumbnail, credit}], credits}")),
                List.of(), h::examples));
        all.add(new ApiRoute(HandlerType.GET, "/api/examples/{name}", "a gallery photo's file", List.of(EXAMPLE_NAME),
                Set.of(), List.of(new Reply(200, "image/*", "the file as it is")), List.of(404), h::example));
        all.add(new ApiRoute(HandlerType.GET, "/api/examples/{name}/thumbnail", "a gallery photo's thumbnail",
                List.of(EXAMPLE_NAME), Set.of(), List.of(new Reply(200, "image/png", "the thumbnail")), List.of(404),
                h::exampleThumbnail));
        all.add(new ApiRoute(HandlerType.POST, "/api/images", "upload a photo (or copy a gallery photo): decoded "
                + "upright, limits enforced, kept by its SHA-256", List.of(EXAMPLE), Set.of(Extra.UPLOAD),
                List.of(new Reply(201, "application/json", "{id (SHA-256), width, height, url}")),
                List.of(400, 404, 413, 415), h::uploadImage));
        all.add(new ApiRoute(HandlerType.GET, "/api/images/{id}", "an uploaded photo, decoded, as PNG",
                List.of(IMAGE_ID), Set.of(), List.of(new Reply(200, "image/png", "the photo")), List.of(404),
                h::imagePng));
        List<ParameterDescription<?>> classify = new ArrayList<>(photo);
        classify.addAll(List.of(q.modelParameter, TOPK));
        all.add(new ApiRoute(HandlerType.POST, "/api/classify", "the most likely classes with probabilities",
                classify, Set.of(Extra.UPLOAD), List.of(new Reply(200, "application/json",
                "{image: {id, width, height, url}, model, top: [{index, label, probability, logit}]}")), work,
                h::classify));
        List<ParameterDescription<?>> explainOnce = new ArrayList<>(explain);
        explainOnce.add(WIDTH);
        explainOnce.add(DOWNLOAD);
        all.add(new ApiRoute(HandlerType.GET, "/api/explain", "the explanation of a stored photo (computed now if "
                + "not cached, within the time limit)", explainOnce, Set.of(Extra.METHOD_PARAMETERS,
                Extra.DISPLAY_SETTINGS), List.of(png), work, h::explain));
        all.add(new ApiRoute(HandlerType.POST, "/api/explain", "the explanation of an uploaded or stored photo",
                explainOnce, Set.of(Extra.UPLOAD, Extra.METHOD_PARAMETERS, Extra.DISPLAY_SETTINGS), List.of(png),
                work, h::explain));
        List<ParameterDescription<?>> compare = new ArrayList<>(photo);
        compare.addAll(List.of(q.modelParameter, METHODS, CLASS, AttributionRequest.HEAD, HEIGHT));
        all.add(new ApiRoute(HandlerType.GET, "/api/compare", "several methods side by side on one PNG sheet",
                compare, Set.of(Extra.METHOD_PARAMETERS, Extra.DISPLAY_SETTINGS), List.of(sheet), work, h::compare));
        all.add(new ApiRoute(HandlerType.POST, "/api/compare", "several methods side by side, of an uploaded or "
                + "stored photo", compare, Set.of(Extra.UPLOAD, Extra.METHOD_PARAMETERS, Extra.DISPLAY_SETTINGS),
                List.of(sheet), work, h::compare));
        all.add(new ApiRoute(HandlerType.POST, "/api/jobs", "start an attribution in the background, with progress "
                + "and cancel (answered at once when cached); then GET /api/explain renders it", explain,
                Set.of(Extra.UPLOAD, Extra.METHOD_PARAMETERS), List.of(new Reply(200, "application/json",
                "the job, already done (cached)"), job), work, h::startJob));
        all.add(new ApiRoute(HandlerType.GET, "/api/jobs/{id}", "a job's progress (samples done of total)",
                List.of(JOB_ID), Set.of(), List.of(new Reply(200, "application/json", "the job")), List.of(404),
                h::job));
        all.add(new ApiRoute(HandlerType.DELETE, "/api/jobs/{id}", "cancel a job", List.of(JOB_ID), Set.of(),
                List.of(new Reply(200, "application/json", "the job, cancelling")), List.of(404), h::cancelJob));
        // "How faithful is this map?": deletion and insertion of the current map against a random map, as a job
        List<ParameterDescription<?>> faithfulness = new ArrayList<>(explain);
        faithfulness.add(FaithfulnessHandlers.STEPS);
        Reply measured = new Reply(200, "application/json", "the job; once done, result: {curves, auc} of the map "
                + "and of a random map for deletion and insertion");
        all.add(new ApiRoute(HandlerType.POST, "/api/faithfulness", "start measuring how faithful the map is: "
                + "deletion and insertion curves (RISE) with their AUC against a random map", faithfulness,
                Set.of(Extra.UPLOAD, Extra.METHOD_PARAMETERS), List.of(measured, job), work, f::start));
        all.add(new ApiRoute(HandlerType.GET, "/api/faithfulness/{id}", "a faithfulness job's progress, and its "
                + "curves and AUCs once done", List.of(JOB_ID), Set.of(), List.of(measured), List.of(404), f::status));
        all.add(new ApiRoute(HandlerType.DELETE, "/api/faithfulness/{id}", "cancel a faithfulness job",
                List.of(JOB_ID), Set.of(), List.of(new Reply(200, "application/json", "the job, cancelling")),
                List.of(404), f::cancel));
        return List.copyOf(all);
    }

    /**
     * Registers the routes, each refusing parameters it does not take, behind the upload-size check and the parse of
     * a multipart body.
     */
    private void register(Javalin app, Handlers h, RequestParameters parameters, long maxRequest) {
        app.before("/api/*", ctx -> {
            long length = ctx.req().getContentLengthLong();
            if (length > maxRequest) {
                ctx.header("Connection", "close");
                throw new ApiException(413, "the upload is " + String.format(java.util.Locale.ROOT, "%.1f",
                        length / 1e6) + " MB, above the " + (maxRequest - REQUEST_OVERHEAD) / 1_000_000
                        + " MB limit");
            }
        });
        app.before("/api/*", h::parseMultipart);
        app.after(ctx -> {
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Referrer-Policy", "no-referrer");
        });
        for (ApiRoute route : routes) {
            app.addHttpHandler(route.verb(), route.path(), ctx -> {
                parameters.requireKnown(ctx, route);
                route.handler().handle(ctx);
            });
        }
    }

    /** The OpenAPI document of this server's routes, methods and parameters. */
    Map<String, Object> openApi() {
        return openApi;
    }

    /** "VERB path" of every route the server answers, as its router holds them (for the docs' contract test). */
    List<String> answeredRoutes() {
        return app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream().map(e -> e.getEndpoint())
                .filter(e -> e.getMethod().isHttpMethod()).map(e -> e.getMethod() + " " + e.getPath()).toList();
    }

    private static void errors(Javalin app) {
        app.exception(ApiException.class, (e, ctx) -> {
            e.headers().forEach(ctx::header);
            error(ctx, e.status(), e.getMessage());
        });
        app.exception(InvalidParameterException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
                e.getStatus() == 413 ? "the upload is above the size limit" : Handlers.safeMessage(e)));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.warn("request {} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error: " + Handlers.safeMessage(e));
        });
        app.error(404, ctx -> {
            if (ctx.resultInputStream() == null) {
                error(ctx, 404, "not found: " + ApiException.clip(ctx.path()));
            }
        });
        app.error(405, ctx -> {
            if (ctx.resultInputStream() == null) {
                error(ctx, 405, "method " + ctx.method() + " not allowed on " + ApiException.clip(ctx.path()));
            }
        });
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message));
    }

    public SalientServer start() {
        app.start(config.host(), config.port());
        return this;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return app.port();
    }

    public String url() {
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + port();
    }

    @Override
    public void close() {
        app.stop();
        service.close();
    }
}
