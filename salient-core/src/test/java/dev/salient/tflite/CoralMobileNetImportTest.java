package dev.salient.tflite;

import dev.salient.engine.SharedRuntime;
import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.testing.SharedData;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Imports the Coral quantised MobileNets and checks them against the float ONNX copies of the same networks in
 * {@code shared/models}: same top-5 and logits within 1e-3 relative L2 on every photo in {@code shared/images}.
 */
class CoralMobileNetImportTest {
    private static final OrtEnvironment ENV = SharedRuntime.environment();
    /** shared/README.md's expected MobileNetV2 top-1 (1001-class indices: chickadee, Egyptian cat, ...). */
    private static final Map<String, Integer> EXPECTED_V2_TOP1 = Map.of(
            "bird.bmp", 20, "cat.bmp", 286, "dragonfly.bmp", 320, "parrot.jpg", 89, "hot_dog.jpg", 935);

    @ParameterizedTest
    @CsvSource({
        "mirror/mobilenet_v2_1.0_224_quant.tflite, models/mobilenet_v2_1.0_224.onnx, 224",
        "mirror/mobilenet_v1_0.75_192_quant.tflite, models/mobilenet_v1_0.75_192.onnx, 192"
    })
    void matchesFloatOnnxCopyOnEveryPhoto(String tflite, String onnx, int size) throws Exception {
        TfliteImport imported = TfliteImporter.importModel(SharedData.path(tflite));
        ObjectNode sidecar = imported.sidecar();
        assertThat(sidecar.get("layout").asText()).isEqualTo("NHWC");
        assertThat(sidecar.get("width").asInt()).isEqualTo(size);
        assertThat(sidecar.get("height").asInt()).isEqualTo(size);
        assertThat(imported.model().getOpsetImport(0).getVersion()).isEqualTo(13);
        assertThat(imported.model().getIrVersion()).isEqualTo(7);
        OnnxMl.GraphProto graph = imported.model().getGraph();
        assertThat(graph.getInput(0).getName()).isEqualTo("input");
        // Both Coral models end in Softmax: it stays last, fed by "logits".
        OnnxMl.NodeProto last = graph.getNode(graph.getNodeCount() - 1);
        assertThat(last.getOpType()).isEqualTo("Softmax");
        assertThat(last.getInput(0)).isEqualTo("logits");
        assertThat(graph.getOutput(0).getName()).isEqualTo("probabilities");

        // Expose the Softmax input as an extra output so it can be compared with the ONNX copy's logits.
        OnnxMl.ModelProto withLogits = imported.model().toBuilder().setGraph(graph.toBuilder()
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName("logits"))).build();

        double worst = 0;
        List<Path> photos;
        try (Stream<Path> files = Files.list(SharedData.path("images"))) {
            photos = files.sorted().toList();
        }
        assertThat(photos).isNotEmpty();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
                OrtSession tfl = ENV.createSession(withLogits.toByteArray(), opts);
                OrtSession ref = ENV.createSession(SharedData.path(onnx).toString(), opts)) {
            List<float[]> inputs = new ArrayList<>(), outputs = new ArrayList<>();
            for (Path photo : photos) {
                int[] rgb = resizedPixels(photo, size);
                float[] in = nhwc(rgb, size, sidecar);
                float[] got = run(tfl, "logits", in, new long[] {1, size, size, 3});
                inputs.add(in);
                outputs.add(got);
                float[] want = run(ref, "logits", nchw01(rgb, size), new long[] {1, 3, size, size});
                assertThat(got).hasSize(1001);
                double rel = relativeL2(got, want);
                worst = Math.max(worst, rel);
                assertThat(rel).as("relative L2 of logits on %s", photo.getFileName()).isLessThan(1e-3);
                assertThat(top(got, 5)).as("top-5 on %s", photo.getFileName()).isEqualTo(top(want, 5));
                Integer expected = size == 224 ? EXPECTED_V2_TOP1.get(photo.getFileName().toString()) : null;
                if (expected != null) assertThat(top(got, 1)).as("top-1 on %s", photo.getFileName()).containsExactly(expected);
            }

            // The batch dimension is free: two photos in one run give the same logits as one at a time.
            float[] batch = new float[2 * inputs.get(0).length];
            System.arraycopy(inputs.get(0), 0, batch, 0, inputs.get(0).length);
            System.arraycopy(inputs.get(1), 0, batch, inputs.get(0).length, inputs.get(1).length);
            try (OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(batch), new long[] {2, size, size, 3});
                    OrtSession.Result r = tfl.run(Map.of("input", x), java.util.Set.of("logits"))) {
                float[][] rows = (float[][]) r.get(0).getValue();
                assertThat(rows).hasNumberOfRows(2);
                for (int i = 0; i < 2; i++) assertThat(relativeL2(rows[i], outputs.get(i))).isLessThan(1e-5);
            }
        }
        System.out.printf("%s: max relative L2 logit error over %d photos = %.3e%n", tflite, photos.size(), worst);
    }

    /** Whole-image bilinear resize to size×size; packed 0xRRGGBB pixels, row-major. */
    static int[] resizedPixels(Path photo, int size) throws IOException {
        BufferedImage src = ImageIO.read(photo.toFile());
        assertThat(src).as("decodable image %s", photo).isNotNull();
        BufferedImage dst = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, size, size, null);
        g.dispose();
        return dst.getRGB(0, 0, size, size, null, 0, size);
    }

    /** TFLite import input: NHWC, value = (pixel·scale − mean)/std from the sidecar. */
    static float[] nhwc(int[] rgb, int size, ObjectNode sidecar) {
        double scale = sidecar.get("scale").asDouble();
        float[] out = new float[size * size * 3];
        for (int i = 0; i < size * size; i++) {
            for (int c = 0; c < 3; c++) {
                int pixel = (rgb[i] >> (16 - 8 * c)) & 0xFF;
                double mean = sidecar.get("mean").get(c).asDouble(), std = sidecar.get("std").get(c).asDouble();
                out[3 * i + c] = (float) ((pixel * scale - mean) / std);
            }
        }
        return out;
    }

    /** ONNX copy input: NCHW RGB in [0,1]. */
    static float[] nchw01(int[] rgb, int size) {
        float[] out = new float[3 * size * size];
        for (int i = 0; i < size * size; i++) {
            for (int c = 0; c < 3; c++) out[c * size * size + i] = ((rgb[i] >> (16 - 8 * c)) & 0xFF) / 255f;
        }
        return out;
    }

    static float[] run(OrtSession session, String output, float[] input, long[] shape) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(input), shape);
                OrtSession.Result r = session.run(Map.of("input", x), java.util.Set.of(output))) {
            float[][] v = (float[][]) r.get(0).getValue();
            return v[0];
        }
    }

    static double relativeL2(float[] got, float[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < want.length; i++) {
            num += (got[i] - (double) want[i]) * (got[i] - (double) want[i]);
            den += (double) want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }

    static List<Integer> top(float[] v, int k) {
        return new ArrayList<>(IntStream.range(0, v.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> v[i]).reversed()).limit(k).toList());
    }
}
