package io.pgtrickle.cli;

import io.pgtrickle.catalog.CatalogInstaller;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Copies the control file, the extension script and this jar into PostgreSQL's share directory,
 * then prints the two PL/Java settings that put the jar on the backend class path.
 */
@Command(name = "install-extension", mixinStandardHelpOptions = true,
        description = "Install pg_trickle as a PL/Java extension into a PostgreSQL installation (needs write access"
                + " to its share directory; PL/Java 1.6 must already be installed).")
final class InstallExtensionCommand implements Callable<Integer> {

    static final String VERSION = "0.1.0";

    static final String ENGINE_JAR = "pg-trickle-engine.jar";

    /**
     * Serial GC, the client compiler on one thread, small stacks and a small initial heap; and no JVM
     * log: inside a backend the JVM cannot write one, so each message (a missing or stale class
     * archive, say) reached the client as "INFO: Could not write log ... ERROR: Could not write log".
     */
    static final String FOOTPRINT = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1"
            + " -XX:ReservedCodeCacheSize=32m -Xss512k -Xms8m -Xlog:disable";

    @Option(names = "--pg-config", description = "pg_config of the target installation (default: pg_config on PATH).")
    String pgConfig = "pg_config";

    @Option(names = "--sharedir", description = "Share directory to install into (default: pg_config --sharedir).")
    Path sharedir;

    @Override
    public Integer call() throws IOException, InterruptedException, URISyntaxException {
        Path share = sharedir != null ? sharedir : Path.of(pgConfigValue("--sharedir"));
        Path extension = Files.createDirectories(share.resolve("extension"));
        Path home = Files.createDirectories(share.resolve("pg_trickle"));
        Path jar = home.resolve("pg-trickle.jar");
        Path self = Path.of(InstallExtensionCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(self)) {
            System.err.println("ERROR: run this from the packaged jar (java -jar target/pg-trickle.jar install-extension)");
            return 2;
        }
        // The lean in-database jar built beside this one (pom.xml, shade execution "engine"); this jar
        // itself, with the CLI, the worker's dependencies and the embedded binaries, only when it is absent.
        Path engine = self.resolveSibling(ENGINE_JAR);
        Files.copy(Files.isRegularFile(engine) ? engine : self, jar, StandardCopyOption.REPLACE_EXISTING);
        write(extension.resolve("pg_trickle.control"),
                CatalogInstaller.resource("/sql/pg_trickle.control").replace("@VERSION@", VERSION));
        write(extension.resolve("pg_trickle--" + VERSION + ".sql"), extensionScript());
        Path policy = home.resolve("pg_trickle.policy");
        write(policy, CatalogInstaller.resource("/sql/pg_trickle.policy").replace("@JAR_URL@", jar.toUri().toString()));
        System.out.println("installed pg_trickle " + VERSION + " into " + share);
        System.out.println();
        System.out.println("Then, as a superuser (once per cluster), and reconnect:");
        System.out.println("  ALTER SYSTEM SET pljava.vmoptions = '" + vmOptions(jar) + "';");
        System.out.println("  ALTER SYSTEM SET pljava.policy_urls = '\"file:${org.postgresql.sysconfdir}/pljava.policy\",\""
                + policy.toUri() + "\",\"=\"';");
        System.out.println("  SELECT pg_reload_conf();");
        System.out.println("and in each database:  CREATE EXTENSION pg_trickle CASCADE;");
        System.out.println("Then once, as a superuser in a new session (a faster first call in each backend):");
        System.out.println("  SELECT pgtrickle.write_class_archive();  -- and disconnect");
        return 0;
    }

    /**
     * The backend JVM's options: the jar, a small footprint ({@link #FOOTPRINT}: a backend's JVM runs
     * short calls and there is one per backend) and the class archive that
     * {@code pgtrickle.write_class_archive()} writes into the data directory (absent or stale until then: the
     * JVM starts without it).
     */
    static String vmOptions(Path jar) {
        return "-Djava.class.path=" + jar + " " + FOOTPRINT + " -XX:SharedArchiveFile=pg_trickle.jsa";
    }

    /** The extension script: the shared catalog plus the PL/Java function declarations. */
    static String extensionScript() {
        return "\\echo Use \"CREATE EXTENSION pg_trickle\" to load this file. \\quit\n"
                + CatalogInstaller.script(CatalogInstaller.resource("/sql/pljava_functions.sql"));
    }

    private String pgConfigValue(String flag) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(pgConfig, flag).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException(pgConfig + " " + flag + " failed: " + out);
        }
        return out;
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}
