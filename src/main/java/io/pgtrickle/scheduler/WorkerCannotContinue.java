package io.pgtrickle.scheduler;

/**
 * Nothing the worker could do would succeed by retrying: its database or pg_trickle's catalog in
 * it is gone. The worker stops instead of logging the same failure every tick.
 */
final class WorkerCannotContinue extends RuntimeException {

    /** invalid_catalog_name: the database does not exist. */
    private static final String DATABASE_GONE = "3D000";

    WorkerCannotContinue(String message) {
        super(message);
    }

    /** Whether {@code e}, from a tick, means the worker's database is gone. */
    static boolean isDatabaseGone(Throwable e) {
        return e instanceof java.sql.SQLException sql && DATABASE_GONE.equals(sql.getSQLState());
    }
}
