package dev.salient.web;

import dev.salient.model.ImageClassifier;

import java.util.*;

/**
 * The loaded classifiers by name; the first is the default. {@link #close} frees each model only once the requests
 * running on it are done: {@link ExplainService} holds a lease on the model for each computation.
 */
public final class ModelRegistry implements AutoCloseable {
    private final Map<String, ImageClassifier> models = new LinkedHashMap<>();

    public ModelRegistry(List<ImageClassifier> classifiers) {
        if (classifiers.isEmpty()) {
            throw new IllegalArgumentException("at least one model is needed");
        }
        for (ImageClassifier c : classifiers) {
            String name = c.info().name();
            String unique = name;
            for (int i = 2; models.containsKey(unique); i++) {
                unique = name + "-" + i;
            }
            models.put(unique, c);
        }
    }

    public Set<String> names() {
        return models.keySet();
    }

    public ImageClassifier get(String name) {
        if (name == null || name.isBlank()) {
            return models.values().iterator().next();
        }
        ImageClassifier c = models.get(name.strip());
        if (c == null) {
            throw ApiException.notFound("unknown model '" + ApiException.clip(name) + "'; models: "
                    + String.join(", ", models.keySet()));
        }
        return c;
    }

    /** The name under which {@code name} (or the default) is registered. */
    public String nameOf(String name) {
        return name == null || name.isBlank() ? models.keySet().iterator().next() : name.strip();
    }

    @Override
    public void close() {
        models.values().forEach(ImageClassifier::close);
    }
}
