package dev.salient.model;

import dev.salient.image.Preprocessing;

import java.util.List;

/**
 * What Salient knows about a loaded classifier, for people: names, input size and layout, classes, and
 * every assumption made where the model and its sidecar were silent.
 */
public record ModelInfo(String name, String input, String output, Preprocessing preprocessing, int classes,
                        boolean softmaxCut, List<String> assumptions) {
}
