package dev.salient.spark;

import dev.salient.audit.AuditRow;
import dev.salient.audit.AuditTable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The audit table in Spark: the schema of {@link AuditTable#COLUMNS} and the conversion of rows both ways. */
public final class SparkRows {
    /** Nullable columns; lists and maps hold no nulls (so Spark writes the Parquet layout of ParquetTable). */
    public static final StructType SCHEMA = new StructType(AuditTable.COLUMNS.stream()
            .map(c -> new StructField(c.name(), type(c.kind()), true, Metadata.empty())).toArray(StructField[]::new));

    private SparkRows() {}

    private static DataType type(AuditTable.Kind kind) {
        return switch (kind) {
            case STRING -> DataTypes.StringType;
            case LONG -> DataTypes.LongType;
            case INT -> DataTypes.IntegerType;
            case DOUBLE -> DataTypes.DoubleType;
            case INT_LIST -> DataTypes.createArrayType(DataTypes.IntegerType, false);
            case DOUBLE_LIST -> DataTypes.createArrayType(DataTypes.DoubleType, false);
            case STRING_LIST -> DataTypes.createArrayType(DataTypes.StringType, false);
            case FLOAT_LIST -> DataTypes.createArrayType(DataTypes.FloatType, false);
            case STRING_MAP -> DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false);
        };
    }

    /** A Spark row (lists as Scala sequences, maps as Scala maps: what Spark's row encoder takes). */
    public static Row toRow(AuditRow row) {
        Object[] values = new Object[AuditTable.COLUMNS.size()];
        for (int i = 0; i < values.length; i++) {
            AuditTable.Column c = AuditTable.COLUMNS.get(i);
            Object v = c.value(row);
            values[i] = v == null ? null : switch (c.kind()) {
                case INT_LIST, DOUBLE_LIST, STRING_LIST -> CollectionConverters.asScala((List<?>) v).toSeq();
                case FLOAT_LIST -> {
                    List<Float> floats = new ArrayList<>();
                    for (float f : (float[]) v) {
                        floats.add(f);
                    }
                    yield CollectionConverters.asScala(floats).toSeq();
                }
                case STRING_MAP -> CollectionConverters.asScala((Map<?, ?>) v);
                default -> v;
            };
        }
        return RowFactory.create(values);
    }

    /** A row of the table read back (any column order: fields are found by name). */
    public static AuditRow fromRow(Row row) {
        Object[] values = new Object[AuditTable.COLUMNS.size()];
        for (int i = 0; i < values.length; i++) {
            AuditTable.Column c = AuditTable.COLUMNS.get(i);
            int at = row.fieldIndex(c.name());
            if (row.isNullAt(at)) {
                continue;
            }
            values[i] = switch (c.kind()) {
                case INT_LIST, DOUBLE_LIST, STRING_LIST -> List.copyOf(row.getList(at));
                case FLOAT_LIST -> {
                    List<Float> floats = row.getList(at);
                    float[] out = new float[floats.size()];
                    for (int j = 0; j < out.length; j++) {
                        out[j] = floats.get(j);
                    }
                    yield out;
                }
                case STRING_MAP -> new LinkedHashMap<>(row.<String, String>getJavaMap(at));
                default -> row.get(at);
            };
        }
        return AuditTable.row(values);
    }
}
