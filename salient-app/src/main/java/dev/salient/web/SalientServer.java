package dev.salient.web;

import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * The Salient web app: a JSON API, the page and its API docs. All routes are declared in {@link #routes}.
 *
 * <p>Every error is answered as {@code {"error": "..."}} with a 4xx/5xx status and never with a stack trace.
 */
public final class SalientServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SalientServer.class);
    /** Room for multipart framing and form fields on top of the image itself. */
    private static final long REQUEST_OVERHEAD = 64 * 1024;

    private final WebConfig config;
    private final ExplainService service;
    private final Javalin app;

    public SalientServer(WebConfig config, ModelRegistry models, MethodRegistry methods) {
        this.config = config;
        this.service = new ExplainService(config, models, methods);
        Handlers h = new Handlers(service, config);
        FaithfulnessHandlers f = new FaithfulnessHandlers(service);
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
        routes(app, h, f, maxRequest);
        errors(app);
    }

    /** Every route of the app, in one place. */
    private static void routes(Javalin app, Handlers h, FaithfulnessHandlers f, long maxRequest) {
        app.before("/api/*", ctx -> {
            long length = ctx.req().getContentLengthLong();
            if (length > maxRequest) {
                ctx.header("Connection", "close");
                throw new ApiException(413, "the upload is " + String.format(java.util.Locale.ROOT, "%.1f",
                        length / 1e6) + " MB, above the " + (maxRequest - REQUEST_OVERHEAD) / 1_000_000
                        + " MB limit");
            }
        });
        app.after(ctx -> {
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Referrer-Policy", "no-referrer");
        });
        app.get("/docs", ctx -> ctx.redirect("/api.html"));

        app.get("/api/models", h::models);
        app.get("/api/models/{model}/layers", h::layers);
        app.get("/api/methods", h::methods);
        app.get("/api/examples", h::examples);
        app.get("/api/examples/{name}", h::example);
        app.get("/api/examples/{name}/thumbnail", h::exampleThumbnail);
        app.post("/api/images", h::uploadImage);
        app.get("/api/images/{id}", h::imagePng);
        app.post("/api/classify", h::classify);
        app.get("/api/explain", h::explain);
        app.post("/api/explain", h::explain);
        app.get("/api/compare", h::compare);
        app.post("/api/compare", h::compare);
        app.post("/api/jobs", h::startJob);
        app.get("/api/jobs/{id}", h::job);
        app.delete("/api/jobs/{id}", h::cancelJob);
        // "How faithful is this map?" (documented in FaithfulnessHandlers, openapi.json and api.html)
        app.post("/api/faithfulness", f::start);        // start: deletion + insertion vs a random map, as a job
        app.get("/api/faithfulness/{id}", f::status);   // progress; the curves and AUCs once done
        app.delete("/api/faithfulness/{id}", f::cancel); // cancel
    }

    private static void errors(Javalin app) {
        app.exception(ApiException.class, (e, ctx) -> {
            e.headers().forEach(ctx::header);
            error(ctx, e.status(), e.getMessage());
        });
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(),
                e.getStatus() == 413 ? "the upload is above the size limit" : Handlers.safeMessage(e)));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.warn("request {} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error: " + Handlers.safeMessage(e));
        });
        app.error(404, ctx -> {
            if (ctx.resultInputStream() == null) {
                error(ctx, 404, "not found: " + ParamSpec.clip(ctx.path()));
            }
        });
        app.error(405, ctx -> {
            if (ctx.resultInputStream() == null) {
                error(ctx, 405, "method " + ctx.method() + " not allowed on " + ParamSpec.clip(ctx.path()));
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
