package io.pgtrickle.config;

import io.pgtrickle.sql.Db;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where setting values come from. In the database they are GUC placeholders read with
 * {@code current_setting(name, true)}, so SET, ALTER DATABASE ... SET and postgresql.conf
 * all work; the worker layers its flags and environment on top.
 */
@FunctionalInterface
public interface SettingsSource {

    /** The raw text of {@code name}, or null when unset. */
    String get(String name);

    static SettingsSource empty() {
        return name -> null;
    }

    /**
     * Reads every known setting in one round trip, as one value (every refresh starts with this,
     * and in the backend each row and column read crosses into Java on its own): chr(1) between
     * values, chr(2) for one that is unset.
     */
    static SettingsSource fromDatabase(Db db) throws SQLException {
        List<Setting<?>> all = AllSettings.all();
        StringBuilder names = new StringBuilder();
        for (Setting<?> s : all) {
            names.append(names.length() == 0 ? "" : ",").append(s.name());
        }
        String joined = db.queryOne("SELECT array_to_string(ARRAY(SELECT coalesce(current_setting(u.n, true), chr(2))"
                + " FROM unnest(string_to_array(?, ',')) WITH ORDINALITY u(n, i) ORDER BY u.i), chr(1))",
                rs -> rs.getString(1), names.toString()).orElse("");
        String[] parts = joined.split("\u0001", -1);
        Map<String, String> values = new HashMap<>();
        if (parts.length != all.size()) {
            // a value holding chr(1) itself: read them one row each
            for (String[] kv : db.query("SELECT n, current_setting(n, true) FROM unnest(string_to_array(?, ',')) n",
                    rs -> new String[] {rs.getString(1), rs.getString(2)}, names.toString())) {
                values.put(kv[0], kv[1]);
            }
            return values::get;
        }
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].equals("\u0002")) {
                values.put(all.get(i).name(), parts[i]);
            }
        }
        return values::get;
    }

    /** PG_TRICKLE_MERGE_BATCH_SIZE=100 overrides pg_trickle.merge_batch_size. */
    static SettingsSource fromEnvironment(Map<String, String> env) {
        return name -> env.get(name.replace('.', '_').toUpperCase(Locale.ROOT));
    }

    /** This source, with {@code over} winning where it has a value. */
    default SettingsSource overriddenBy(SettingsSource over) {
        return name -> {
            String v = over.get(name);
            return v != null ? v : get(name);
        };
    }

    static SettingsSource of(Map<String, String> values) {
        return values::get;
    }

    static List<Setting<?>> known() {
        return AllSettings.all();
    }
}
