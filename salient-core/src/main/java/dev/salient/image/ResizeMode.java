package dev.salient.image;

/** How a photo of any aspect ratio is brought to the model's fixed input size. */
public enum ResizeMode {
    /**
     * The whole photo is resized to the model's width × height, ignoring its aspect ratio. This is what the shared
     * MobileNets were checked with; nothing of the photo is cut off.
     */
    STRETCH,
    /**
     * The torchvision / Keras evaluation convention: scale the photo (keeping its aspect ratio) so that it covers
     * {@code width/cropFraction × height/cropFraction}, then cut the centred {@code width × height} window. For a
     * square input of size s this is "resize the shorter side to s/cropFraction, centre-crop s×s".
     */
    CENTER_CROP
}
