package io.pgtrickle.dvm;

import io.pgtrickle.sql.QualifiedName;
import java.util.List;

/** A base table read by a defining query, with what change capture needs to know about it. */
public record SourceTable(long oid, QualifiedName name, char relkind, List<Column> columns,
                          List<String> primaryKey, boolean isStreamTable) {

    public record Column(String name, String type) {
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
