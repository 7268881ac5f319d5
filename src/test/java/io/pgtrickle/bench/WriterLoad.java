package io.pgtrickle.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * pgbench's shape in Java: {@code clients} connections, each committing one-row UPDATEs of a random
 * row as fast as it can for {@code seconds}; returns transactions per second.
 */
final class WriterLoad {

    private WriterLoad() {
    }

    static double tps(String url, String table, int rows, int clients, double seconds) throws Exception {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> {
                try (Connection c = DriverManager.getConnection(url);
                     PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET v = v + 1 WHERE id = ?")) {
                    while (System.nanoTime() < end) {
                        ps.setInt(1, 1 + ThreadLocalRandom.current().nextInt(rows));
                        ps.executeUpdate();
                        done.incrementAndGet();
                    }
                } catch (SQLException e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
        return done.get() / seconds;
    }
}
