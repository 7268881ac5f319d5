package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.catalog.CatalogInstaller;
import java.sql.SQLException;
import picocli.CommandLine.Command;

@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Install the pg_trickle catalog (schema pgtrickle) into a database without PL/Java.")
final class InstallCommand extends EngineCommand {

    @Override
    void run(PgTrickle pgt) throws SQLException {
        boolean created = CatalogInstaller.install(pgt.db());
        System.out.println(created ? "pg_trickle catalog installed" : "pg_trickle catalog already installed");
    }
}
