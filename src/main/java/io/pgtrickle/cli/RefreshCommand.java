package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.refresh.RefreshOutcome;
import java.sql.SQLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "refresh", mixinStandardHelpOptions = true, description = "Refresh a stream table now (logged as MANUAL).")
final class RefreshCommand extends EngineCommand {

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    void run(PgTrickle pgt) throws SQLException {
        RefreshOutcome o = pgt.refreshStreamTable(name);
        System.out.printf("%s: %s, +%d -%d rows in %.1f ms%n", name, o.action(), o.rowsInserted(), o.rowsDeleted(),
                o.elapsedMillis());
    }
}
