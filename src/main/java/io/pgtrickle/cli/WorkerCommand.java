package io.pgtrickle.cli;

import io.pgtrickle.scheduler.Worker;
import io.pgtrickle.scheduler.WorkerOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** The long-lived scheduler: its flags are parsed by {@link WorkerOptions}, shared with tests and embedders. */
@Command(name = "worker",
        description = "Run the scheduler: refresh every due stream table on its schedule, one transaction per"
                + " refresh, until SIGTERM/SIGINT (in-flight refreshes finish first).")
final class WorkerCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Worker worker = Worker.fromOptions(WorkerOptions.parse(args, System.getenv()));
        try {
            worker.runUntilStopped();
        } catch (IllegalStateException cannotContinue) {
            System.err.println("ERROR: pg_trickle worker stopped: " + cannotContinue.getMessage());
            return 1;
        }
        return 0;
    }
}
