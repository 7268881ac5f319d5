package io.pgtrickle.cli;

import io.pgtrickle.scheduler.WorkerOptions;
import java.sql.SQLException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar pg-trickle.jar <command>}: the worker/CLI host. */
@Command(name = "pg-trickle", mixinStandardHelpOptions = true, version = "pg_trickle 0.1.0",
        description = "Stream tables for PostgreSQL: tables defined by a query that keep themselves fresh.",
        subcommands = {InstallCommand.class, CreateCommand.class, AlterCommand.class, DropCommand.class,
                RefreshCommand.class, ResumeCommand.class, StatusCommand.class, PreviewCommand.class, ExplainCommand.class, WorkerCommand.class,
                DemoCommand.class, InstallExtensionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.getSubcommands().get("worker").getCommandSpec().usageMessage().footer("%n" + WorkerOptions.usage());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof SQLException sql) {
                cmd.getErr().println("ERROR: " + sql.getMessage()
                        + (sql.getSQLState() == null ? "" : " (SQLSTATE " + sql.getSQLState() + ")"));
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
