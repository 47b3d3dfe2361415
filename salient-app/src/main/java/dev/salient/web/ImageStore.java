package dev.salient.web;

import dev.salient.image.ImageDecodeException;
import dev.salient.image.ImageDecoder;
import dev.salient.image.ImageLimits;

import java.awt.image.BufferedImage;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Decoded photos by the SHA-256 of their encoded bytes, LRU-bounded by decoded size. Decoding enforces the upload
 * size and pixel-count limits; refusals become 413 (too big), 415 (not a supported format) or 400 (corrupt).
 */
final class ImageStore {
    record StoredImage(String id, BufferedImage photo) {
        long bytes() {
            return 4L * photo.getWidth() * photo.getHeight() + 128;
        }
    }

    private final ImageLimits limits;
    private final ByteLruCache<String, StoredImage> cache;

    ImageStore(ImageLimits limits, long maxBytes) {
        this.limits = limits;
        this.cache = new ByteLruCache<>(maxBytes, StoredImage::bytes);
    }

    ImageLimits limits() {
        return limits;
    }

    StoredImage put(byte[] encoded) {
        if (encoded.length > limits.maxBytes()) {
            throw new ApiException(413, String.format(Locale.ROOT, "file is %.1f MB, above the %.0f MB upload limit",
                    encoded.length / 1e6, limits.maxBytes() / 1e6));
        }
        String id = sha256(encoded);
        StoredImage known = cache.get(id);
        if (known != null) {
            return known;
        }
        BufferedImage photo;
        try {
            photo = ImageDecoder.decode(encoded, limits);
        } catch (ImageDecodeException e) {
            throw decodeError(e);
        }
        StoredImage s = new StoredImage(id, photo);
        cache.put(id, s);
        return s;
    }

    /** @throws ApiException 404 if the id is unknown or was evicted */
    StoredImage get(String id) {
        String s = id.strip().toLowerCase(Locale.ROOT);
        StoredImage img = s.matches("[0-9a-f]{64}") ? cache.get(s) : null;
        if (img == null) {
            throw ApiException.notFound("image '" + ApiException.clip(id) + "' is not (or no longer) on the server;"
                    + " upload it again");
        }
        return img;
    }

    static ApiException decodeError(ImageDecodeException e) {
        int status = switch (e.kind()) {
            case TOO_LARGE -> 413;
            case UNSUPPORTED -> 415;
            case CORRUPT, UNREADABLE -> 400;
        };
        return new ApiException(status, e.getMessage());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
