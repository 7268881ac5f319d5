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

    /** Reads every known setting in one round trip. */
    static SettingsSource fromDatabase(Db db) throws SQLException {
        StringBuilder names = new StringBuilder();
        for (Setting<?> s : AllSettings.all()) {
            names.append(names.length() == 0 ? "" : ",").append(s.name());
        }
        Map<String, String> values = new HashMap<>();
        for (String[] kv : db.query("SELECT n, current_setting(n, true) FROM unnest(string_to_array(?, ',')) n",
                rs -> new String[] {rs.getString(1), rs.getString(2)}, names.toString())) {
            values.put(kv[0], kv[1]);
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
