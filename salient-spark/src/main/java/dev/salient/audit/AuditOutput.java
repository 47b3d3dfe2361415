package dev.salient.audit;

/**
 * What an audit leaves in its output folder, the same in both modes. Work in progress lives in {@value #WORK} and
 * reaches the final names only by renames once complete, so a killed job never leaves a partial table under
 * {@value #ROWS}; the next run removes (Spark) or resumes (local) what it finds in {@value #WORK}.
 */
public final class AuditOutput {
    /** The Parquet table (a folder of part files). */
    public static final String ROWS = "rows";
    /** Full-resolution map pictures, at the image's relative path plus ".png". */
    public static final String MAPS = "maps";
    /** The HTML report. */
    public static final String REPORT = "report.html";
    /** Work in progress. */
    public static final String WORK = ".work";

    private AuditOutput() {}

    /** Where the picture of the image at {@code relativePath} goes, relative to the maps folder. */
    public static String mapPicture(String relativePath) {
        return relativePath + ".png";
    }
}
