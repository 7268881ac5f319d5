package io.pgtrickle.catalog;

import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.QualifiedName;
import java.sql.SQLException;
import java.util.List;

/** Reads a relation the defining query uses from pg_catalog, by OID. */
public final class PgSourceResolver {

    private final Db db;

    public PgSourceResolver(Db db) {
        this.db = db;
    }

    public SourceTable byOid(long oid) throws SQLException {
        Object[] rel = db.queryOne("SELECT n.nspname::text, c.relname::text, c.relkind::text,"
                        + " EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = c.oid)"
                        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid",
                rs -> new Object[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)}, oid)
                .orElseThrow();
        List<SourceTable.Column> columns = db.query("SELECT attname::text, format_type(atttypid, atttypmod)"
                        + " FROM pg_attribute WHERE attrelid = ?::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                rs -> new SourceTable.Column(rs.getString(1), rs.getString(2)), oid);
        List<Object[]> pk = db.query("SELECT a.attname::text, pgtrickle._hashable(a.atttypid::regtype) FROM pg_index i"
                + " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)"
                + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                + " WHERE i.indrelid = ?::oid AND i.indisprimary ORDER BY k.ord",
                rs -> new Object[] {rs.getString(1), rs.getBoolean(2)}, oid);
        return new SourceTable(oid, new QualifiedName((String) rel[0], (String) rel[1]), ((String) rel[2]).charAt(0),
                columns, pk.stream().map(k -> (String) k[0]).toList(), pk.stream().allMatch(k -> (Boolean) k[1]),
                (Boolean) rel[3]);
    }
}
