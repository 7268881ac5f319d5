package io.pgtrickle.dvm;

import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.OwnerSession;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What analysis asks PostgreSQL about a defining query: its output columns, the relations it
 * reads, and whether a generated statement plans. PostgreSQL parses and plans the user's text to
 * answer (planning may run the user's immutable functions), so the answers come from the role the
 * stream table will belong to: the caller at create and alter, the owner when a refresh rebuilds.
 */
public interface QueryChecks {

    List<SourceTable.Column> describe(String query) throws SQLException;

    List<Long> relations(String query) throws SQLException;

    /**
     * PostgreSQL's analysed form of a query ({@code pgtrickle._analyse}): the node tree, the bytes
     * before the query in the statement it came from, or why PostgreSQL would not store it.
     */
    record Tree(int prefixBytes, String text, String failure) {
    }

    Tree analyse(String query) throws SQLException;

    /** PostgreSQL's objection to planning {@code sql}, or null. */
    String planError(String sql) throws SQLException;

    /** Asked as the connected role. */
    static QueryChecks asCaller(Db db) {
        return new QueryChecks() {
            @Override
            public List<SourceTable.Column> describe(String query) throws SQLException {
                return db.query("SELECT attname, atttype, attcollate FROM pgtrickle._describe(?)",
                        rs -> new SourceTable.Column(rs.getString(1), rs.getString(2), rs.getString(3)), query);
            }

            @Override
            public List<Long> relations(String query) throws SQLException {
                return db.query("SELECT relid::bigint FROM pgtrickle._query_relations(?)", rs -> rs.getLong(1), query);
            }

            @Override
            public Tree analyse(String query) throws SQLException {
                return db.queryOne("SELECT prefix_bytes, tree, failure FROM pgtrickle._analyse(?)",
                        rs -> new Tree(rs.getInt(1), rs.getString(2), rs.getString(3)), query).orElseThrow();
            }

            @Override
            public String planError(String sql) throws SQLException {
                return db.queryOne("SELECT pgtrickle._plan_error(?)", rs -> rs.getString(1), sql).orElse(null);
            }
        };
    }

    /** Asked as a stream table's owner, through its owner function (answers travel as text). */
    static QueryChecks asOwner(OwnerSession owner) {
        return new QueryChecks() {
            @Override
            public List<SourceTable.Column> describe(String query) throws SQLException {
                String rows = owner.value("SELECT string_agg(attname || chr(2) || atttype || chr(2) || attcollate, chr(1) ORDER BY attnum)"
                        + " FROM pgtrickle._describe($1)", query);
                List<SourceTable.Column> out = new ArrayList<>();
                for (String row : rows == null ? new String[0] : rows.split("\u0001")) {
                    String[] parts = row.split("\u0002", 3);
                    out.add(new SourceTable.Column(parts[0], parts[1], parts[2]));
                }
                return out;
            }

            @Override
            public List<Long> relations(String query) throws SQLException {
                String rows = owner.value("SELECT string_agg(relid::text, ',') FROM pgtrickle._query_relations($1)", query);
                List<Long> out = new ArrayList<>();
                for (String oid : rows == null ? new String[0] : rows.split(",")) {
                    out.add(Long.parseLong(oid));
                }
                return out;
            }

            @Override
            public Tree analyse(String query) throws SQLException {
                String row = owner.value("SELECT prefix_bytes || chr(1) || coalesce(tree, '') || chr(1)"
                        + " || coalesce(failure, '') FROM pgtrickle._analyse($1)", query);
                String[] parts = row.split("\u0001", -1);
                return new Tree(Integer.parseInt(parts[0]), parts[1].isEmpty() ? null : parts[1],
                        parts[2].isEmpty() ? null : parts[2]);
            }

            @Override
            public String planError(String sql) throws SQLException {
                return owner.value("SELECT pgtrickle._plan_error($1)", sql);
            }
        };
    }
}
