package dev.salient.tflite;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.tflite.GraphEmitter.Layout;
import dev.salient.tflite.GraphEmitter.Op;
import dev.salient.tflite.GraphEmitter.Value;
import dev.salient.tflite.TfliteSchema.Model;
import dev.salient.tflite.TfliteSchema.OperatorCode;
import dev.salient.tflite.TfliteSchema.QuantizationParameters;
import dev.salient.tflite.TfliteSchema.SubGraph;
import dev.salient.tflite.TfliteSchema.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * Imports a TFLite model (FlatBuffer, identifier {@code TFL3}) as a float32 ONNX graph in the form the
 * engine differentiates.
 *
 * <ul>
 *   <li>Opset 13, IR version 7. The graph input {@code input} is NHWC {@code [N, H, W, C]} (free batch
 *       {@code N}) and is transposed once to NCHW; convolutions and pools then run in ONNX's NCHW convention,
 *       with weights transposed from TFLite's OHWI (depthwise 1HW(C·m)) to OIHW (group = C).</li>
 *   <li>Quantised models (uint8/int8, per-tensor or per-channel) become float: weights and biases are
 *       dequantised into initializers and activations are computed in float. QUANTIZE/DEQUANTIZE become
 *       Identity: there is <em>no fake quantisation</em>, so outputs differ from TFLite's integer kernels by
 *       their rounding.</li>
 *   <li>The input takes <em>real</em> (dequantised) values; the sidecar says how to get them from pixels.</li>
 *   <li>The output is {@code logits}; if the model ends in SOFTMAX, that Softmax stays the last node, its output
 *       is {@code probabilities} and its input is {@code logits}.</li>
 * </ul>
 * Only subgraph 0 is imported. Unsupported operators raise {@link TfliteImportException}.
 */
public final class TfliteImporter {
    private TfliteImporter() {}

    public static final String INPUT = "input";
    public static final String LOGITS = "logits";
    public static final String PROBABILITIES = "probabilities";

    /** Reads and imports a {@code .tflite} file. */
    public static TfliteImport importModel(Path tflite) throws IOException {
        try {
            return importModel(Files.readAllBytes(tflite));
        } catch (TfliteImportException e) {
            throw new TfliteImportException(tflite + ": " + e.getMessage(), e);
        }
    }

    /** Imports a TFLite model held in memory. */
    public static TfliteImport importModel(byte[] tflite) throws TfliteImportException {
        ByteBuffer bb = ByteBuffer.wrap(tflite).order(ByteOrder.LITTLE_ENDIAN);
        if (tflite.length < 8 || !Model.hasIdentifier(bb)) {
            String id = tflite.length < 8 ? "(file too short)"
                    : "'" + new String(tflite, 4, 4, StandardCharsets.ISO_8859_1).replaceAll("[^\\x20-\\x7e]", "?") + "'";
            throw new TfliteImportException("not a TFLite model: FlatBuffer file identifier is " + id
                    + ", expected 'TFL3'");
        }
        try {
            return convert(Model.root(bb), bb);
        } catch (TfliteImportException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TfliteImportException("malformed TFLite model: " + e, e);
        }
    }

    /** Names of the supported builtin operators, in op-code order. */
    public static List<String> supportedOps() {
        List<String> names = new ArrayList<>();
        OpConverters.TABLE.keySet().stream().sorted().forEach(code -> names.add(BuiltinOperator.name(code)));
        return names;
    }

