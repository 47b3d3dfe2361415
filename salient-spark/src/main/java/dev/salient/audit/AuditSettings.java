package dev.salient.audit;

import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.MethodDescription;
import dev.salient.attribution.ParameterDescription;
import dev.salient.autodiff.TargetHead;

import dev.salient.model.ImageClassifier;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an audit computes for every image; the same in both modes, and shipped to Spark executors.
 *
 * @param method       attribution method name
 * @param methodParams every parameter of the method, defaults filled in, in the method's display order
 * @param target       class to explain: "top1" (or topK), a class index or a label
 * @param head         what is differentiated
 * @param top          how many of the best classes each row lists
 * @param deletion     whether to compute the deletion AUC (costs {@value DeletionCurve#STEPS} more forward passes)
 * @param maps         whether to write a full-resolution map PNG per image
 */
public record AuditSettings(String method, Map<String, String> methodParams, String target, TargetHead head,
                            int top, boolean deletion, boolean maps) implements Serializable {

    public AuditSettings {
        methodParams = Collections.unmodifiableMap(new LinkedHashMap<>(methodParams));
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
    }

    /**
     * Settings with the method's defaults filled in; fails on an unknown method, parameter or bad value.
     *
     * @param given the parameters the user set (others take their defaults)
     */
    public static AuditSettings of(String method, Map<String, String> given, String target, TargetHead head, int top,
                                   boolean deletion, boolean maps) {
        AttributionMethods.create(method, given); // fails with a message naming what is accepted
        MethodDescription description = AttributionMethods.describe(method);
        Map<String, String> all = new LinkedHashMap<>();
        for (ParameterDescription<?> p : description.parameters()) {
            all.put(p.name(), ParameterDescription.format(p.defaultValue()));
        }
        all.putAll(given);
        return new AuditSettings(description.name(), all, target, head, top, deletion, maps);
    }

    /** A head by its command-line name: logit, probability, log-probability (the enum's names, '-' for '_'). */
    public static TargetHead head(String name) {
        for (TargetHead h : TargetHead.values()) {
            if (headName(h).equals(name.strip().toLowerCase(Locale.ROOT))) {
                return h;
            }
        }
        throw new IllegalArgumentException("--head must be one of " + Arrays.stream(TargetHead.values())
                .map(AuditSettings::headName).toList() + ", got '" + name + "'");
    }

    /** The command-line (and table) name of a head. */
    public static String headName(TargetHead head) {
        return head.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Checks the class spec against the model before any image is read: an index out of range or an unknown label
     * fails the job at once, not every row.
     */
    public void check(ImageClassifier classifier) {
        classifier.resolveTarget(target, () -> classifier.classification(new float[classifier.classes()], 1));
    }

    /** The configured method (a fresh instance: cheap, and methods hold only their parameters). */
    public AttributionMethod createMethod() {
        return AttributionMethods.create(method, methodParams);
    }
}
