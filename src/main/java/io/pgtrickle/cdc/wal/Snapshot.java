package io.pgtrickle.cdc.wal;

import java.util.Arrays;

/**
 * A {@code pg_snapshot} ({@code xmin:xmax:xip,...}), for deciding in Java what
 * {@code pg_visible_in_snapshot} would: a committed transaction is visible when it is below xmax
 * and was not running when the snapshot was taken.
 */
record Snapshot(long xmin, long xmax, long[] running) {

    static Snapshot parse(String text) {
        String[] parts = text.split(":", -1);
        long[] xip = parts.length < 3 || parts[2].isEmpty() ? new long[0]
                : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseUnsignedLong).sorted().toArray();
        return new Snapshot(Long.parseUnsignedLong(parts[0]), Long.parseUnsignedLong(parts[1]), xip);
    }

    /** Whether committed transaction {@code xid} is visible in this snapshot. */
    boolean sees(long xid) {
        return Long.compareUnsigned(xid, xmin) < 0
                || Long.compareUnsigned(xid, xmax) < 0 && Arrays.binarySearch(running, xid) < 0;
    }

    /**
     * The 64-bit id of a 32-bit {@code xid} that pgoutput reports: the one within 2^31 of xmax (a
     * decoded transaction is never that far from a current snapshot).
     */
    long widen(int xid) {
        long candidate = (xmax & 0xFFFF_FFFF_0000_0000L) | Integer.toUnsignedLong(xid);
        if (candidate - xmax > (1L << 31)) {
            candidate -= 1L << 32;
        } else if (xmax - candidate > (1L << 31)) {
            candidate += 1L << 32;
        }
        return candidate;
    }
}
