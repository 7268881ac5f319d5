package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import java.sql.SQLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Show the statement the next differential refresh of a stream table reads its changes with"
                + " (pgtrickle.explain_refresh), and PostgreSQL's plan for it. Changes nothing.")
final class ExplainCommand extends EngineCommand {

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--analyze", description = "EXPLAIN ANALYZE: run the read (it consumes nothing)")
    boolean analyze;

    @Override
    void run(PgTrickle pgt) throws SQLException {
        pgt.explainRefresh(name, analyze).forEach(System.out::println);
        pgt.db().connection().rollback(); // nothing to keep
    }
}
