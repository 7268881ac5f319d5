package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import java.sql.SQLException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a SUSPENDED stream table and reset its error count.")
final class ResumeCommand extends EngineCommand {

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    void run(PgTrickle pgt) throws SQLException {
        pgt.resumeStreamTable(name);
        System.out.println("resumed stream table " + name);
    }
}
