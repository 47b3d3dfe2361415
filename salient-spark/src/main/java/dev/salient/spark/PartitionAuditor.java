package dev.salient.spark;

import dev.salient.audit.AuditOutput;
import dev.salient.audit.AuditInput;
import dev.salient.audit.AuditSettings;
import dev.salient.audit.ImageAuditor;
import dev.salient.audit.LocalAudit;
import dev.salient.audit.ModelBundle;
import dev.salient.render.PngWriter;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The executor side of a Spark audit: turns one partition of {@code (path, length, content)} rows into table rows,
 * {@link LocalAudit#BATCH} images per forward batch, with this JVM's one classifier for the broadcast model.
 * Rows stream out batch by batch, so a partition is never held in memory whole.
 */
final class PartitionAuditor implements MapPartitionsFunction<Row, Row> {
    private final Broadcast<ModelBundle> model;
    private final AuditSettings settings;
    private final String qualifiedRoot;
    private final String maps;
    private final HadoopConfiguration hadoop;

    /**
     * @param qualifiedRoot the input root as Hadoop qualifies it, cut from each path to give the row key
     * @param maps          folder for map pictures
     */
    PartitionAuditor(Broadcast<ModelBundle> model, AuditSettings settings, String qualifiedRoot, String maps,
                     HadoopConfiguration hadoop) {
        this.model = model;
        this.settings = settings;
        this.qualifiedRoot = qualifiedRoot;
        this.maps = maps;
        this.hadoop = hadoop;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> files) {
        ImageAuditor auditor = new ImageAuditor(ExecutorModels.get(model.value()), settings);
        return new Iterator<>() {
            private final Deque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && files.hasNext()) {
                    List<ImageAuditor.Prepared> batch = new ArrayList<>(LocalAudit.BATCH);
                    while (batch.size() < LocalAudit.BATCH && files.hasNext()) {
                        batch.add(auditor.prepare(input(files.next())));
                    }
                    for (ImageAuditor.Audited a : auditor.explain(batch)) {
                        if (a.picture() != null) {
                            writePicture(a);
                        }
                        ready.add(SparkRows.toRow(a.row()));
                    }
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.removeFirst();
            }
        };
    }

    private ImageAuditor.Input input(Row file) {
        String path = AuditInput.relative(qualifiedRoot, file.getString(0));
        long length = file.getLong(1);
        return file.isNullAt(2) ? ImageAuditor.Input.tooLarge(path, length)
                : new ImageAuditor.Input(path, length, (byte[]) file.get(2), null);
    }

    /** The picture, written whole to its final name (a retried task overwrites it with the same bytes). */
    private void writePicture(ImageAuditor.Audited a) {
        Path target = new Path(maps, AuditOutput.mapPicture(a.row().path()));
        try {
            FileSystem fs = target.getFileSystem(hadoop.get());
            try (FSDataOutputStream out = fs.create(target, true)) {
                out.write(PngWriter.toPng(a.picture()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write map picture " + target, e);
        }
    }
}
