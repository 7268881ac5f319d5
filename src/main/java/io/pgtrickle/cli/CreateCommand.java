package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import java.sql.SQLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a stream table (pgtrickle.create_stream_table).")
final class CreateCommand extends EngineCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Stream table name, optionally schema-qualified.")
    String name;

    @Parameters(index = "1", paramLabel = "QUERY", description = "Defining SELECT query.")
    String query;

    @Option(names = "--schedule", description = "30s, 5m, 1h30m, a cron expression, @hourly or calculated (default 1m).")
    String schedule;

    @Option(names = "--mode", description = "FULL, DIFFERENTIAL or AUTO (default AUTO).")
    String mode;

    @Option(names = "--preset", description = "real-time, batch or cost-optimized.")
    String preset;

    @Option(names = "--cdc-mode", description = "trigger, wal or auto (default: pg_trickle.cdc_mode, auto).")
    String cdcMode;

    @Option(names = "--no-initialize", negatable = false, description = "Create empty; the first refresh populates it.")
    boolean noInitialize;

    @Override
    void run(PgTrickle pgt) throws SQLException {
        pgt.createStreamTable(name, query, schedule, mode, !noInitialize, preset, cdcMode);
        System.out.println("created stream table " + name);
    }
}
