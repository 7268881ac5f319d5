package io.pgtrickle.cli;

import io.pgtrickle.demo.Demo;
import io.pgtrickle.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded PostgreSQL (or use --url), create tables and stream tables, apply a stream"
                + " of writes and show each stream table staying equal to its query. Exits by itself.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--url", description = "Use this database instead of an embedded server (it must be empty of demo tables).")
    String url;

    @Option(names = "--rounds", defaultValue = "5", description = "Rounds of writes and refreshes (default ${DEFAULT-VALUE}).")
    int rounds;

    @Override
    public Integer call() throws Exception {
        if (url != null) {
            return new Demo(System.out).run(url, rounds) ? 0 : 1;
        }
        System.out.println("starting an embedded PostgreSQL 15 ...");
        long t0 = System.nanoTime();
        try (EmbeddedPostgres pg = EmbeddedPostgres.start()) {
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres")); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE demo");
            }
            System.out.printf("PostgreSQL is up on 127.0.0.1:%d (%.1f s)%n%n", pg.port(), (System.nanoTime() - t0) / 1e9);
            return new Demo(System.out).run(pg.jdbcUrl("demo"), rounds) ? 0 : 1;
        }
    }
}
