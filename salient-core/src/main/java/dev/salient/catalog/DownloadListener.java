package dev.salient.catalog;

/**
 * Hears how far a download has got, so a CLI can draw a progress bar and a web app can report it.
 * Called on the downloading thread; {@code bytesDone} may drop back to 0 when a transfer restarts.
 */
@FunctionalInterface
public interface DownloadListener {

    /** A listener that ignores every event. */
    DownloadListener NONE = (fileName, bytesDone, bytesTotal) -> { };

    /**
     * @param fileName   the file being fetched
     * @param bytesDone  bytes of the file now on disk
     * @param bytesTotal the file's full size, or -1 if unknown
     */
    void progress(String fileName, long bytesDone, long bytesTotal);
}
