package dev.salient.audit;

import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit table as Parquet files without Spark or Hadoop (local mode), in exactly the layout Spark writes for
 * {@link dev.salient.spark.SparkRows#SCHEMA}: message {@code spark_schema}, optional columns, 3-level LIST groups
 * ({@code list/element}) and MAP groups ({@code key_value/key,value}), uncompressed pages. Uncompressed because
 * parquet-java's compression codecs load Hadoop's codec interfaces; the maps (float noise) barely compress anyway.
 */
public final class ParquetTable {
    /** The file schema, identical to what Spark writes for the same columns. */
    public static final MessageType SCHEMA = new MessageType("spark_schema",
            AuditTable.COLUMNS.stream().map(c -> type(c.name(), c.kind())).toList());

    private ParquetTable() {}

    private static Type type(String name, AuditTable.Kind kind) {
        return switch (kind) {
            case STRING -> Types.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(name);
            case LONG -> Types.optional(PrimitiveTypeName.INT64).named(name);
            case INT -> Types.optional(PrimitiveTypeName.INT32).named(name);
            case DOUBLE -> Types.optional(PrimitiveTypeName.DOUBLE).named(name);
            case INT_LIST -> list(name, Types.required(PrimitiveTypeName.INT32).named("element"));
            case DOUBLE_LIST -> list(name, Types.required(PrimitiveTypeName.DOUBLE).named("element"));
            case FLOAT_LIST -> list(name, Types.required(PrimitiveTypeName.FLOAT).named("element"));
            case STRING_LIST -> list(name, Types.required(PrimitiveTypeName.BINARY)
                    .as(LogicalTypeAnnotation.stringType()).named("element"));
            case STRING_MAP -> Types.optionalGroup().as(LogicalTypeAnnotation.mapType())
                    .addField(Types.repeatedGroup()
                            .addField(Types.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType())
                                    .named("key"))
                            .addField(Types.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType())
                                    .named("value"))
                            .named("key_value"))
                    .named(name);
        };
    }

    private static Type list(String name, Type element) {
        return Types.optionalGroup().as(LogicalTypeAnnotation.listType())
                .addField(Types.repeatedGroup().addField(element).named("list")).named(name);
    }

    /** Writes {@code rows} to one Parquet file, replacing it. */
    public static void write(Path file, List<AuditRow> rows) throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration()).withType(SCHEMA)
                .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.UNCOMPRESSED).build()) {
            for (AuditRow row : rows) {
                Group g = groups.newGroup();
                for (AuditTable.Column c : AuditTable.COLUMNS) {
                    Object v = c.value(row);
                    if (v != null) {
                        add(g, c.name(), c.kind(), v);
                    }
                }
                writer.write(g);
            }
        }
    }

    private static void add(Group g, String name, AuditTable.Kind kind, Object v) {
        switch (kind) {
            case STRING -> g.append(name, (String) v);
            case LONG -> g.append(name, (Long) v);
            case INT -> g.append(name, (Integer) v);
            case DOUBLE -> g.append(name, (Double) v);
            case INT_LIST -> {
                Group list = g.addGroup(name);
                ((List<?>) v).forEach(e -> list.addGroup("list").append("element", (Integer) e));
            }
            case DOUBLE_LIST -> {
                Group list = g.addGroup(name);
                ((List<?>) v).forEach(e -> list.addGroup("list").append("element", (Double) e));
            }
            case STRING_LIST -> {
                Group list = g.addGroup(name);
                ((List<?>) v).forEach(e -> list.addGroup("list").append("element", (String) e));
            }
            case FLOAT_LIST -> {
                Group list = g.addGroup(name);
                for (float f : (float[]) v) {
                    list.addGroup("list").append("element", f);
                }
            }
            case STRING_MAP -> {
                Group map = g.addGroup(name);
                ((Map<?, ?>) v).forEach((key, value) ->
                        map.addGroup("key_value").append("key", (String) key).append("value", (String) value));
            }
        }
    }

    /**
     * Every row of one Parquet file written by {@link #write} (or by Spark, for the same schema). Unlike writing,
     * reading needs Hadoop's client classes on the class path (parquet-java's read options load Hadoop's
     * {@code FileInputFormat}); Spark has them, the salient command line does not and never reads its table.
     */
    public static List<AuditRow> read(Path file) throws IOException {
        List<AuditRow> rows = new ArrayList<>();
        ParquetReadOptions options = ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
                        .getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    rows.add(row(records.read()));
                }
            }
        }
        return rows;
    }

    private static AuditRow row(Group g) {
        Object[] values = new Object[AuditTable.COLUMNS.size()];
        for (int i = 0; i < values.length; i++) {
            AuditTable.Column c = AuditTable.COLUMNS.get(i);
            if (g.getFieldRepetitionCount(c.name()) > 0) {
                values[i] = value(g, c.name(), c.kind());
            }
        }
        return AuditTable.row(values);
    }

    private static Object value(Group g, String name, AuditTable.Kind kind) {
        return switch (kind) {
            case STRING -> g.getString(name, 0);
            case LONG -> g.getLong(name, 0);
            case INT -> g.getInteger(name, 0);
            case DOUBLE -> g.getDouble(name, 0);
            case INT_LIST -> elements(g.getGroup(name, 0)).stream().map(e -> e.getInteger("element", 0)).toList();
            case DOUBLE_LIST -> elements(g.getGroup(name, 0)).stream().map(e -> e.getDouble("element", 0)).toList();
            case STRING_LIST -> elements(g.getGroup(name, 0)).stream().map(e -> e.getString("element", 0)).toList();
            case FLOAT_LIST -> {
                List<Group> e = elements(g.getGroup(name, 0));
                float[] out = new float[e.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = e.get(i).getFloat("element", 0);
                }
                yield out;
            }
            case STRING_MAP -> {
                Group map = g.getGroup(name, 0);
                Map<String, String> out = new LinkedHashMap<>();
                for (int i = 0; i < map.getFieldRepetitionCount("key_value"); i++) {
                    Group kv = map.getGroup("key_value", i);
                    out.put(kv.getString("key", 0), kv.getString("value", 0));
                }
                yield out;
            }
        };
    }

    private static List<Group> elements(Group list) {
        List<Group> out = new ArrayList<>();
        for (int i = 0; i < list.getFieldRepetitionCount("list"); i++) {
            out.add(list.getGroup("list", i));
        }
        return out;
    }
}
