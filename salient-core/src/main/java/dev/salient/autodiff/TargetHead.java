package dev.salient.autodiff;

/**
 * What is differentiated, per batch item b with seed vector s_b over the classes (one-hot for one class):
 * LOGIT: Σ_c s_bc·z_bc; PROBABILITY: Σ_c s_bc·softmax(z_b)_c; LOG_PROBABILITY: Σ_c s_bc·log softmax(z_b)_c
 * (the negative cross-entropy, the original demo's target).
 */
public enum TargetHead {
    LOGIT, PROBABILITY, LOG_PROBABILITY
}
