package io.pgtrickle.sql;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;

/** The libpq variables (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE) as pgjdbc settings. */
public final class LibpqEnvironment {

    private LibpqEnvironment() {
    }

    public static String jdbcUrl(Map<String, String> env) {
        String host = env.getOrDefault("PGHOST", "localhost");
        if (host.startsWith("/")) {
            host = "localhost"; // pgjdbc speaks TCP only; a socket directory means the local server
        }
        String port = env.getOrDefault("PGPORT", "5432");
        String user = env.getOrDefault("PGUSER", System.getProperty("user.name"));
        String db = env.getOrDefault("PGDATABASE", user);
        StringBuilder url = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/')
                .append(URLEncoder.encode(db, StandardCharsets.UTF_8));
        if (env.get("PGSSLMODE") != null) {
            url.append("?sslmode=").append(URLEncoder.encode(env.get("PGSSLMODE"), StandardCharsets.UTF_8));
        }
        return url.toString();
    }

    /** User and password from the environment, unless the URL already carries them. */
    public static Properties credentials(Map<String, String> env, String url) {
        Properties props = new Properties();
        if (!url.contains("user=")) {
            props.setProperty("user", env.getOrDefault("PGUSER", System.getProperty("user.name")));
        }
        if (env.get("PGPASSWORD") != null && !url.contains("password=")) {
            props.setProperty("password", env.get("PGPASSWORD"));
        }
        return props;
    }
}
