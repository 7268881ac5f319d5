package io.pgtrickle.cli;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** --url, or the libpq environment variables PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD. */
final class ConnectionOptions {

    @Option(names = "--url", paramLabel = "JDBC_URL",
            description = "JDBC URL, e.g. jdbc:postgresql://localhost:5432/app?user=app."
                    + " Default: built from PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD.")
    String url;

    String resolvedUrl() {
        return url != null ? url : fromEnvironment(System.getenv());
    }

    static String fromEnvironment(Map<String, String> env) {
        String host = env.getOrDefault("PGHOST", "localhost");
        if (host.startsWith("/")) {
            host = "localhost"; // pgjdbc speaks TCP only; a socket directory means the local server
        }
        String port = env.getOrDefault("PGPORT", "5432");
        String user = env.getOrDefault("PGUSER", System.getProperty("user.name"));
        String database = env.getOrDefault("PGDATABASE", user);
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    Connection open() throws SQLException {
        Properties props = new Properties();
        if (url == null) {
            props.setProperty("user", System.getenv().getOrDefault("PGUSER", System.getProperty("user.name")));
            String password = System.getenv("PGPASSWORD");
            if (password != null) {
                props.setProperty("password", password);
            }
        }
        props.setProperty("ApplicationName", "pg_trickle");
        return DriverManager.getConnection(resolvedUrl(), props);
    }
}
