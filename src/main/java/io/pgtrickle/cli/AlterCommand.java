package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import java.sql.SQLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "alter", mixinStandardHelpOptions = true,
        description = "Change a stream table's query, schedule, mode, status or preset; omitted options are unchanged.")
final class AlterCommand extends EngineCommand {

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--query")
    String query;

    @Option(names = "--schedule")
    String schedule;

    @Option(names = "--mode", description = "FULL, DIFFERENTIAL or AUTO.")
    String mode;

    @Option(names = "--status", description = "ACTIVE or SUSPENDED.")
    String status;

    @Option(names = "--cdc-mode", description = "trigger, wal or auto: how its sources' changes are captured.")
    String cdcMode;

    @Option(names = "--preset", description = "real-time, batch or cost-optimized.")
    String preset;

    @Override
    void run(PgTrickle pgt) throws SQLException {
        pgt.alterStreamTable(name, query, schedule, mode, status, preset, cdcMode);
        System.out.println("altered stream table " + name);
    }
}
