package io.pgtrickle.embedded;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PostgreSQL server for the demo and the tests: initdb into a temp directory,
 * start on a free loopback port, delete everything on close. PostgreSQL refuses to run as
 * root, so as root the server processes run as the unprivileged user {@code nobody}.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final String RUN_AS = "nobody";

    private final Path bin;
    private final Path dataDir;
    private final int port;
    private final boolean asRoot;

    private EmbeddedPostgres(Path bin, Path dataDir, int port, boolean asRoot) {
        this.bin = bin;
        this.dataDir = dataDir;
        this.port = port;
        this.asRoot = asRoot;
    }

    public static EmbeddedPostgres start() throws IOException {
        return start(new String[0]);
    }

    /** Starts a server with extra {@code name=value} settings, which win over the defaults above. */
    public static EmbeddedPostgres start(String... settings) throws IOException {
        Path bin = PostgresBinaries.binDirectory();
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        Path base = Files.createTempDirectory("pg-trickle-data",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path data = base.resolve("pgdata");
        if (asRoot) {
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx--x--x"));
            Files.createDirectory(data);
            UserPrincipalLookupService users = base.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(data, users.lookupPrincipalByName(RUN_AS));
        }
        EmbeddedPostgres pg = new EmbeddedPostgres(bin, data, freePort(), asRoot);
        Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "embedded-postgres-stop"));
        pg.run(120, bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust",
                "-E", "UTF8", "--no-locale", "--no-sync");
        String options = "-p " + pg.port + " -k " + data + " -c listen_addresses=127.0.0.1"
                + " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                + " -c track_commit_timestamp=on -c max_connections=60 -c shared_buffers=128MB";
        for (String setting : settings) {
            options += " -c " + setting;
        }
        pg.run(120, bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-o", options,
                "-l", data.resolve("server.log").toString(), "-w", "-t", "60", "start");
        return pg;
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database));
    }

    public Path logFile() {
        return dataDir.resolve("server.log");
    }

    @Override
    public synchronized void close() {
        if (!Files.exists(dataDir.resolve("postmaster.pid"))) {
            PostgresBinaries.deleteTree(dataDir.getParent());
            return;
        }
        try {
            run(60, bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "immediate", "-w", "stop");
        } catch (IOException | RuntimeException ignored) {
            // Nothing left to do but remove the files.
        }
        PostgresBinaries.deleteTree(dataDir.getParent());
    }

    private void run(int timeoutSeconds, String... command) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (asRoot) {
            cmd.addAll(List.of("runuser", "-u", RUN_AS, "--"));
        }
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("command failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
