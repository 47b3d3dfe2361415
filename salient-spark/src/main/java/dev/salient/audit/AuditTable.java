package dev.salient.audit;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The audit table's columns, read off {@link AuditRow}'s components (so the record is the one definition of the
 * schema): each component becomes a nullable column of the same name in snake case, typed by its Java type. Both
 * writers (Parquet in local mode, Spark's) and both readers go through this list.
 */
public final class AuditTable {
    /** Column types, one per Java type a row component may have. */
    public enum Kind { STRING, LONG, INT, DOUBLE, INT_LIST, DOUBLE_LIST, STRING_LIST, FLOAT_LIST, STRING_MAP }

    /** One column: its name, type, and the row component it holds. */
    public record Column(String name, Kind kind, RecordComponent component) {
        /** This column's value in {@code row} (null when absent). */
        public Object value(AuditRow row) {
            try {
                return component.getAccessor().invoke(row);
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + name + " of a row", e);
            }
        }
    }

    /** The columns, in the row's component order. */
    public static final List<Column> COLUMNS = Arrays.stream(AuditRow.class.getRecordComponents())
            .map(c -> new Column(snakeCase(c.getName()), kind(c), c)).toList();

    private static final Constructor<AuditRow> CONSTRUCTOR = canonicalConstructor();

    private AuditTable() {}

    /** A row from its column values in {@link #COLUMNS} order (long columns may be given as any Number). */
    public static AuditRow row(Object[] values) {
        if (values.length != COLUMNS.size()) {
            throw new IllegalArgumentException("a row has " + COLUMNS.size() + " columns, got " + values.length);
        }
        Object[] args = values.clone();
        for (int i = 0; i < args.length; i++) {
            if (COLUMNS.get(i).component().getType() == long.class) {
                args[i] = args[i] == null ? 0L : ((Number) args[i]).longValue();
            }
        }
        try {
            return CONSTRUCTOR.newInstance(args);
        } catch (InstantiationException | IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot build a row from " + Arrays.toString(values), e);
        }
    }

    private static Constructor<AuditRow> canonicalConstructor() {
        Class<?>[] types = Arrays.stream(AuditRow.class.getRecordComponents()).map(RecordComponent::getType)
                .toArray(Class<?>[]::new);
        try {
            return AuditRow.class.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("a record always has its canonical constructor", e);
        }
    }

    static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static Kind kind(RecordComponent c) {
        Class<?> type = c.getType();
        if (type == String.class) return Kind.STRING;
        if (type == long.class || type == Long.class) return Kind.LONG;
        if (type == Integer.class) return Kind.INT;
        if (type == Double.class) return Kind.DOUBLE;
        if (type == float[].class) return Kind.FLOAT_LIST;
        if (type == Map.class) return Kind.STRING_MAP;
        if (type == List.class) {
            Type element = ((ParameterizedType) c.getGenericType()).getActualTypeArguments()[0];
            if (element == Integer.class) return Kind.INT_LIST;
            if (element == Double.class) return Kind.DOUBLE_LIST;
            if (element == String.class) return Kind.STRING_LIST;
        }
        throw new IllegalStateException("no column type for row component " + c);
    }
}
