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

    public static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
