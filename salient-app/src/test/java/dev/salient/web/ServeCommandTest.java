package dev.salient.web;

import dev.salient.cli.ServeCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code salient serve} options: loopback and 7860 by default, several models allowed. */
class ServeCommandTest {
    @Test
    void defaultsToLoopbackAndPort7860() {
        CommandLine cl = new CommandLine(new ServeCommand());
        CommandLine.ParseResult r = cl.parseArgs("--model", "a.onnx", "--model", "b.onnx");
        var spec = cl.getCommandSpec();
        assertThat((String) spec.findOption("--host").getValue()).isEqualTo("127.0.0.1");
        assertThat((Integer) spec.findOption("--port").getValue()).isEqualTo(7860);
        assertThat((Double) spec.findOption("--max-upload-mb").getValue()).isEqualTo(20.0);
        assertThat((Double) spec.findOption("--max-megapixels").getValue()).isEqualTo(50.0);
        assertThat(r.matchedOption("--model").<java.util.List<String>>getValue()).containsExactly("a.onnx", "b.onnx");
        assertThat(cl.getCommandName()).isEqualTo("serve");
    }
}
