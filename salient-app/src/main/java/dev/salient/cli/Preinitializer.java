package dev.salient.cli;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.salient.catalog.ModelCatalog;

import javax.imageio.ImageIO;
import java.util.Set;

/**
 * Initialises, on a second thread, the libraries a command that loads a model will need, while the main thread
 * builds the command line (as Spring Boot's {@code BackgroundPreinitializer} does): ONNX Runtime's native libraries,
 * the model catalog (Jackson), the ONNX protobuf classes and ImageIO's readers. Nothing is kept but initialised
 * classes, so the main thread does the same calls as without it, only sooner done.
 *
 * <p>Why: picocli builds its command model by reflection, interpreted, for about 0.14 s of a command-line run (its
 * classes are Java 5 bytecode, which class-data sharing cannot keep), while the second core idles. Measured on the
 * default model's {@code explain}: 1.031 → 1.006 s median, within the noise; it costs the main thread nothing.
 */
final class Preinitializer {
    /** The commands that open a model. */
    private static final Set<String> LOADING_A_MODEL = Set.of("classify", "explain", "export-explainer", "evaluate");

    private final Thread thread;

    private Preinitializer(Thread thread) {
        this.thread = thread;
    }

    /** Starts initialising when {@code args} name a command that opens a model; else does nothing. */
    static Preinitializer start(String[] args) {
        if (args.length == 0 || !LOADING_A_MODEL.contains(args[0])) {
            return new Preinitializer(null);
        }
        Thread t = new Thread(Preinitializer::initialise, "salient-preinitializer");
        t.setDaemon(true);
        t.start();
        return new Preinitializer(t);
    }

    private static void initialise() {
        try {
            OrtEnvironment.getAvailableProviders(); // loads the native libraries; makes no environment
            ModelCatalog.builtIn();
            new ObjectMapper().createObjectNode();
            OnnxMl.ModelProto.getDefaultInstance();
            ImageIO.getImageReadersByFormatName("png");
        } catch (RuntimeException | LinkageError e) {
            // the main thread meets the same problem when it gets there, and reports it in its own words
        }
    }

    /** Waits for the initialisation to end: the process does not exit while it is inside native code. */
    void join() {
        if (thread == null) {
            return;
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
