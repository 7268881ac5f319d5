package io.pgtrickle.support;

import java.sql.SQLException;

/**
 * Real, unprivileged login roles for security tests. Roles belong to the whole cluster, so each
 * test class uses its own names; every role gets a schema of its own name in the test database
 * (its "$user" entry on the search_path), so its unqualified names land there.
 */
public final class Roles {

    private Roles() {
    }

    /**
     * Creates {@code role} (LOGIN, no other attribute) unless it exists, optionally as a member of
     * pgtrickle_user, with its own schema in the database of {@code adminUrl}; returns a URL that
     * connects as it.
     */
    public static String login(String adminUrl, String role, boolean streamTableUser) throws SQLException {
        Tx.sql(adminUrl, "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + role + "') THEN"
                + " CREATE ROLE " + role + " LOGIN; END IF; END $$",
                "ALTER ROLE " + role + " NOSUPERUSER NOCREATEROLE NOCREATEDB",
                "CREATE SCHEMA IF NOT EXISTS " + role + " AUTHORIZATION " + role);
        Tx.sql(adminUrl, (streamTableUser ? "GRANT" : "REVOKE") + " pgtrickle_user " + (streamTableUser ? "TO " : "FROM ") + role);
        return as(adminUrl, role);
    }

    /** {@code url} with its user replaced by {@code role}. */
    public static String as(String url, String role) {
        int q = url.indexOf('?');
        String base = q < 0 ? url : url.substring(0, q);
        StringBuilder params = new StringBuilder("?user=").append(role);
        if (q >= 0) {
            for (String p : url.substring(q + 1).split("&")) {
                if (!p.startsWith("user=") && !p.startsWith("password=") && !p.isEmpty()) {
                    params.append('&').append(p);
                }
            }
        }
        return base + params;
    }

    public static boolean isSuperuser(String adminUrl, String role) throws SQLException {
        try (var c = TestDatabase.connect(adminUrl)) {
            return Oracle.count(c, "SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "' AND rolsuper") > 0;
        }
    }
}
