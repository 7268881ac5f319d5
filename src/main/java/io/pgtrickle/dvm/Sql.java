package io.pgtrickle.dvm;

import io.pgtrickle.sql.Identifiers;
import java.util.List;
import java.util.stream.Collectors;

/** Small helpers for assembling generated SQL. */
public final class Sql {

    private Sql() {
    }

    public static String q(String ident) {
        return Identifiers.quote(ident);
    }

    /** "a", "b", "c" qualified by {@code alias}. */
    public static String columns(String alias, List<String> names) {
        return names.stream().map(n -> alias == null ? q(n) : alias + "." + q(n)).collect(Collectors.joining(", "));
    }

    /** Each of {@code names} qualified by {@code alias}, as a list. */
    public static List<String> columnList(String alias, List<String> names) {
        return names.stream().map(n -> alias + "." + q(n)).toList();
    }

    /** A text rendering of a row, stable for equal values of equal types: used to hash content. */
    public static String rowText(String alias, List<String> names) {
        return "ROW(" + columns(alias, names) + ")::text";
    }
}
