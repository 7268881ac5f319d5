package io.pgtrickle.cli;

import io.pgtrickle.sql.LibpqEnvironment;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import picocli.CommandLine.Option;

/** --url, or the libpq environment variables PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD. */
final class ConnectionOptions {

    @Option(names = "--url", paramLabel = "JDBC_URL",
            description = "JDBC URL, e.g. jdbc:postgresql://localhost:5432/app?user=app."
                    + " Default: built from PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD.")
    String url;

    Connection open() throws SQLException {
        String resolved = url != null ? url : LibpqEnvironment.jdbcUrl(System.getenv());
        Properties props = LibpqEnvironment.credentials(System.getenv(), resolved);
        props.setProperty("ApplicationName", "pg_trickle");
        return DriverManager.getConnection(resolved, props);
    }
}
