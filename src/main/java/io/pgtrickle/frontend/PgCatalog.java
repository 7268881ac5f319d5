package io.pgtrickle.frontend;

import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.Identifiers;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The catalog facts the deparser needs about the OIDs in an analysed query: operator, function,
 * type and collation names, each looked up once per analysis. Names of objects outside
 * pg_catalog are always schema-qualified; pg_catalog's are written bare only when pg_catalog is
 * searched first (so the name resolves to the same object at every refresh).
 */
final class PgCatalog {

    /** @param equality an '=' the planner can hash or merge on: equal inputs, one group */
    record Operator(String schema, String name, char kind, boolean equality) {
    }

    record Function(String schema, String name, char kind, char volatility, boolean returnsSet) {
    }

    private final Db db;
    private final Map<String, Object> answers = new HashMap<>();
    private final Set<String> keywords = new HashSet<>();
    private final boolean catalogFirst;

    PgCatalog(Db db) throws SQLException {
        this.db = db;
        // the session's temporary schema may come first, but functions and operators are never looked up there
        catalogFirst = db.queryOne("SELECT u.s = 'pg_catalog' FROM pg_catalog.unnest(pg_catalog.current_schemas(true))"
                + " WITH ORDINALITY u(s, n) WHERE u.s NOT LIKE 'pg\\_temp\\_%' ORDER BY u.n LIMIT 1",
                rs -> rs.getBoolean(1)).orElse(false);
        // words that cannot name a function without quotes (col_name, reserved and type_func_name keywords)
        keywords.addAll(db.query("SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U'",
                rs -> rs.getString(1)));
    }

    Operator operator(long oid) throws SQLException {
        return once("SELECT n.nspname::text, o.oprname::text, o.oprkind::text,"
                        + " o.oprname = '=' AND (o.oprcanhash OR o.oprcanmerge) FROM pg_catalog.pg_operator o"
                        + " JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace WHERE o.oid = ?::oid",
                rs -> new Operator(rs.getString(1), rs.getString(2), rs.getString(3).charAt(0), rs.getBoolean(4)), oid);
    }

    Function function(long oid) throws SQLException {
        return once("SELECT n.nspname::text, p.proname::text, p.prokind::text, p.provolatile::text, p.proretset"
                        + " FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
                        + " WHERE p.oid = ?::oid",
                rs -> new Function(rs.getString(1), rs.getString(2), rs.getString(3).charAt(0),
                        rs.getString(4).charAt(0), rs.getBoolean(5)), oid);
    }

    /** The operator as written between or before operands: {@code +}, or {@code OPERATOR(s.+)}. */
    String operatorSyntax(long oid) throws SQLException {
        Operator op = operator(oid);
        return bare(op.schema()) ? op.name() : "OPERATOR(" + Identifiers.display(op.schema()) + "." + op.name() + ")";
    }

    /** A function's name as written in a call. */
    String functionName(long oid) throws SQLException {
        Function fn = function(oid);
        String name = fn.name();
        boolean plain = name.matches("[a-z_][a-z0-9_]*") && !keywords.contains(name);
        if (plain && bare(fn.schema())) {
            return name;
        }
        // qualified, any word may follow the dot (pg_catalog.position(…) is an ordinary call)
        return Identifiers.display(fn.schema()) + "." + Identifiers.display(name);
    }

    /** {@code format_type(oid, typmod)}: names outside the search path come out qualified. */
    String type(long oid, int typmod) throws SQLException {
        return once("SELECT pg_catalog.format_type(?::oid, ?)", rs -> rs.getString(1), oid, typmod);
    }

    String collation(long oid) throws SQLException {
        return once("SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.collname)"
                + " FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace"
                + " WHERE c.oid = ?::oid", rs -> rs.getString(1), oid);
    }

    /** Whether values of type {@code oid} hash by the type's equality ({@code pgtrickle._hashable}). */
    boolean hashable(long oid) throws SQLException {
        return once("SELECT pgtrickle._hashable(?::oid::regtype)", rs -> rs.getBoolean(1), oid);
    }

    /** The one answer to a catalog question, asked once per analysis (the tree repeats its OIDs). */
    @SuppressWarnings("unchecked")
    private <T> T once(String sql, Db.RowMapper<T> mapper, Object... params) throws SQLException {
        String key = sql + java.util.Arrays.toString(params);
        Object answer = answers.get(key);
        if (answer == null) {
            answer = db.queryOne(sql, mapper, params).orElseThrow(
                    () -> new SQLException("not in the catalog: " + java.util.Arrays.toString(params)));
            answers.put(key, answer);
        }
        return (T) answer;
    }

    /** The name of attribute {@code attnum} of composite type {@code typeOid}. */
    String fieldName(long typeOid, int attnum) throws SQLException {
        return db.queryOne("SELECT a.attname::text FROM pg_catalog.pg_type t JOIN pg_catalog.pg_attribute a"
                        + " ON a.attrelid = t.typrelid WHERE t.oid = ?::oid AND a.attnum = ?", rs -> rs.getString(1),
                typeOid, attnum).orElseThrow(() -> new SQLException("field " + attnum + " of type " + typeOid));
    }

    /** Whether relation {@code oid} has inheritance children or partitions. */
    boolean hasChildren(long oid) throws SQLException {
        return db.queryOne("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits WHERE inhparent = ?::oid)",
                rs -> rs.getBoolean(1), oid).orElse(false);
    }

    private boolean bare(String schema) {
        return catalogFirst && schema.equals("pg_catalog");
    }
}
