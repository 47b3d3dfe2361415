package dev.salient.model;

/** One class of a prediction: softmax probability and raw score (logit). */
public record ClassScore(int index, String label, double probability, double logit) {
}