    private static TfliteImport convert(Model model, ByteBuffer file) throws TfliteImportException {
        if (model.subgraphCount() == 0) throw new TfliteImportException("TFLite model has no subgraph");
        SubGraph sg = model.subgraph(0);
        GraphEmitter g = new GraphEmitter(model, sg, file);
        GraphProto.Builder graph = GraphProto.newBuilder().setName(sg.name() == null ? "tflite" : sg.name());

        int[] inputs = sg.inputs();
        if (inputs.length == 0) throw new TfliteImportException("TFLite model has no input");
        for (int i = 0; i < inputs.length; i++) {
            int t = inputs[i];
            int[] shape = g.shape(t);
            String name = i == 0 ? INPUT : g.fresh(g.tensorName(t));
            if (i == 0) g.reserve(INPUT);
            graph.addInput(valueInfo(name, shape));
            Value v = new Value(name, shape, Layout.PLAIN);
            g.bind(t, shape.length == 4 ? g.nchw(v) : v); // one Transpose up front, then NCHW throughout
        }

        for (int i = 0; i < sg.operatorCount(); i++) {
            TfliteSchema.Operator raw = sg.operator(i);
            OperatorCode oc = model.operatorCode(raw.opcodeIndex());
            int code = oc.builtinCode();
            OpConverters.Converter converter = OpConverters.TABLE.get(code);
            if (converter == null) throw unsupported(i, code, oc);
            Op op = new Op(i, code, raw, raw.inputs(), raw.outputs());
            try {
                converter.convert(g, op);
            } catch (TfliteImportException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new TfliteImportException("operator " + i + " (" + BuiltinOperator.name(code) + "): " + e, e);
            }
        }

        int[] outputs = sg.outputs();
        for (int i = 0; i < outputs.length; i++) {
            Value v = g.plain(g.value(outputs[i]));
            String name = v.name();
            if (i == 0) name = nameFinalOutput(g, v.name());
            graph.addOutput(valueInfo(name, g.shape(outputs[i])));
        }

        for (NodeProto.Builder n : g.nodes) graph.addNode(n);
        graph.addAllInitializer(g.initializers);
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder().setIrVersion(7).setProducerName("salient-tflite")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).setGraph(graph);
        if (model.description() != null) m.setDocString(model.description());
        return new TfliteImport(m.build(), sidecar(g, inputs[0], graph.getOutput(0).getName()));
    }

    /**
     * Names the main output {@code logits}, or, after a final Softmax, names that Softmax's input {@code logits}
     * and its output {@code probabilities}, moving the Softmax last (the engine cuts it when attributing).
     */
    private static String nameFinalOutput(GraphEmitter g, String current) throws TfliteImportException {
        NodeProto.Builder producer = null;
        boolean consumed = false;
        for (NodeProto.Builder n : g.nodes) {
            if (n.getOutputList().contains(current)) producer = n;
            if (n.getInputList().contains(current)) consumed = true;
        }
        if (producer == null) {
            // The output is a graph input or constant: give it its own node so it can carry the name.
            g.nodes.add(NodeProto.newBuilder().setOpType("Identity").setName(g.fresh("node/" + LOGITS))
                    .addInput(current).addOutput(LOGITS));
            g.reserve(LOGITS);
            return LOGITS;
        }
        String softmaxInput = producer.getOpType().equals("Softmax") ? producer.getInput(0) : null;
        boolean softmaxLogits = softmaxInput != null && !consumed
                && g.nodes.stream().anyMatch(n -> n.getOutputList().contains(softmaxInput));
        if (!softmaxLogits) {
            g.rename(current, LOGITS);
            return LOGITS;
        }
        g.rename(softmaxInput, LOGITS);
        g.rename(current, PROBABILITIES);
        g.nodes.remove(producer);
        g.nodes.add(producer);
        return PROBABILITIES;
    }

    private static TfliteImportException unsupported(int index, int code, OperatorCode oc) {
        String name = BuiltinOperator.name(code);
        if (code == 32 && oc.customCode() != null) name += " '" + oc.customCode() + "'";
        StringJoiner supported = new StringJoiner(", ");
        supportedOps().forEach(supported::add);
        return new TfliteImportException("unsupported TFLite operator " + name + " (builtin code " + code
                + ") at operator index " + index + "; supported operators: " + supported);
    }

    private static ValueInfoProto valueInfo(String name, int[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (int d = 0; d < shape.length; d++) {
            // The batch stays free so the engine can batch; TFLite files fix it to 1.
            s.addDim(d == 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(shape[d]));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(GraphEmitter.FLOAT).setShape(s))).build();
    }

    /**
     * Preprocessing for the input: tensor value = (pixel·scale − mean)/std. A quantised input (q − z)·s with
     * q = pixel gives scale 1, mean z, std 1/s.
     */
    private static ObjectNode sidecar(GraphEmitter g, int input, String output) {
        Tensor t = g.tensor(input);
        int[] shape = t.shape();
        int channels = shape.length == 4 ? shape[3] : 3;
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("source", "tflite");
        s.put("layout", "NHWC");
        if (shape.length == 4) {
            s.put("width", shape[2]);
            s.put("height", shape[1]);
        }
        s.put("resize", "stretch");
        QuantizationParameters q = t.quantization();
        boolean quantised = q != null && q.scale().length > 0
                && (t.type() == TfliteSchema.UINT8 || t.type() == TfliteSchema.INT8);
        double scale, mean, std;
        if (quantised) {
            double z = q.zeroPoint().length > 0 ? q.zeroPoint()[0] : 0;
            scale = 1.0;
            mean = z;
            std = 1.0 / q.scale()[0];
            if (t.type() == TfliteSchema.INT8) {
                // int8 inputs are fed pixel − 128, so (q − z)·s = (pixel − (z + 128))·s.
                mean = z + 128;
                s.put("assumed", "int8 input fed as pixel - 128");
            }
        } else {
            scale = 1.0 / 255;
            mean = 0;
            std = 1;
            s.put("assumed", "float input: pixels scaled to [0,1] (the file does not record its normalisation)");
        }
        s.put("scale", scale);
        ArrayNode m = s.putArray("mean"), sd = s.putArray("std");
        for (int c = 0; c < channels; c++) {
            m.add(mean);
            sd.add(std);
        }
        s.put("input", INPUT);
        s.put("output", output);
        s.put("logits", LOGITS);
        return s;
    }
}
