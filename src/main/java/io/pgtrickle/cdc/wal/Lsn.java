package io.pgtrickle.cdc.wal;

/** A WAL position as pg_lsn prints it ({@code 16/B374D848}): two hex halves of an unsigned 64-bit value. */
final class Lsn {

    private Lsn() {
    }

    static long parse(String text) {
        int slash = text.indexOf('/');
        return Long.parseUnsignedLong(text.substring(0, slash), 16) << 32 | Long.parseUnsignedLong(text.substring(slash + 1), 16);
    }

    static String format(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase();
    }
}
