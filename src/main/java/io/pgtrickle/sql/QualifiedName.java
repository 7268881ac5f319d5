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
        String[] idents;
        String current;
        try {
            // Array access in SQL: PL/Java's SPI driver has no portable getArray().
            String[] row = db.queryOne(
                    "SELECT p[1], p[2], array_length(p, 1)::text, current_schema() FROM parse_ident(?, true) p",
                    rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)},
                    text).orElseThrow();
            int n = Integer.parseInt(row[2]);
            idents = n == 1 ? new String[] {row[0]} : n == 2 ? new String[] {row[0], row[1]} : new String[n];
            current = row[3];
        } catch (SQLException e) {
            throw new PgTrickleException(PgTrickleException.INVALID_NAME,
                    "invalid name \"" + text + "\": " + firstLine(e.getMessage()), e);
        }
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
