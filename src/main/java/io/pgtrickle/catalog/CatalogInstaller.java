package io.pgtrickle.catalog;

import io.pgtrickle.sql.Db;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/** Installs the catalog into a database without PL/Java (the worker/CLI host). */
public final class CatalogInstaller {

    public static final String CATALOG_RESOURCE = "/sql/catalog.sql";

    private CatalogInstaller() {
    }

    public static String resource(String path) {
        try (InputStream in = CatalogInstaller.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates schema pgtrickle and the catalog; returns false when it was already there. */
    public static boolean install(Db db) throws SQLException {
        if (new CatalogStore(db).isInstalled()) {
            return false;
        }
        try (var st = db.connection().createStatement()) {
            // Plain pgjdbc here: the script defines pgtrickle._exec, so it cannot go through it.
            st.execute("CREATE SCHEMA IF NOT EXISTS pgtrickle;\n" + resource(CATALOG_RESOURCE));
        }
        return true;
    }
}
