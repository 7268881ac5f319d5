package io.pgtrickle.scheduler;

import java.sql.Connection;
import java.sql.SQLException;

/** Closing and rolling back connections whose failure could only hide the error being handled. */
final class Connections {

    private Connections() {
    }

    /** Rolls back; when that fails the connection is broken and PostgreSQL rolls back on disconnect. */
    static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; PostgreSQL rolls back on disconnect
        }
    }

    /** Closes {@code c} if there is one; a failure to close leaves nothing to do. */
    static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
