package dev.salient.spark;

import dev.salient.audit.ModelBundle;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The classifiers open in this JVM (a Spark executor, or the driver in local mode): one per model, opened from the
 * broadcast bundle by the first task that needs it and reused by every later task and partition. They stay open
 * for the JVM's life: tasks of one executor run concurrently and there is no moment when none may be using one (the
 * engine serialises runs of a session; ONNX Runtime frees the native memory when the process ends).
 */
final class ExecutorModels {
    private static final Map<String, ImageClassifier> OPEN = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    static ImageClassifier get(ModelBundle bundle) {
        return OPEN.computeIfAbsent(bundle.fingerprint(), f -> bundle.open(EngineOptions.DEFAULT));
    }

    /** How many classifiers this JVM has opened (a test checks that partitions share one). */
    static int opened() {
        return OPEN.size();
    }
}
