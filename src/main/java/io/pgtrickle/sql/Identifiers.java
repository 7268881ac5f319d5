package io.pgtrickle.sql;

import java.util.regex.Pattern;

/** quote_ident semantics for every identifier that reaches generated SQL. */
public final class Identifiers {

    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_$]*");

    private Identifiers() {
    }

    public static String quote(String ident) {
        return '"' + ident.replace("\"", "\"\"") + '"';
    }

    /** Like PostgreSQL's quote_ident: quotes only when needed, for readable messages. */
    public static String display(String ident) {
        return PLAIN.matcher(ident).matches() ? ident : quote(ident);
    }

    /**
     * A string literal of {@code value} that reads the same whatever standard_conforming_strings is:
     * with a backslash in it, an escape string ({@code E'...'}).
     */
    public static String literal(String value) {
        return value.indexOf('\\') >= 0 ? "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
                : "'" + value.replace("'", "''") + "'";
    }
}
