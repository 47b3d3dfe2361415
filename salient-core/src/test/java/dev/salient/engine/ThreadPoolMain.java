package dev.salient.engine;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.graph.OnnxModel;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Run in a child JVM by {@link SharedRuntimeTest} (the pool is made once per process): opens MobileNetV2 with a
 * shared pool of {@code args[1]} threads, builds a forward session and four gradient sessions, and prints the
 * number of native threads ONNX Runtime added at each step; writes one gradient to {@code args[2]}.
 */
public final class ThreadPoolMain {
    private ThreadPoolMain() {}

    public static void main(String[] args) throws IOException {
        int threads = Integer.parseInt(args[1]);
        long before = nativeThreads();
        OnnxModel onnx = OnnxModel.load(Path.of(args[0]));
        try (DifferentiableModel model = DifferentiableModel.open(onnx, "input", "logits", new long[]{1, 3, 224, 224},
                new EngineOptions(threads, 8))) {
            long opened = nativeThreads();
            float[] x = SharedRuntimeTest.input();
            float[] gradient = null;
            for (int batch = 1; batch <= 4; batch++) {
                try (GradientSession.Lease session = model.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                        List.of(), batch)) {
                    float[] g = session.run(x, SharedRuntimeTest.seed(), 1).inputGradient();
                    gradient = gradient == null ? g : gradient;
                }
            }
            System.out.println("added on open: " + (opened - before) + ", added by 4 gradient sessions: "
                    + (nativeThreads() - opened));
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[2])))) {
                for (float v : gradient) {
                    out.writeFloat(v);
                }
            }
        }
    }

    /** Threads without a JVM name: ONNX Runtime's pool threads keep the process's name, "java". */
    static long nativeThreads() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> {
                try {
                    return Files.readString(t.resolve("comm")).strip().equals("java");
                } catch (IOException e) {
                    return false; // the thread ended while we looked
                }
            }).count();
        }
    }
}
