package dev.salient.web;

import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.MethodDescription;
import dev.salient.attribution.MethodTraits;
import dev.salient.attribution.ParameterDescription;
import dev.salient.attribution.SpatialLayers;
import dev.salient.model.Classification;
import dev.salient.model.ClassScore;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelInfo;
import dev.salient.render.DisplaySettings;
import dev.salient.render.PngWriter;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.util.*;

/** The API's request handlers, each small; the routes that call them are all in {@link SalientServer}. */
final class Handlers {
    private final ExplainService service;
    private final WebConfig config;
    private final RequestParameters parameters;

    Handlers(ExplainService service, WebConfig config, RequestParameters parameters) {
        this.service = service;
        this.config = config;
        this.parameters = parameters;
    }

    // ---- catalogue ----

    void models(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : service.models.names()) {
            out.add(modelJson(name, service.models.get(name)));
        }
        ctx.json(Map.of("models", out, "default", service.models.nameOf(null)));
    }

    static Map<String, Object> modelJson(String name, ImageClassifier c) {
        ModelInfo info = c.info();
        var p = info.preprocessing();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("input", Map.of("width", p.width(), "height", p.height(), "layout", p.layout().name(),
                "resize", p.resize().name().toLowerCase(Locale.ROOT)));
        m.put("classes", info.classes());
        m.put("assumptions", info.assumptions());
        return m;
    }

    /** The model's spatial layers for Grad-CAM-like methods, in network order; the default is the last. */
    void layers(Context ctx) {
        ImageClassifier c = service.models.get(ctx.pathParam("model"));
        List<Map<String, Object>> layers = new ArrayList<>();
        List<SpatialLayers.Layer> found = ModelLayers.of(c.engine());
        List<String> labels = LayerLabels.of(c.engine(), found);
        for (int i = 0; i < found.size(); i++) {
            SpatialLayers.Layer l = found.get(i);
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", l.name());
            j.put("shape", l.shape());
            j.put("channels", l.channels());
            j.put("height", l.height());
            j.put("width", l.width());
            j.put("layout", l.layout().name());
            j.put("label", labels.get(i));
            layers.add(j);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", service.models.nameOf(ctx.pathParam("model")));
        out.put("layers", layers);
        out.put("default", ModelLayers.defaultLayer(c.engine()));
        ctx.json(out);
    }

    /**
     * Every method as its description says (parameters a request may set, traits, default look), the request
     * parameters every method takes (head) and the display settings: what the page builds its controls from.
     */
    void methods(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MethodDescription m : service.methods.all()) {
            MethodTraits t = m.traits();
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", m.name());
            j.put("label", m.title());
            j.put("description", m.summary());
            j.put("map", ParameterDescription.key(t.map()));
            j.put("coarse", t.map() == MethodTraits.MapKind.LAYER);
            j.put("signed", t.signed());
            j.put("scaling", ParameterDescription.key(t.scale()));
            j.put("colormap", ParameterDescription.key(DisplaySettings.defaultColorMap(t.map())));
            j.put("overlay", ParameterDescription.key(DisplaySettings.defaultOverlay(t.map())));
            j.put("exportable", t.exportable());
            j.put("needs", ParameterDescription.key(t.needs()));
            j.put("cost", t.cost().toString());
            j.put("passes", t.cost());
            j.put("params", m.parameters().stream().filter(p -> p.access() == ParameterDescription.Access.REQUEST)
                    .map(ParameterJson::control).toList());
            out.add(j);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("methods", out);
        body.put("default", parameters.methodParameter.defaultValue());
        body.put("request", List.of(ParameterJson.control(AttributionRequest.HEAD)));
        body.put("display", DisplaySettings.PARAMETERS.stream().map(ParameterJson::control).toList());
        ctx.json(body);
    }

    // ---- gallery ----

    void examples(Context ctx) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Examples.Example e : service.examples.list()) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", e.name());
            j.put("url", "/api/examples/" + urlPart(e.name()));
            j.put("thumbnail", "/api/examples/" + urlPart(e.name()) + "/thumbnail");
            j.put("credit", e.credit());
            out.add(j);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("examples", out);
        body.put("credits", service.examples.creditsText());
        ctx.json(body);
    }

    void example(Context ctx) {
        String name = ctx.pathParam("name");
        byte[] bytes = service.examples.bytes(name);
        ctx.contentType(mime(name)).header("Cache-Control", "max-age=3600").result(bytes);
    }

    void exampleThumbnail(Context ctx) {
        ctx.contentType("image/png").header("Cache-Control", "max-age=3600")
                .result(service.examples.thumbnail(ctx.pathParam("name")));
    }

    // ---- images ----

    void uploadImage(Context ctx) {
        ImageStore.StoredImage img = image(ctx);
        ctx.status(201).json(imageJson(img));
    }

    void imagePng(Context ctx) {
        ImageStore.StoredImage img = service.images.get(ctx.pathParam("id"));
        ctx.contentType("image/png").header("Cache-Control", "private, max-age=3600")
                .result(PngWriter.toPng(img.photo()));
    }

    private static Map<String, Object> imageJson(ImageStore.StoredImage img) {
        return Map.of("id", img.id(), "width", img.photo().getWidth(), "height", img.photo().getHeight(),
                "url", "/api/images/" + img.id());
    }

    // ---- classify / explain ----

    void classify(Context ctx) {
        ImageStore.StoredImage img = image(ctx);
        String model = param(ctx, "model");
        int topK = RequestParameters.TOPK.parse(param(ctx, RequestParameters.TOPK.name()));
        Classification c = service.classify(img, model, topK);
        List<Map<String, Object>> top = new ArrayList<>();
        for (ClassScore s : c.top()) {
            top.add(Map.of("index", s.index(), "label", s.label(), "probability", s.probability(),
                    "logit", s.logit()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("image", imageJson(img));
        out.put("model", service.models.nameOf(model));
        out.put("top", top);
        ctx.json(out);
    }

    void explain(Context ctx) {
        ImageStore.StoredImage img = image(ctx);
        ExplainService.ExplainRequest r = service.request(img, parameters.method(ctx), p -> param(ctx, p));
        DisplaySettings display = DisplaySettings.parse(p -> param(ctx, p), "");
        int width = RequestParameters.WIDTH.parse(param(ctx, RequestParameters.WIDTH.name()));
        BufferedImage out = service.render(r, service.attribution(r), display, width);
        ctx.contentType("image/png").header("Cache-Control", "private, max-age=600");
        if (RequestParameters.DOWNLOAD.parse(param(ctx, RequestParameters.DOWNLOAD.name()))) {
            ctx.header("Content-Disposition", "attachment; filename=\"salient-" + r.method().name() + "-"
                    + r.classIndex() + ".png\"");
            ctx.result(PngWriter.toPng(out));
        } else {
            ctx.result(PngWriter.toStoredPng(out)); // shown at once, often re-rendered by a slider
        }
    }

    void compare(Context ctx) {
        ImageStore.StoredImage img = image(ctx);
        List<ExplainService.ExplainRequest> rs = new ArrayList<>();
        for (MethodDescription m : parameters.compared(param(ctx, RequestParameters.METHODS.name()))) {
            rs.add(service.request(img, m, p -> param(ctx, p)));
        }
        DisplaySettings display = DisplaySettings.parse(p -> param(ctx, p), "");
        int height = RequestParameters.HEIGHT.parse(param(ctx, RequestParameters.HEIGHT.name()));
        ctx.contentType("image/png").result(PngWriter.toPng(service.compare(rs, display, height)));
    }

    // ---- jobs ----

    void startJob(Context ctx) {
        ImageStore.StoredImage img = image(ctx);
        ExplainService.ExplainRequest r = service.request(img, parameters.method(ctx), p -> param(ctx, p));
        ExplainService.Job job = service.startJob(r);
        ctx.status(job.state.equals("done") ? 200 : 202).json(job.json());
    }

    void job(Context ctx) {
        ctx.json(service.job(ctx.pathParam("id")).json());
    }

    void cancelJob(Context ctx) {
        ExplainService.Job job = service.job(ctx.pathParam("id"));
        job.cancel();
        ctx.json(job.json());
    }

    // ---- request helpers ----

    /** The photo of a request: an uploaded file (multipart "image" or the raw body), an id, or an example name. */
    private ImageStore.StoredImage image(Context ctx) {
        String id = param(ctx, "image");
        if (id != null && !id.isBlank()) {
            return service.images.get(id);
        }
        String example = param(ctx, "example");
        if (example != null && !example.isBlank()) {
            return service.images.put(service.examples.bytes(example));
        }
        String type = Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/")) {
            UploadedFile file = ctx.uploadedFile("image"); // parsed and checked by parseMultipart
            if (file == null) {
                throw ApiException.badRequest("no file in the multipart field 'image'");
            }
            if (file.size() > config.limits().maxBytes()) {
                throw new ApiException(413, "the file is above the " + config.limits().maxBytes() / 1_000_000
                        + " MB upload limit");
            }
            try (InputStream in = file.content()) {
                return service.images.put(in.readAllBytes());
            } catch (IOException e) {
                throw ApiException.badRequest("cannot read the uploaded file: " + safeMessage(e));
            }
        }
        if (ctx.method().name().equals("POST") && !type.startsWith("application/x-www-form-urlencoded")) {
            byte[] body = ctx.bodyAsBytes();
            if (body.length > 0) {
                return service.images.put(body);
            }
        }
        throw ApiException.badRequest("no image: upload one (request body or multipart field 'image'), or give "
                + "'image' (an id from /api/images) or 'example' (a gallery name)");
    }

    /**
     * Parses a multipart body before any handler reads a field of it. Jetty's parser throws (an
     * {@code IOException} that Javalin does not declare) on a missing boundary or a garbled body: that is the
     * client's error, a 400, not a 500 from whichever handler asked first. Jetty says "too large" only in its
     * message text, hence the match on it.
     */
    void parseMultipart(Context ctx) {
        String type = Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(Locale.ROOT);
        if (!type.startsWith("multipart/")) {
            return;
        }
        try {
            ctx.uploadedFiles();
            ctx.formParamMap();
        } catch (Exception e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("max") || m.contains("size") || m.contains("exceed") || m.contains("large")) {
                throw new ApiException(413, "the upload is above the " + config.limits().maxBytes() / 1_000_000
                        + " MB limit");
            }
            throw ApiException.badRequest("malformed multipart/form-data body: " + safeMessage(e));
        }
    }

    /** A parameter from the query string, or from the form fields of a form/multipart body. */
    static String param(Context ctx, String name) {
        String q = ctx.queryParam(name);
        if (q != null) {
            return q;
        }
        String type = Optional.ofNullable(ctx.contentType()).orElse("").toLowerCase(Locale.ROOT);
        if (type.startsWith("multipart/") || type.startsWith("application/x-www-form-urlencoded")) {
            return ctx.formParam(name); // a multipart body was parsed and checked by parseMultipart
        }
        return null;
    }

    static String safeMessage(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return m.length() > 300 ? m.substring(0, 300) + "…" : m;
    }

    private static String urlPart(String name) {
        return java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String mime(String name) {
        return switch (Examples.ext(name)) {
            case "png" -> "image/png";
            case "jpg", "jpeg" -> "image/jpeg";
            case "gif" -> "image/gif";
            case "webp" -> "image/webp";
            default -> "image/bmp";
        };
    }
}
