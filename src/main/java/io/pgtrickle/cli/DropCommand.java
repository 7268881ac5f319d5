package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import java.sql.SQLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "drop", mixinStandardHelpOptions = true, description = "Drop a stream table and, when unused, its change capture.")
final class DropCommand extends EngineCommand {

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--cascade", description = "Also drop stream tables that read this one.")
    boolean cascade;

    @Override
    void run(PgTrickle pgt) throws SQLException {
        pgt.dropStreamTable(name, cascade);
        System.out.println("dropped stream table " + name);
    }
}
