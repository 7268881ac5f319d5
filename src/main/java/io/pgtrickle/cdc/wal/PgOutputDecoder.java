package io.pgtrickle.cdc.wal;

import io.pgtrickle.cdc.wal.PgOutputMessage.Tuple;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one {@code pgoutput} message (protocol version 1, text tuple format) as
 * {@code pg_logical_slot_peek_binary_changes} returns it. Integers are big-endian; strings are
 * NUL-terminated in the server encoding, which a pg_trickle database requires to be UTF-8 for
 * WAL capture (pgtrickle._wal_capturable).
 */
public final class PgOutputDecoder {

    private PgOutputDecoder() {
    }

    public static PgOutputMessage decode(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        char kind = (char) b.get();
        return switch (kind) {
            case 'B' -> new PgOutputMessage.Begin(b.getLong(), b.getLong(), b.getInt());
            case 'C' -> {
                b.get(); // flags (none defined)
                yield new PgOutputMessage.Commit(b.getLong(), b.getLong());
            }
            case 'R' -> relation(b);
            case 'I' -> {
                long relid = oid(b);
                expect(b, 'N');
                yield new PgOutputMessage.Insert(relid, tuple(b));
            }
            case 'U' -> {
                long relid = oid(b);
                char next = (char) b.get();
                Tuple old = null;
                boolean keyOnly = next == 'K';
                if (next == 'K' || next == 'O') {
                    old = tuple(b);
                    next = (char) b.get();
                }
                if (next != 'N') {
                    throw new IllegalArgumentException("pgoutput UPDATE: expected 'N', got '" + next + "'");
                }
                yield new PgOutputMessage.Update(relid, old, keyOnly, tuple(b));
            }
            case 'D' -> {
                long relid = oid(b);
                boolean keyOnly = b.get() == 'K'; // else 'O': the whole old row
                yield new PgOutputMessage.Delete(relid, tuple(b), keyOnly);
            }
            case 'T' -> {
                int n = b.getInt();
                b.get(); // options: CASCADE, RESTART IDENTITY
                List<Long> relids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    relids.add(oid(b));
                }
                yield new PgOutputMessage.Truncate(relids);
            }
            default -> new PgOutputMessage.Other(kind);
        };
    }

    private static PgOutputMessage relation(ByteBuffer b) {
        long relid = oid(b);
        String namespace = string(b);
        String name = string(b);
        char identity = (char) b.get();
        int n = b.getShort();
        List<String> columns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            b.get();                 // flags: part of the key
            columns.add(string(b));
            b.getInt();              // type oid
            b.getInt();              // type modifier
        }
        return new PgOutputMessage.Relation(relid, namespace, name, identity, columns);
    }

    private static Tuple tuple(ByteBuffer b) {
        int n = b.getShort();
        String[] values = new String[n];
        boolean[] unchanged = new boolean[n];
        for (int i = 0; i < n; i++) {
            char k = (char) b.get();
            switch (k) {
                case 'n' -> values[i] = null;
                case 'u' -> unchanged[i] = true;
                case 't' -> {
                    byte[] text = new byte[b.getInt()];
                    b.get(text);
                    values[i] = new String(text, StandardCharsets.UTF_8);
                }
                default -> throw new IllegalArgumentException("pgoutput tuple: unexpected column kind '" + k + "'");
            }
        }
        return new Tuple(Arrays.asList(values), unchanged);
    }

    private static long oid(ByteBuffer b) {
        return Integer.toUnsignedLong(b.getInt());
    }

    private static String string(ByteBuffer b) {
        int start = b.position();
        while (b.get() != 0) {
            // to the terminating NUL
        }
        return new String(b.array(), start, b.position() - start - 1, StandardCharsets.UTF_8);
    }

    private static void expect(ByteBuffer b, char wanted) {
        char got = (char) b.get();
        if (got != wanted) {
            throw new IllegalArgumentException("pgoutput: expected '" + wanted + "', got '" + got + "'");
        }
    }
}
