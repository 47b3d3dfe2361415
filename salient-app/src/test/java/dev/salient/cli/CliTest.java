package dev.salient.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.testing.SharedData;
import dev.salient.testing.TestGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line end to end on the real MobileNetV2: outputs, files written, and one-line errors. */
public class CliTest {
    /** A finished command: exit code and what it printed. */
    public record Run(int exit, String out, String err) {}

    /** Runs the command line in this process, capturing its output; built as {@code main} builds it. */
    public static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var cli = SalientCommand.commandLine(args);
            cli.setErr(new java.io.PrintWriter(System.err, true));
            cli.setOut(new java.io.PrintWriter(System.out, true));
            int exit = cli.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    public static String model() {
        return SharedData.mobileNetV2().toString();
    }

    @Test
    void aSubcommandBuiltAloneParsesAndHelpsAsInTheWholeTree() {
        CommandLine whole = SalientCommand.commandLine();
        assertThat(whole.getSubcommands()).hasSize(SalientCommand.SUBCOMMANDS.size());
        for (String name : whole.getSubcommands().keySet()) {
            CommandLine alone = SalientCommand.commandLine(name, "--help");
            if (name.equals("help")) {
                assertThat(alone.getSubcommands()).as("help needs the others").hasSize(SalientCommand.SUBCOMMANDS.size());
                continue;
            }
            assertThat(alone.getSubcommands()).containsOnlyKeys(name);
            assertThat(alone.getSubcommands().get(name).getUsageMessage()).as(name)
                    .isEqualTo(whole.getSubcommands().get(name).getUsageMessage());
        }
        for (CommandLine explain : List.of(whole.getSubcommands().get("explain"),
                SalientCommand.commandLine("explain").getSubcommands().get("explain"))) {
            assertThat(explain.getUsageMessage()).as("flags its model transformer adds")
                    .contains("--sensitivity=SENSITIVITY", "--head=");
        }
        assertThat(run("help", "explain").out()).contains("Usage: salient explain");
        assertThat(run("--help").out()).contains("serve", "explain", "evaluate");
        Run unknown = run("explian", "bird.bmp");
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("explain"); // picocli's suggestion, from the whole tree
    }

    @Test
    void classifiesAPhoto() throws Exception {
        Run r = run("classify", SharedData.image("bird.bmp").toString(), "--model", model(), "--top", "3");
        assertThat(r.exit()).isZero();
        assertThat(r.out().lines().findFirst().orElseThrow()).contains("chickadee");
        assertThat(r.out().lines().count()).isEqualTo(3);

        Run json = run("classify", SharedData.image("parrot.jpg").toString(), "--model", model(), "--json");
        JsonNode node = new ObjectMapper().readTree(json.out());
        assertThat(node.get("top").get(0).get("label").asText()).startsWith("macaw");
        assertThat(node.get("top")).hasSize(5);
    }

