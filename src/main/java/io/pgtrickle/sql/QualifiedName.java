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
     * Parses {@code text} with PostgreSQL's own parse_ident (unquoted parts fold to lower case,
     * quoted parts are kept); an unqualified name lands in current_schema().
     */
    public static QualifiedName parse(Db db, String text) throws SQLException {
        if (text == null || text.isBlank()) {
            throw PgTrickleException.invalidParameter("stream table name must not be empty");
        }
        // parse_ident's error is caught in SQL: the PL/Java host cannot go on after a failed statement.
        String[] row = db.queryOne("SELECT p.parts[1], p.parts[2], array_length(p.parts, 1)::text, current_schema(),"
                        + " p.error FROM pgtrickle._parse_name(?) p",
                rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)},
                text).orElseThrow();
        if (row[4] != null) {
            throw new PgTrickleException(PgTrickleException.INVALID_NAME,
                    "invalid name \"" + text + "\": " + firstLine(row[4]));
        }
        int n = Integer.parseInt(row[2]);
        String[] idents = n == 1 ? new String[] {row[0]} : n == 2 ? new String[] {row[0], row[1]} : new String[n];
        String current = row[3];
        if (idents.length == 1) {
            if (current == null) {
                throw new PgTrickleException(PgTrickleException.UNDEFINED_TABLE,
                        "no schema has been selected to create in");
            }
            return new QualifiedName(current, idents[0]);
        }
        if (idents.length == 2) {
            return new QualifiedName(idents[0], idents[1]);
        }
        throw new PgTrickleException(PgTrickleException.INVALID_NAME,
                "invalid name \"" + text + "\": expected name or schema.name");
    }

    private static String firstLine(String message) {
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
    }
}
