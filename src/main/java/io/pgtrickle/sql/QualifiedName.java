package io.pgtrickle.sql;

import java.sql.SQLException;

/** A schema-qualified relation name, resolved the way PostgreSQL resolves names. */
public record QualifiedName(String schema, String name) {

    public String quoted() {
        return Identifiers.quote(schema) + '.' + Identifiers.quote(name);
    }

    public String display() {
        return Identifiers.display(schema) + '.' + Identifiers.display(name);
    }

    @Override
    public String toString() {
        return display();
    }

    /**
     * SQL for {@code text} (the parameter {@code ?}) parsed by PostgreSQL's parse_ident, as the
     * relation {@code x} of {@code parts}, {@code error} and {@code current_schema}; {@link #PARSED}
     * selects from it what {@link #fromParsed} reads. parse_ident's error is caught in SQL: the
     * PL/Java host cannot go on after a failed statement.
     */
    public static final String PARSED_FROM =
            "(SELECT p.parts, p.error, current_schema() AS current_schema FROM pgtrickle._parse_name(?) p) x";

    /** The five columns of {@link #PARSED_FROM} that {@link #fromParsed} reads. */
    public static final String PARSED = "x.parts[1], x.parts[2], array_length(x.parts, 1)::text, x.current_schema, x.error";

    /** The schema the name lands in, in SQL over {@link #PARSED_FROM} (NULL: no single answer). */
    public static final String SCHEMA = "CASE array_length(x.parts, 1) WHEN 1 THEN x.current_schema WHEN 2 THEN x.parts[1] END";

    /** The relation name, in SQL over {@link #PARSED_FROM}. */
    public static final String NAME = "x.parts[array_length(x.parts, 1)]";

    /**
     * Parses {@code text} with PostgreSQL's own parse_ident (unquoted parts fold to lower case,
     * quoted parts are kept); an unqualified name lands in current_schema().
     */
    public static QualifiedName parse(Db db, String text) throws SQLException {
        requireText(text);
        return db.queryOne("SELECT " + PARSED + " FROM " + PARSED_FROM,
                rs -> fromParsed(text, rs, 1), text).orElseThrow();
    }

    public static void requireText(String text) throws PgTrickleException {
        if (text == null || text.isBlank()) {
            throw PgTrickleException.invalidParameter("stream table name must not be empty");
        }
    }

    /** The name {@code rs} holds from column {@code first} on ({@link #PARSED}'s five), or the error it is. */
    public static QualifiedName fromParsed(String text, java.sql.ResultSet rs, int first) throws SQLException {
        String error = rs.getString(first + 4);
        if (error != null) {
            throw new PgTrickleException(PgTrickleException.INVALID_NAME,
                    "invalid name \"" + text + "\": " + firstLine(error));
        }
        String n = rs.getString(first + 2);
        if ("1".equals(n)) {
            String current = rs.getString(first + 3);
            if (current == null) {
                throw new PgTrickleException(PgTrickleException.UNDEFINED_TABLE,
                        "no schema has been selected to create in");
            }
            return new QualifiedName(current, rs.getString(first));
        }
        if ("2".equals(n)) {
            return new QualifiedName(rs.getString(first), rs.getString(first + 1));
        }
        throw new PgTrickleException(PgTrickleException.INVALID_NAME,
                "invalid name \"" + text + "\": expected name or schema.name");
    }

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }
}
