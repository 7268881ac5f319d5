package io.pgtrickle.scheduler;

import java.util.List;

/** Runs the worker as its own process, the way the CLI does; used by the SIGTERM test. */
public final class WorkerProcessMain {

    private WorkerProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        Worker w = Worker.fromOptions(WorkerOptions.parse(List.of(args), System.getenv()));
        System.out.println("worker started");
        System.out.flush();
        w.runUntilStopped();
    }
}
