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
    private static final String CAPTURE_RESOURCE = "/sql/capture.sql";
    private static final String WAL_RESOURCE = "/sql/wal.sql";
    private static final String SECURITY_RESOURCE = "/sql/security.sql";

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

    /**
     * The catalog script: tables and helpers, change capture, then the PL/Java functions when given
     * (the extension), and last roles, row-level security and grants, which cover all of them.
     */
    public static String script(String pljavaFunctions) {
        return resource(CATALOG_RESOURCE) + "\n" + resource(CAPTURE_RESOURCE) + "\n" + resource(WAL_RESOURCE) + "\n"
                + (pljavaFunctions == null ? "" : pljavaFunctions + "\n") + resource(SECURITY_RESOURCE);
    }

    /**
     * Creates schema pgtrickle and the catalog; returns false when it was already there. A schema
     * pgtrickle that exists without the catalog is refused by the script (it could hold anything).
     */
    public static boolean install(Db db) throws SQLException {
        if (new CatalogStore(db).isInstalled()) {
            return false;
        }
        try (var st = db.connection().createStatement()) {
            // Plain pgjdbc here: the script defines pgtrickle._exec, so it cannot go through it.
            st.execute("CREATE SCHEMA IF NOT EXISTS pgtrickle;\n" + script(null));
        }
        return true;
    }
}
