package dev.salient.model;

import ai.onnx.proto.OnnxMl;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.DiskCache;
import dev.salient.engine.EngineOptions;
import dev.salient.graph.ModelFolder;
import dev.salient.graph.ModelFormatException;
import dev.salient.graph.OnnxModel;
import dev.salient.image.Layout;
import dev.salient.image.Preprocessing;
import dev.salient.image.Preprocessor;
import dev.salient.image.ResizeMode;
import dev.salient.tflite.TfliteImport;
import dev.salient.tflite.TfliteImportException;
import dev.salient.tflite.TfliteImporter;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * An image classifier ready to classify and explain: the ONNX graph (imported from TFLite if need be), its
 * image input and class-score output, per-model preprocessing and labels, and the engine over it.
 *
 * <p>A graph that ends in Softmax is attributed on the Softmax's input (the logits) unless the configuration
 * says {@code keepSoftmax}: saturated probabilities have vanishing gradients.
 */
public final class ImageClassifier implements AutoCloseable {
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "Reshape", "Flatten", "Squeeze");

    private final DifferentiableModel engine;
    private final Preprocessing preprocessing;
    private final Labels labels;
    private final ModelInfo info;

    private ImageClassifier(DifferentiableModel engine, Preprocessing preprocessing, Labels labels, ModelInfo info) {
        this.engine = engine;
        this.preprocessing = preprocessing;
        this.labels = labels;
        this.info = info;
    }

    /** Loads a model file with its sidecar ({@code MODEL.json}) and labels found beside it. */
    public static ImageClassifier load(Path modelFile) {
        ResolvedModel resolved;
        try {
            resolved = ResolvedModel.atPath(modelFile);
        } catch (java.io.IOException e) {
            throw new ModelFormatException(e.getMessage());
        }
        return load(resolved, ModelConfig.EMPTY, EngineOptions.DEFAULT);
    }

    /**
     * @param overrides settings that win over the sidecar (command-line flags)
     */
    public static ImageClassifier load(ResolvedModel resolved, ModelConfig overrides, EngineOptions options) {
        Path file = resolved.modelFile();
        List<String> assumptions = new ArrayList<>();
        ModelConfig config = ModelConfig.EMPTY;
        OnnxModel model;
        String contentDigest = null;
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".tflite")) {
            try {
                DiskCache cache = options.cacheFolder() == null ? null : DiskCache.at(options.cacheFolder());
                contentDigest = cache == null ? null : "tflite-sha256:" + cache.fileDigest(file);
                TfliteImport imported = cache == null ? TfliteImporter.importModel(file)
                        : importThroughCache(file, cache, contentDigest);
                model = new OnnxModel(imported.model());
                Sidecar sidecar = Sidecar.of(imported.sidecar());
                config = sidecar.config();
                if (sidecar.assumed() != null) {
                    assumptions.add(sidecar.assumed());
                }
            } catch (TfliteImportException e) {
                throw new ModelFormatException(e.getMessage());
            } catch (java.io.IOException e) {
                throw new ModelFormatException("cannot read model file " + file + ": " + e.getMessage());
            }
        } else {
            model = OnnxModel.load(file);
        }
        config = config.overriddenBy(ModelConfig.fromJson(resolved.sidecar())).overriddenBy(overrides);

        OnnxMl.ValueInfoProto input = imageInput(model, config.input());
        long[] dims = dims(input);
        Layout layout = config.layout() != null ? config.layout() : inferLayout(input.getName(), dims, assumptions);
        int hAxis = layout == Layout.NCHW ? 2 : 1;
        int height = config.height() != null ? config.height()
                : spatial(input.getName(), dims[hAxis], "height", assumptions);
        int width = config.width() != null ? config.width()
                : spatial(input.getName(), dims[hAxis + 1], "width", assumptions);
        long[] shape = layout == Layout.NCHW ? new long[]{1, 3, height, width} : new long[]{1, height, width, 3};

        String output = config.output() != null ? config.output() : classOutput(model);
        boolean keepSoftmax = Boolean.TRUE.equals(config.keepSoftmax());
        String scores = keepSoftmax ? output : logitsBeforeSoftmax(model, output);
        boolean cut = !scores.equals(output);

        Preprocessing preprocessing = preprocessing(config, width, height, layout, assumptions);
        DifferentiableModel engine = contentDigest == null
                ? DifferentiableModel.open(model, input.getName(), scores, shape, options)
                : DifferentiableModel.open(model, contentDigest, input.getName(), scores, shape, options);
        Labels labels = labels(resolved, config, engine.classes(), assumptions);
        ModelInfo info = new ModelInfo(resolved.name(), input.getName(), scores, preprocessing, engine.classes(), cut,
                List.copyOf(assumptions));
        return new ImageClassifier(engine, preprocessing, labels, info);
    }

    /**
     * The TFLite import from the engine's disk cache, or imported and then kept: importing the Coral MobileNetV2
     * (dequantising 3.5 M weights) cost about a second of CPU in every command-line run. The graph and the sidecar
     * are two entries, so that the graph is parsed straight from its mapped file.
     */
    private static TfliteImport importThroughCache(Path file, DiskCache cache, String contentDigest)
            throws IOException, TfliteImportException {
        String key = contentDigest + "|" + DiskCache.codeVersion();
        ObjectMapper json = new ObjectMapper();
        Optional<byte[]> sidecar = cache.read("tflite-import-sidecar|" + key);
        // mapped, not read into a new array: 14 MB of first touches for the default model
        Optional<java.nio.ByteBuffer> graph = sidecar.isPresent() ? cache.map("tflite-import-graph|" + key)
                : Optional.empty();
        if (graph.isPresent()) {
            try {
                return new TfliteImport(OnnxModel.fromBuffer(graph.get(), "the cached import of " + file).proto(),
                        (ObjectNode) json.readTree(sidecar.get()));
            } catch (RuntimeException | IOException e) {
                // verified, yet not what this build writes: import again (and overwrite both)
            }
        }
        TfliteImport imported = TfliteImporter.importModel(file);
        cache.write("tflite-import-graph|" + key, imported.model().toByteArray());
        cache.write("tflite-import-sidecar|" + key, json.writeValueAsBytes(imported.sidecar()));
        return imported;
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static OnnxMl.ValueInfoProto imageInput(OnnxModel model, String wanted) {
        List<OnnxMl.ValueInfoProto> inputs = model.runtimeInputs();
        if (wanted != null) {
            return inputs.stream().filter(v -> v.getName().equals(wanted)).findFirst().orElseThrow(() ->
                    new ModelFormatException("the model has no input '" + wanted + "'; its inputs are "
                            + inputs.stream().map(OnnxMl.ValueInfoProto::getName).toList()));
        }
        List<OnnxMl.ValueInfoProto> images = inputs.stream()
                .filter(v -> v.getType().getTensorType().getShape().getDimCount() == 4).toList();
        if (images.size() != 1) {
            throw new ModelFormatException("cannot tell the image input: the model has " + images.size()
                    + " rank-4 inputs among " + inputs.stream().map(OnnxMl.ValueInfoProto::getName).toList()
                    + " (name it with \"input\" in the sidecar)");
        }
        return images.get(0);
    }

    private static long[] dims(OnnxMl.ValueInfoProto v) {
        return v.getType().getTensorType().getShape().getDimList().stream()
                .mapToLong(d -> d.hasDimValue() ? d.getDimValue() : -1).toArray();
    }

    private static Layout inferLayout(String name, long[] dims, List<String> assumptions) {
        if (dims[1] == 3) {
            return Layout.NCHW;
        }
        if (dims[3] == 3) {
            return Layout.NHWC;
        }
        throw new ModelFormatException("cannot tell whether input '" + name + "' " + Arrays.toString(dims)
                + " is NCHW or NHWC with 3 colour channels (set \"layout\" in the sidecar)");
    }

    private static int spatial(String input, long dim, String what, List<String> assumptions) {
        if (dim > Integer.MAX_VALUE) {
            throw new ModelFormatException("input '" + input + "' has a " + what + " of " + dim + " pixels, above the "
                    + Integer.MAX_VALUE + " an image can have");
        }
        if (dim > 0) {
            return (int) dim;
        }
        assumptions.add("input " + what + " is not fixed by the model: assumed 224");
        return 224;
    }

    private static String classOutput(OnnxModel model) {
        List<OnnxMl.ValueInfoProto> outputs = model.graph().getOutputList();
        if (outputs.size() == 1) {
            return outputs.get(0).getName();
        }
        for (OnnxMl.ValueInfoProto o : outputs) {
            if (o.getName().toLowerCase(Locale.ROOT).contains("logit")) {
                return o.getName();
            }
        }
        throw new ModelFormatException("cannot tell the class output among " + outputs.stream()
                .map(OnnxMl.ValueInfoProto::getName).toList() + " (name it with \"output\" in the sidecar)");
    }

    /** Follows the output back through reshapes; if a Softmax produced it, the Softmax's input is the logits. */
    private static String logitsBeforeSoftmax(OnnxModel model, String output) {
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : model.graph().getNodeList()) {
            for (String o : n.getOutputList()) {
                producer.put(o, n);
            }
        }
        String tensor = output;
        for (OnnxMl.NodeProto n = producer.get(tensor); n != null; n = producer.get(tensor)) {
            if (n.getOpType().equals("Softmax")) {
                return n.getInput(0);
            }
            if (!PASS_THROUGH.contains(n.getOpType())) {
                break;
            }
            tensor = n.getInput(0);
        }
        return output;
    }

    private static Preprocessing preprocessing(ModelConfig c, int width, int height, Layout layout,
                                               List<String> assumptions) {
        if (c.scale() == null && c.mean() == null && c.std() == null) {
            assumptions.add("no preprocessing given: assumed RGB pixels scaled to [0,1], whole photo stretched to "
                    + width + "x" + height);
        }
        ResizeMode resize = c.resize() != null ? c.resize() : ResizeMode.STRETCH;
        double crop = c.cropFraction() != null ? c.cropFraction() : (resize == ResizeMode.CENTER_CROP ? 0.875 : 1.0);
        return new Preprocessing(width, height, resize, crop, layout, c.scale() != null ? c.scale() : 1.0 / 255,
                c.mean() != null ? c.mean() : new double[]{0, 0, 0}, c.std() != null ? c.std() : new double[]{1, 1, 1});
    }

    /**
     * The labels file: the one the user chose or the catalog fetched ({@link ResolvedModel#labelsFile()}), else the
     * one the sidecar names, else a usual name beside the model; the last two inside the model's folder only
     * ({@link ModelFolder}).
     */
    private static Labels labels(ResolvedModel resolved, ModelConfig config, int classes, List<String> assumptions) {
        Path file = resolved.labelsFile();
        ModelFolder folder = ModelFolder.of(resolved.modelFile());
        if (file == null && config.labels() != null) {
            file = folder.resolve(config.labels(), "the sidecar's \"labels\"");
        }
        if (file == null) {
            for (String guess : List.of(stem(resolved.modelFile()) + ".labels.txt", "labels.txt",
                    "imagenet_labels_" + classes + ".txt")) {
                if (Files.exists(folder.root().resolve(guess), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    file = folder.resolve(guess, "the labels file " + guess + " beside the model");
                    assumptions.add("labels taken from " + guess + " beside the model");
                    break;
                }
            }
        }
        if (file == null) {
            assumptions.add("no labels file: classes are numbered");
            return Labels.numbered(classes);
        }
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException("labels file not found: " + file);
        }
        return Labels.read(file, classes);
    }

    public DifferentiableModel engine() {
        return engine;
    }

    public Preprocessing preprocessing() {
        return preprocessing;
    }

    public Labels labels() {
        return labels;
    }

    public ModelInfo info() {
        return info;
    }

    /** The model input for one photo. */
    public float[] toInput(BufferedImage photo) {
        return Preprocessor.toTensor(photo, preprocessing);
    }

    public Classification classify(BufferedImage photo, int topK) {
        return classifyInput(toInput(photo), topK);
    }

    /** Top-k classes of one preprocessed input. */
    public Classification classifyInput(float[] input, int topK) {
        return classification(engine.forward(input, 1), topK);
    }

    /** Softmax over the scores and the k best classes. */
    public Classification classification(float[] logits, int topK) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int k = Math.max(1, Math.min(topK, logits.length));
        List<ClassScore> top = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            int c = order[i];
            top.add(new ClassScore(c, labels.name(c), Math.exp(logits[c] - max) / sum, logits[c]));
        }
        return new Classification(List.copyOf(top), logits.clone());
    }

    /**
     * The class meant by a target spec: "top1" (or "topK" for the K-th best), a class index, or a label.
     *
     * @throws IllegalArgumentException for an index out of range or an unknown label
     */
    public int resolveTarget(String spec, Classification classification) {
        return resolveTarget(spec, () -> classification);
    }

    /**
     * As {@link #resolveTarget(String, Classification)}, asking for the classification only when the spec needs it
     * (a rank); an index or a label is resolved without running the model.
     */
    public int resolveTarget(String spec, java.util.function.Supplier<Classification> classification) {
        String s = spec == null || spec.isBlank() ? "top1" : spec.strip();
        if (s.toLowerCase(Locale.ROOT).matches("top\\d+")) {
            int rank = s.length() > 12 ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, Long.parseLong(s.substring(3)));
            if (rank < 1 || rank > classes()) {
                throw new IllegalArgumentException("target " + s + " is out of range (top1..top" + classes() + ")");
            }
            Classification c = classification.get();
            if (rank <= c.top().size()) {
                return c.top().get(rank - 1).index();
            }
            return classification(c.logits(), rank).top().get(rank - 1).index();
        }
        if (s.matches("-?\\d+")) {
            long index;
            try {
                index = Long.parseLong(s);
            } catch (NumberFormatException e) {
                index = Long.MAX_VALUE; // more digits than any class count
            }
            if (index < 0 || index >= classes()) {
                throw new IllegalArgumentException("class index " + s + " is out of range: the model has "
                        + classes() + " classes (0.." + (classes() - 1) + ")");
            }
            return (int) index;
        }
        return labels.indexOf(s);
    }

    public int classes() {
        return engine.classes();
    }

    @Override
    public void close() {
        engine.close();
    }
}
