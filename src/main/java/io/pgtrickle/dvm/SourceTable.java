package io.pgtrickle.dvm;

import io.pgtrickle.sql.QualifiedName;
import java.util.List;

/**
 * A base table read by a defining query, with what change capture needs to know about it.
 * {@code keyHashable}: every primary key column's type hashes by its own equality
 * ({@code pgtrickle._hashable}), so a row's id can hash the key values rather than their text.
 */
public record SourceTable(long oid, QualifiedName name, char relkind, List<Column> columns,
                          List<String> primaryKey, boolean keyHashable, boolean isStreamTable) {

    /** A column: its type as {@code format_type} prints it, and a COLLATE clause ("" for the type's default). */
    public record Column(String name, String type, String collate) {

        public Column(String name, String type) {
            this(name, type, "");
        }

        /** Type and collation, as a column definition states them. */
        public String definition() {
            return type + collate;
        }
    }

    public boolean hasPrimaryKey() {
        return !primaryKey.isEmpty();
    }

    /** Change capture works on ordinary and partitioned tables. */
    public boolean isCapturable() {
        return relkind == 'r' || relkind == 'p';
    }

    public String bufferTable() {
        return "pgtrickle_changes.changes_" + oid;
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }
}
