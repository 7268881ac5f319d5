package io.pgtrickle.catalog;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings a stream table's creator had that its refreshes must reproduce, stored in
 * {@code session_settings} as {@code name=value} pairs separated by chr(1). Only the names below
 * are ever applied: the column is writable by the table's owner, and a setting such as
 * {@code role} or {@code session_authorization} applied by a superuser worker would hand the
 * owner that worker's privileges.
 */
public final class PinnedSettings {

    /**
     * Settings that change how values print, and so row hashes and the user's expressions, and
     * standard_conforming_strings, which changes how the stored SQL itself reads: the query of a
     * FULL-only table is kept as the user wrote it, and {@code '\d'} is a different string where it
     * is off.
     */
    public static final List<String> PRINT_SETTINGS = List.of("TimeZone", "DateStyle", "IntervalStyle",
            "extra_float_digits", "bytea_output", "standard_conforming_strings");

    private static final String SEARCH_PATH = "search_path";

    /**
     * SQL for the caller's pinned settings in the stored form. DateStyle keeps the caller's field
     * order but always prints ISO: pgjdbc (the worker) drops a connection whose DateStyle output is
     * not ISO. search_path is stored as the schemas the names resolved in ("$user" as the schema it
     * meant for the creator).
     */
    static final String CURRENT = "(SELECT string_agg(n || '=' || CASE n WHEN 'DateStyle'"
            + " THEN 'ISO, ' || coalesce(nullif(split_part(current_setting(n), ', ', 2), ''), 'MDY')"
            + " WHEN '" + SEARCH_PATH + "' THEN coalesce((SELECT string_agg(quote_ident(s), ', ')"
            + " FROM unnest(current_schemas(false)) s), 'pg_catalog')"
            + " ELSE current_setting(n) END, chr(1))"
            + " FROM unnest(ARRAY['" + String.join("', '", PRINT_SETTINGS) + "', '" + SEARCH_PATH + "']) n)";
    /** For stream tables recorded before search_path was pinned. */
    private static final String DEFAULT_SEARCH_PATH = "\"$user\", public";
    private static final String SEPARATOR = "\u0001";

    private PinnedSettings() {
    }

    /** The print settings among {@code pairs}, in order; anything else is ignored. */
    public static Map<String, String> printSettings(String pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        parse(pairs).forEach((name, value) -> {
            if (PRINT_SETTINGS.contains(name)) {
                out.put(name, value);
            }
        });
        return out;
    }

    /** The search_path names in the defining query were resolved with. */
    public static String searchPath(String pairs) {
        return parse(pairs).getOrDefault(SEARCH_PATH, DEFAULT_SEARCH_PATH);
    }

    private static Map<String, String> parse(String pairs) {
        Map<String, String> out = new LinkedHashMap<>();
        if (pairs != null && !pairs.isEmpty()) {
            for (String pair : pairs.split(SEPARATOR)) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        return out;
    }
}
