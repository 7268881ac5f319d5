package io.pgtrickle.cdc.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The two conversions WAL capture does in Java rather than asking PostgreSQL: a decoded
 * transaction's 32-bit xid into the xid8 its snapshot speaks, across an epoch boundary, and a
 * snapshot's visibility rule; and pg_lsn text. (Everything else is checked against the server.)
 */
class SnapshotTest {

    private static final long EPOCH = 1L << 32;

    @Test
    void widensAcrossTheEpochBoundaryBothWays() {
        Snapshot afterWrap = Snapshot.parse((EPOCH + 5) + ":" + (EPOCH + 5) + ":");
        assertEquals(EPOCH - 16, afterWrap.widen(0xFFFF_FFF0));  // committed just before the wrap
        assertEquals(EPOCH + 3, afterWrap.widen(3));
        assertEquals(EPOCH + 7, afterWrap.widen(7));               // committed after the snapshot
        Snapshot beforeWrap = Snapshot.parse((EPOCH - 16) + ":" + (EPOCH - 16) + ":");
        assertEquals(EPOCH + 5, beforeWrap.widen(5));              // a new epoch after the snapshot
        assertEquals(EPOCH - 20, beforeWrap.widen(0xFFFF_FFEC));
    }

    @Test
    void seesWhatPgVisibleInSnapshotWould() {
        Snapshot s = Snapshot.parse("100:110:103,107");
        assertTrue(s.sees(99));
        assertTrue(s.sees(100));
        assertFalse(s.sees(103));   // running when it was taken
        assertTrue(s.sees(104));
        assertFalse(s.sees(107));
        assertFalse(s.sees(110));   // xmax and later
        assertFalse(s.sees(200));
    }

    @Test
    void lsnTextRoundTrips() {
        assertEquals(0x16_B374_D848L, Lsn.parse("16/B374D848"));
        assertEquals("16/B374D848", Lsn.format(0x16_B374_D848L));
        assertEquals("0/0", Lsn.format(0));
        assertEquals(-1L, Lsn.parse("FFFFFFFF/FFFFFFFF"));
    }
}