    @Test
    void explainsLikeTheDemoAndWritesRawGradient(@TempDir Path dir) throws Exception {
        Path mask = dir.resolve("mask.png");
        Path blend = dir.resolve("blend.png");
        Path raw = dir.resolve("grad.npy");
        Path photo = SharedData.image("dog.jpg");
        Run r = run("explain", photo.toString(), "--model", model(), "-o", mask.toString(), "--raw", raw.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        BufferedImage original = ImageIO.read(photo.toFile());
        BufferedImage m = ImageIO.read(mask.toFile());
        assertThat(m.getWidth()).isEqualTo(original.getWidth());
        assertThat(m.getHeight()).isEqualTo(original.getHeight());
        int x = m.getWidth() / 2;
        int y = m.getHeight() / 2;
        int p = m.getRGB(x, y);
        assertThat((p >> 16) & 0xFF).as("grey mask").isEqualTo(p & 0xFF);

        byte[] npy = Files.readAllBytes(raw);
        assertThat(new String(npy, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
        int headerLength = (npy[8] & 0xFF) | (npy[9] & 0xFF) << 8;
        String header = new String(npy, 10, headerLength, StandardCharsets.US_ASCII);
        assertThat(header).contains("'shape': (1, 3, 224, 224)").contains("<f4");
        assertThat(npy.length - 10 - headerLength).isEqualTo(3 * 224 * 224 * 4);
        FloatBufferCheck.assertNotAllZero(ByteBuffer.wrap(npy, 10 + headerLength, 3 * 224 * 224 * 4)
                .order(ByteOrder.LITTLE_ENDIAN));

        Run b = run("explain", photo.toString(), "--model", model(), "-o", blend.toString(), "--blend");
        assertThat(b.exit()).isZero();
        BufferedImage bl = ImageIO.read(blend.toFile());
        // multiply: the blended pixel is the photo's pixel scaled by the mask's grey level
        int photoRed = (original.getRGB(x, y) >> 16) & 0xFF;
        int maskGrey = (m.getRGB(x, y) >> 16) & 0xFF;
        int blendRed = (bl.getRGB(x, y) >> 16) & 0xFF;
        assertThat(blendRed).isCloseTo(Math.round(photoRed * maskGrey / 255f), org.assertj.core.data.Offset.offset(8));
    }

    @Test
    void badInputGivesOneLineAndNonZeroExit(@TempDir Path dir) throws Exception {
        Path corrupt = Files.write(dir.resolve("corrupt.jpg"), new byte[]{(byte) 0xFF, (byte) 0xD8, 1, 2, 3, 4});
        Path notOnnx = Files.writeString(dir.resolve("model.onnx"), "this is not a model");
        Path bird = SharedData.image("bird.bmp");
        assertOneLineError(run("explain", dir.resolve("missing.jpg").toString(), "--model", model()), "missing.jpg");
        assertOneLineError(run("explain", corrupt.toString(), "--model", model()), "not a supported image");
        assertOneLineError(run("explain", bird.toString(), "--model", model(), "--target", "1001"), "out of range");
        assertOneLineError(run("explain", bird.toString(), "--model", model(), "--target", "zebra-unicorn"), "unknown label");
        assertOneLineError(run("classify", bird.toString(), "--model", notOnnx.toString()), "not an ONNX model");
        assertOneLineError(run("explain", bird.toString(), "--model", unsupportedOpModel(dir).toString()), "Atan (node 'the_atan')");
        Run verbose = run("classify", bird.toString(), "--model", notOnnx.toString(), "--verbose");
        assertThat(verbose.err()).contains("\tat ");
    }

    private static void assertOneLineError(Run r, String expected) {
        assertThat(r.exit()).isNotZero();
        assertThat(r.err().strip()).startsWith("salient: error:").contains(expected);
        assertThat(r.err().strip().lines().count()).as("one line, no stack trace: " + r.err()).isEqualTo(1);
    }

    /** input [1,3,8,8] → Atan → GlobalAveragePool → Flatten: an op the engine has no gradient rule for. */
    public static Path unsupportedOpModel(Path dir) throws Exception {
        TestGraph g = new TestGraph(13, 0);
        g.node("Atan", "the_atan", List.of(TestGraph.X), List.of("e"));
        g.node("Flatten", "flatten", List.of(g.op("GlobalAveragePool", "e")), List.of("y"));
        Path file = dir.resolve("atan.onnx");
        Files.write(file, g.build(new TestGraph.Port(TestGraph.X, 1, 3, 8, 8), TestGraph.Port.unshaped("y")).toBytes());
        return file;
    }

    static final class FloatBufferCheck {
        static void assertNotAllZero(ByteBuffer buf) {
            boolean nonZero = false;
            while (buf.hasRemaining()) {
                nonZero |= buf.getFloat() != 0f;
            }
            assertThat(nonZero).as("gradient has non-zero values").isTrue();
        }
    }
}
