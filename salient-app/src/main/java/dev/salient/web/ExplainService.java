package dev.salient.web;

import com.github.benmanes.caffeine.cache.Cache;
import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.MethodDescription;
import dev.salient.attribution.NotApplicableException;
import dev.salient.attribution.ParameterDescription;
import dev.salient.attribution.ParameterType;
import dev.salient.attribution.ParameterValues;
import dev.salient.attribution.ProgressListener;
import dev.salient.autodiff.UnsupportedOperatorException;
import dev.salient.autodiff.TargetHead;
import dev.salient.image.Preprocessing;
import dev.salient.image.Preprocessor;
import dev.salient.image.Resampler;
import dev.salient.render.AttributionMap;
import dev.salient.render.AttributionRenderer;
import dev.salient.render.ChannelAggregation;
import dev.salient.render.ColorMap;
import dev.salient.render.RenderOptions;
import dev.salient.render.Renderer;
import dev.salient.render.Scaling;

import dev.salient.model.Classification;
import dev.salient.model.ImageClassifier;
import dev.salient.render.ComparisonSheet;
import dev.salient.render.DisplaySettings;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.util.*;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * What the handlers call: classification and attribution on the worker pool, results cached, rendering.
 *
 * <p>Caching: raw attributions are cached server-side (LRU by bytes) under image SHA-256 + model + method +
 * method parameters + class. Sensitivity, blend, colour map, opacity and aggregation only re-render a cached
 * attribution and never run the network. Classifications are cached the same way under image + model.
 */
final class ExplainService implements AutoCloseable {
    private static final int MAX_JOBS = 256;
    /** What a request may set; batch and memory-mb keep the server's defaults. */
    private static final Set<ParameterDescription.Access> REQUEST_ACCESS = Set.of(ParameterDescription.Access.REQUEST);

    /**
     * One attribution a request asks for, its parameters checked once and its method built once.
     *
     * @param method      the method's description
     * @param params      its parameters as checked values (layers resolved, so the default and its name share a key)
     * @param attribution the method built from them
     */
    record ExplainRequest(ImageStore.StoredImage image, String modelName, ImageClassifier classifier,
                          MethodDescription method, ParameterValues params, AttributionMethod attribution,
                          TargetHead head, int classIndex) {
        String key() {
            return image.id() + "|" + modelName + "|" + method.name() + "|" + params + "|" + head + "|" + classIndex;
        }
    }

    final ModelRegistry models;
    final MethodRegistry methods;
    final ImageStore images;
    final Examples examples;
    final WorkPool pool;
    private final Cache<String, Attribution> attributions;
    private final Cache<String, Classification> classifications;
    private final Map<String, Job> jobs = Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, Job> inFlight = new ConcurrentHashMap<>();
    private final Semaphore renders = new Semaphore(2);
    /** Photos shrunk to the width a page shows them at, by image id and width. */
    private final ByteLruCache<String, BufferedImage> displayedPhotos = new ByteLruCache<>(64L << 20,
            p -> 4L * p.getWidth() * p.getHeight());
    /** Coloured layers of recent renders: what overlay, blend and opacity do not change. */
    private final ByteLruCache<LayerKey, Renderer.Layer> layers = new ByteLruCache<>(64L << 20,
            l -> 8L * l.colors().length + 64);

    /** What a {@link Renderer.Layer} is made from: the attribution, where it lies, and how values become colours. */
    private record LayerKey(String attribution, Rectangle region, ChannelAggregation aggregation, Scaling scaling,
                            ColorMap colors) {}

    ExplainService(WebConfig config, ModelRegistry models, MethodRegistry methods) {
        this.models = models;
        this.methods = methods;
        this.images = new ImageStore(config.limits(), config.imageCacheBytes());
        this.examples = new Examples(config.examples(), config.limits());
        this.pool = new WorkPool(config.workers(), config.queue(), config.timeout());
        this.attributions = ByteBoundedCache.create(config.cacheBytes(), a -> 4L * a.values().length + 64);
        this.classifications = ByteBoundedCache.create(64L << 20, c -> 4L * c.logits().length + 256);
    }

    // ---- classification ----

    Classification classify(ImageStore.StoredImage image, String modelName, int topK) {
        ImageClassifier c = models.get(modelName);
        String key = image.id() + "|" + models.nameOf(modelName);
        Classification full = classifications.getIfPresent(key);
        if (full == null) {
            int most = RequestParameters.TOPK.maximum().intValue(); // cached once for any topk
            full = pool.call(cancel -> {
                try (var hold = c.engine().lease()) { // a model closed meanwhile is freed after this request
                    return c.classify(image.photo(), most);
                }
            });
            classifications.put(key, full);
        }
        return new Classification(full.top().subList(0, Math.min(topK, full.top().size())), full.logits());
    }

    // ---- requests ----

    /** The attribution {@code param} asks for, of the method it names (the default when none). */
    ExplainRequest request(ImageStore.StoredImage image, Function<String, String> param) {
        return request(image, methods.get(param.apply(RequestParameters.METHOD)), param);
    }

