package dev.salient.image;

/** The accepted encodings, recognised by their magic bytes (never by a file name, which an upload can fake). */
enum ImageFormat {
    JPEG("JPEG", "jpeg"),
    PNG("PNG", "png"),
    BMP("BMP", "bmp"),
    GIF("GIF", "gif"),
    WEBP("WebP", "webp");

    private final String displayName;
    private final String readerName;

    ImageFormat(String displayName, String readerName) {
        this.displayName = displayName;
        this.readerName = readerName;
    }

    String displayName() {
        return displayName;
    }

    String readerName() {
        return readerName;
    }

    /** The format announced by the first bytes, or null for anything else. */
    static ImageFormat sniff(byte[] b) {
        if (startsWith(b, 0, 0xFF, 0xD8, 0xFF)) {
            return JPEG;
        }
        if (startsWith(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return PNG;
        }
        if (startsWith(b, 0, 'G', 'I', 'F', '8') && b.length >= 6 && (b[4] == '7' || b[4] == '9') && b[5] == 'a') {
            return GIF;
        }
        if (startsWith(b, 0, 'R', 'I', 'F', 'F') && startsWith(b, 8, 'W', 'E', 'B', 'P')) {
            return WEBP;
        }
        if (startsWith(b, 0, 'B', 'M') && b.length >= 26) {
            return BMP;
        }
        return null;
    }

    private static boolean startsWith(byte[] b, int offset, int... expected) {
        if (b.length < offset + expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if ((b[offset + i] & 0xFF) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
