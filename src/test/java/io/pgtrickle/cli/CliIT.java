package io.pgtrickle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged jar, run as users run it: a separate JVM per command. */
class CliIT {

    record Run(int exit, String output) {
    }

    static Run cli(String... args) throws IOException, InterruptedException {
        return java(List.of(), args);
    }

    static Run java(List<String> jvmFlags, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-jar");
        cmd.add(Path.of("target", "pg-trickle.jar").toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), out);
    }

    @Test
    void everySubcommandHasHelp() throws Exception {
        Run top = cli("--help");
        assertEquals(0, top.exit());
        for (String sub : List.of("install", "create", "alter", "drop", "refresh", "resume", "status", "preview", "worker", "demo",
                "install-extension")) {
            assertTrue(top.output().contains(sub), sub);
            Run help = cli(sub, "--help");
            assertEquals(0, help.exit(), sub + ": " + help.output());
            assertTrue(help.output().contains("Usage: pg-trickle " + sub), help.output());
        }
    }

    @Test
    void createRefreshStatusDropAndRefreshNeverLoadsTheFrontEnd() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE src (id int PRIMARY KEY, v int)", "INSERT INTO src SELECT g, g FROM generate_series(1, 30) g");
        Run create = cli("create", "st", "SELECT id, v * 2 AS v2 FROM src WHERE v > 10", "--mode", "DIFFERENTIAL",
                "--url", url);
        assertEquals(0, create.exit(), create.output());
        Tx.sql(url, "UPDATE src SET v = 0 WHERE id = 20");
        Run refresh = java(List.of("-verbose:class"), "refresh", "st", "--url", url);
        assertEquals(0, refresh.exit(), refresh.output());
        assertTrue(refresh.output().contains("st: DIFFERENTIAL, +0 -1 rows"), refresh.output());
        String frontEnd = "io.pgtrickle.frontend.";
        assertFalse(refresh.output().contains(frontEnd), () -> "a refresh must not analyse the query: "
                + refresh.output().lines().filter(l -> l.contains(frontEnd)).limit(3).toList()
                + " after " + refresh.output().lines().takeWhile(l -> !l.contains(frontEnd))
                .filter(l -> l.contains("io.pgtrickle")).reduce((a, b) -> b).orElse("?"));
        Run status = cli("status", "--url", url);
        assertTrue(status.output().contains("public.st") && status.output().contains("ACTIVE"), status.output());
        Run dup = cli("create", "st", "SELECT 1", "--url", url);
        assertEquals(1, dup.exit());
        assertTrue(dup.output().contains("SQLSTATE 42P07"), dup.output());
        assertEquals(0, cli("drop", "st", "--url", url).exit());
    }
}