    /**
     * The attribution {@code param} asks for, of {@code method}: its parameters parsed once from the request (only
     * those a request may set), layers resolved against the model, the method built once.
     *
     * @throws ApiException 400 for a bad value, naming the parameter
     */
    ExplainRequest request(ImageStore.StoredImage image, MethodDescription method, Function<String, String> param) {
        String modelName = models.nameOf(param.apply("model"));
        ImageClassifier c = models.get(modelName);
        Map<String, String> raw = new LinkedHashMap<>();
        for (String name : method.parameterNames()) {
            String v = param.apply(name);
            if (v != null && !v.isBlank()) {
                raw.put(name, v);
            }
        }
        ParameterValues params = method.parse(raw, REQUEST_ACCESS);
        for (ParameterDescription<?> p : method.parameters()) {
            if (p.type() == ParameterType.LAYER) {
                params = params.with(p.name(), ModelLayers.resolve(c.engine(), (String) params.values().get(p.name())));
            }
        }
        AttributionMethod attribution;
        try {
            attribution = method.create(params);
        } catch (IllegalArgumentException e) { // a combination the method refuses, e.g. the trapezoid rule with 1 step
            throw ApiException.badRequest(e.getMessage());
        }
        TargetHead head = AttributionRequest.HEAD.parse(param.apply(AttributionRequest.HEAD.name()));
        int classIndex;
        try {
            classIndex = c.resolveTarget(param.apply("class"), () -> classify(image, modelName, 1));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        return new ExplainRequest(image, modelName, c, method, params, attribution, head, classIndex);
    }

    Attribution cached(ExplainRequest r) {
        return attributions.getIfPresent(r.key());
    }

    /** The attribution, from the cache or computed now (waiting for a worker, within the time limit). */
    Attribution attribution(ExplainRequest r) {
        Attribution raw = attributions.getIfPresent(r.key());
        if (raw != null) {
            return raw;
        }
        raw = pool.call(cancel -> compute(r, new ProgressListener() {
            @Override
            public void progress(int done, int total) {
            }

            @Override
            public boolean cancelled() {
                return cancel.cancelled();
            }
        }));
        return raw;
    }

    private Attribution compute(ExplainRequest r, ProgressListener progress) {
        float[] input = r.classifier().toInput(r.image().photo());
        Attribution raw;
        try (var hold = r.classifier().engine().lease()) { // a model closed meanwhile is freed after this request
            raw = r.attribution().attribute(AttributionRequest.of(r.classifier(), input, r.classIndex(), r.head()),
                    progress);
        } catch (NotApplicableException e) {
            // a well-formed request for a method this architecture lacks (attention rollout on a CNN)
            throw new ApiException(422, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (UnsupportedOperatorException e) {
            // the model classifies, but this method needs a gradient through an op that has no backward rule
            throw new ApiException(422, e.getMessage());
        }
        attributions.put(r.key(), raw);
        return raw;
    }

    /** The attribution drawn at the photo's own size. */
    BufferedImage render(ExplainRequest r, Attribution raw, DisplaySettings display) {
        return render(r, raw, display, 0);
    }

    /**
     * The attribution drawn over the photo shrunk to at most {@code width} pixels wide (0: its own width). The
     * coloured layer is kept ({@link #layers}), so a change of overlay, blend or opacity only composites it again.
     */
    BufferedImage render(ExplainRequest r, Attribution raw, DisplaySettings display, int width) {
        acquireRender();
        try {
            BufferedImage photo = displayed(r.image(), width);
            Preprocessing preprocessing = r.classifier().preprocessing();
            Rectangle region = Preprocessor.sourceRegion(photo.getWidth(), photo.getHeight(), preprocessing);
            AttributionMap map = AttributionRenderer.map(preprocessing, raw, display.aggregation());
            RenderOptions options = display.options(r.method().traits(), map);
            LayerKey key = new LayerKey(r.key(), region, options.aggregation(), options.scaling(), options.colorMap());
            Renderer.Layer layer = layers.get(key);
            if (layer == null) {
                layer = Renderer.layer(region, map, options);
                layers.put(key, layer);
            }
            return Renderer.composite(photo, layer, options.overlay(), options.opacity());
        } finally {
            renders.release();
        }
    }

    /** The photo at most {@code width} wide (0 or wider than the photo: as it is), shrunk once per width. */
    private BufferedImage displayed(ImageStore.StoredImage image, int width) {
        BufferedImage photo = image.photo();
        if (width <= 0 || width >= photo.getWidth()) {
            return photo;
        }
        String key = image.id() + "|" + width;
        BufferedImage shrunk = displayedPhotos.get(key);
        if (shrunk == null) {
            int height = Math.max(1, (int) Math.round((double) photo.getHeight() * width / photo.getWidth()));
            shrunk = Resampler.resize(photo, width, height);
            displayedPhotos.put(key, shrunk);
        }
        return shrunk;
    }

    BufferedImage compare(List<ExplainRequest> requests, DisplaySettings display, int panelHeight) {
        List<ComparisonSheet.Panel> panels = new ArrayList<>();
        for (ExplainRequest r : requests) {
            panels.add(new ComparisonSheet.Panel(r.method().title(), render(r, attribution(r), display)));
        }
        acquireRender();
        try {
            return ComparisonSheet.compose(requests.get(0).image().photo(), panels, panelHeight);
        } finally {
            renders.release();
        }
    }

    private void acquireRender() {
        try {
            if (!renders.tryAcquire(pool.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw ApiException.busy("the server is busy rendering; try again in a moment", 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted");
        }
    }

    // ---- jobs: long attributions with progress and cancel ----

    final class Job {
        final String id = UUID.randomUUID().toString();
        final ExplainRequest request;
        volatile String state = "queued";
        volatile int done;
        volatile int total;
        volatile String error;
        volatile int errorStatus;
        volatile boolean cached;
        volatile WorkPool.Cancel cancel;
        /** What the job's work returned, once done (null for attributions, which stay in the cache). */
        volatile Object result;

        Job(ExplainRequest request) {
            this.request = request;
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("state", state);
            m.put("done", done);
            m.put("total", total);
            m.put("cached", cached);
            m.put("method", request.method().name());
            m.put("class", request.classIndex());
            if (error != null) {
                m.put("error", error);
                m.put("status", errorStatus);
            }
            return m;
        }

        /**
         * The error, then the state: a client that reads "failed" (a volatile write after both) always finds the error
         * and its status beside it. Set the other way round, a poll in between answered "failed" with neither.
         */
        void fail(int status, String message) {
            errorStatus = status;
            error = message;
            state = "failed";
        }

        void cancel() {
            WorkPool.Cancel c = cancel;
            if (c != null) {
                c.cancel("cancelled");
            }
            if (state.equals("queued") || state.equals("running")) {
                state = "cancelling";
            }
        }
    }

    /** Starts (or joins, or answers from the cache) the attribution of a request. */
    Job startJob(ExplainRequest r) {
        return startJob(r.key(), r, () -> attributions.getIfPresent(r.key()) != null,
                progress -> compute(r, progress), "the attribution failed: ");
    }

    /** Work a job runs on a worker: reports progress, polls cancellation through the listener, returns a result. */
    interface JobWork {
        Object run(ProgressListener progress);
    }

    /**
     * Starts a job on the worker pool, or joins the one running under the same key, or answers at once (state done)
     * when {@code done} says the result is already cached. The job's progress, cancellation and failures are
     * handled as for attributions; its result (if not null) is kept on the job.
     */
    Job startJob(String key, ExplainRequest r, java.util.function.BooleanSupplier done, JobWork work,
                 String failure) {
        Job running = inFlight.get(key);
        if (running != null && !running.state.equals("cancelling")) {
            return running;
        }
        Job job = new Job(r);
        if (done.getAsBoolean()) {
            job.cached = true;
            job.state = "done";
            job.done = job.total = 1;
            remember(job);
            return job;
        }
        WorkPool.Submitted<Object> s = pool.submit(cancel -> {
            job.state = "running";
            try {
                Object result = work.run(new ProgressListener() {
                    @Override
                    public void progress(int done, int total) {
                        job.done = done;
                        job.total = total;
                    }

                    @Override
                    public boolean cancelled() {
                        return cancel.cancelled();
                    }
                });
                if (cancel.cancelled() && !"cancelled".equals(cancel.reason())) {
                    throw new CancellationException(cancel.reason());
                }
                job.result = result;
                job.state = "done";
                return result;
            } catch (CancellationException e) {
                if ("cancelled".equals(cancel.reason())) {
                    job.state = "cancelled";
                } else {
                    job.fail(504, "stopped: " + (cancel.reason() != null ? cancel.reason() : e.getMessage()));
                }
                throw e;
            } catch (ApiException e) {
                job.fail(e.status(), e.getMessage());
                throw e;
            } catch (RuntimeException e) {
                job.fail(500, failure + Handlers.safeMessage(e));
                throw e;
            } finally {
                inFlight.remove(key, job);
            }
        });
        job.cancel = s.cancel();
        inFlight.put(key, job);
        remember(job);
        return job;
    }

    /** The attribution of a request from the cache, or computed now on the calling worker with its progress. */
    Attribution attributionOnWorker(ExplainRequest r, ProgressListener progress) {
        Attribution raw = attributions.getIfPresent(r.key());
        return raw != null ? raw : compute(r, progress);
    }

    private void remember(Job job) {
        synchronized (jobs) {
            jobs.put(job.id, job);
            Iterator<Job> it = jobs.values().iterator();
            while (jobs.size() > MAX_JOBS && it.hasNext()) {
                Job old = it.next();
                if (!old.state.equals("queued") && !old.state.equals("running")) {
                    it.remove();
                } else if (jobs.size() > MAX_JOBS * 2) {
                    break;
                }
            }
        }
    }

    Job job(String id) {
        Job j = jobs.get(id);
        if (j == null) {
            throw ApiException.notFound("no job '" + ApiException.clip(id) + "'");
        }
        return j;
    }

    @Override
    public void close() {
        pool.close();
    }
}
