-- WAL change capture. Part of the catalog script (after capture.sql). docs/WAL_CAPTURE.md has the
-- design and the argument that every committed change is consumed exactly once.
--
-- One logical replication slot per database, decoded with PostgreSQL's built-in pgoutput, and one
-- publication, pgtrickle_capture, holding the WAL-captured sources. It is created here, with the
-- catalog, and so exists at every WAL position the slot can ever decode: pgoutput looks a
-- publication up as of the position it decodes, and fails where it did not exist yet. Nothing here
-- keeps decoded rows: a refresh decodes, in its own transaction, what its snapshot sees and its
-- frontier has not consumed, into the source's change buffer with negative change numbers, and
-- deletes them again before it commits (pgtrickle._cleanup_changes). The only state that survives
-- is where each stream table's next decode must start (pgt_stream_tables.wal_restart_lsn),
-- written in the refresh's transaction; the slot is advanced to the least of those, never past.
--
-- Decoding runs the column types' output functions and storing the rows their input functions, as
-- the role that installed pg_trickle: only sources whose column types have I/O functions owned by
-- a superuser (and no domain constraints) are WAL-captured; the others keep their triggers.

CREATE FUNCTION pgtrickle._wal_slot() RETURNS name
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT ('pgtrickle_' || d.oid)::name FROM pg_database d WHERE d.datname = current_database()
$fn$;

-- What an earlier install left: DROP EXTENSION cannot take a publication or a replication slot
-- along (neither can be an extension member). A superuser's publication of this name is that
-- leftover and is made anew (empty); anyone else's is refused, as catalog.sql refuses a schema. A
-- leftover slot's position means nothing to this new catalog: an idle one is dropped.
DO $leftovers$
DECLARE
    owner_is_super boolean := (SELECT r.rolsuper FROM pg_publication p JOIN pg_roles r ON r.oid = p.pubowner
                                WHERE p.pubname = 'pgtrickle_capture');
BEGIN
    IF NOT owner_is_super THEN
        RAISE EXCEPTION 'publication pgtrickle_capture already exists and was not created by pg_trickle'
            USING ERRCODE = 'duplicate_object', HINT = 'drop or rename it first';
    ELSIF owner_is_super THEN
        DROP PUBLICATION pgtrickle_capture;
    END IF;
    PERFORM pg_drop_replication_slot(s.slot_name) FROM pg_replication_slots s
      WHERE s.slot_name = pgtrickle._wal_slot() AND NOT s.active;
END
$leftovers$;

CREATE PUBLICATION pgtrickle_capture WITH (publish_via_partition_root = true);

-- Why WAL capture cannot serve this database now, or NULL.
CREATE FUNCTION pgtrickle._wal_unavailable() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE
        WHEN current_setting('wal_level') <> 'logical'
            THEN format('wal_level is %s, not logical (set wal_level = logical and restart PostgreSQL)',
                        current_setting('wal_level'))
        WHEN pg_encoding_to_char(d.encoding) <> 'UTF8'
            THEN format('the database encoding is %s; WAL capture needs UTF8', pg_encoding_to_char(d.encoding))
        WHEN NOT EXISTS (SELECT 1 FROM pg_replication_slots s WHERE s.slot_name = pgtrickle._wal_slot())
            THEN format('the replication slot %s does not exist yet', pgtrickle._wal_slot())
    END
      FROM pg_database d WHERE d.datname = current_database()
$fn$;

-- Why this source cannot be captured from the WAL, or NULL.
CREATE FUNCTION pgtrickle._wal_obstacle(source oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    WITH RECURSIVE types(t) AS (
        SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped
        UNION
        SELECT u.t FROM types JOIN pg_type ty ON ty.oid = types.t
         CROSS JOIN LATERAL (VALUES (nullif(ty.typbasetype, 0)),
                                    (CASE WHEN ty.typcategory = 'A' THEN nullif(ty.typelem, 0) END),
                                    ((SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = ty.oid)),
                                    ((SELECT r.rngtypid FROM pg_range r WHERE r.rngmultitypid = ty.oid))) u(t)
         WHERE u.t IS NOT NULL)
    SELECT coalesce(pgtrickle._wal_unavailable(), CASE
        WHEN c.relkind NOT IN ('r', 'p') THEN format('%s is not a table', source::regclass)
        WHEN c.relispartition THEN format('%s is a partition (its root is captured instead)', source::regclass)
        WHEN EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_relid = source)
            THEN format('%s is a stream table', source::regclass)
        WHEN EXISTS (SELECT 1 FROM pgtrickle._inheritance_tree(source) t WHERE t.relkind = 'f')
            THEN format('%s has a foreign-table partition or child', source::regclass)
        WHEN EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = source) AND c.relkind = 'r'
            THEN format('%s has inheritance children (decoding publishes them under their own names)', source::regclass)
        WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = source AND a.attnum > 0 AND a.attgenerated <> '')
            THEN format('%s has generated columns, which pgoutput does not send', source::regclass)
        WHEN EXISTS (SELECT 1 FROM types JOIN pg_type ty ON ty.oid = types.t WHERE ty.typtype = 'c' OR ty.typtype = 'p')
            THEN format('%s has a column of a composite type', source::regclass)
        WHEN EXISTS (SELECT 1 FROM types JOIN pg_constraint k ON k.contypid = types.t)
            THEN format('%s has a column of a domain with constraints', source::regclass)
        WHEN EXISTS (SELECT 1 FROM types JOIN pg_type ty ON ty.oid = types.t
                       JOIN pg_proc p ON p.oid IN (ty.typinput, ty.typoutput)
                       JOIN pg_roles r ON r.oid = p.proowner
                      WHERE NOT r.rolsuper)
            THEN format('%s has a column of a type whose input or output function a non-superuser owns', source::regclass)
    END)
      FROM pg_class c WHERE c.oid = source
$fn$;

-- How the source is captured: NULL when no stream table captures it, TRIGGER when one of them asks
-- for triggers or WAL capture cannot serve it, else WAL.
CREATE FUNCTION pgtrickle._capture_mode(source oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT CASE
        WHEN count(*) = 0 THEN NULL
        WHEN bool_or(st.cdc_mode = 'trigger') THEN 'TRIGGER'
        WHEN pgtrickle._wal_obstacle(source) IS NULL THEN 'WAL'
        ELSE 'TRIGGER'
    END
      FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st ON st.pgt_id = d.pgt_id
     WHERE d.source_relid = source AND d.cdc_mode <> 'NONE'
$fn$;

-- Whether the source is in the publication WAL capture decodes.
CREATE FUNCTION pgtrickle._wal_published(source oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT EXISTS (SELECT 1 FROM pg_publication_rel p JOIN pg_publication u ON u.oid = p.prpubid
                    WHERE u.pubname = 'pgtrickle_capture' AND p.prrelid = source)
$fn$;

-- The relations WAL capture of a source covers ('16390 16395': it and its partitions); a stream
-- table that was built on another set recomputes (rows came or went without a change to decode).
CREATE FUNCTION pgtrickle._wal_tree(source oid) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT string_agg(r.relid::text, ' ' ORDER BY r.relid) FROM pgtrickle._source_relations(source) r
$fn$;

-- Moves a source from trigger capture (or none) to WAL capture, in the caller's transaction (called
-- by _sync_capture). The lock waits for the source's writers in flight and holds off new ones until
-- commit, so every writer either committed before `since` (its rows are in the buffer, from the
-- triggers) or writes after the publication exists (decoding sees it).
-- Where a stream table that starts to read WAL-captured sources (or again, after it let go) starts
-- decoding: the slot's position. Every transaction that committed before it was visible to the
-- snapshots of the refreshes that let the slot pass it, and so is visible to any snapshot taken now:
-- however this stream table is first refreshed, it has nothing of them to decode. (Not the current
-- WAL position: a transaction can commit before it and become visible only after the first
-- refresh's snapshot was taken.)
CREATE FUNCTION pgtrickle._wal_start() RETURNS pg_lsn
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT coalesce((SELECT s.confirmed_flush_lsn FROM pg_replication_slots s WHERE s.slot_name = pgtrickle._wal_slot()),
                    pg_current_wal_insert_lsn())
$fn$;

CREATE FUNCTION pgtrickle._wal_adopt(source oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    rel record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_wal_sources w WHERE w.source_relid = source) THEN
        EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', source::regclass);
        FOR rel IN SELECT t.tgrelid::regclass AS r, t.tgname FROM pg_trigger t
                    WHERE t.tgfoid = to_regprocedure(format('pgtrickle_changes.%I()', 'capture_' || source)) LOOP
            EXECUTE format('DROP TRIGGER %I ON %s', rel.tgname, rel.r);
        END LOOP;
        INSERT INTO pgtrickle.pgt_wal_sources (source_relid, since, since_lsn)
        VALUES (source, pg_current_snapshot(), pg_current_wal_insert_lsn());
    END IF;
    -- Partitions attached or detached change the rows the source holds without a change to decode:
    -- a stream table that read another set of partitions recomputes.
    UPDATE pgtrickle.pgt_stream_tables st SET needs_full_refresh = true
     WHERE st.pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d
                          WHERE d.source_relid = source AND d.cdc_mode = 'WAL'
                            AND d.source_tree <> pgtrickle._wal_tree(source));
    UPDATE pgtrickle.pgt_dependencies d SET source_tree = pgtrickle._wal_tree(source)
     WHERE d.source_relid = source AND d.cdc_mode = 'WAL' AND d.source_tree IS DISTINCT FROM pgtrickle._wal_tree(source);
    -- (again for partitions attached since)
    FOR rel IN SELECT r.relid, c.relreplident FROM pgtrickle._source_relations(source) r
                 JOIN pg_class c ON c.oid = r.relid WHERE c.relreplident <> 'f' LOOP
        INSERT INTO pgtrickle.pgt_wal_identity VALUES (rel.relid, source, rel.relreplident) ON CONFLICT DO NOTHING;
        EXECUTE format('ALTER TABLE ONLY %s REPLICA IDENTITY FULL', rel.relid::regclass);
    END LOOP;
    IF NOT pgtrickle._wal_published(source) THEN
        EXECUTE format('ALTER PUBLICATION pgtrickle_capture ADD TABLE %s', source::regclass);
    END IF;
    -- A stream table's decode starts where the slot is, or earlier if it decodes other sources already.
    UPDATE pgtrickle.pgt_stream_tables st SET wal_restart_lsn = pgtrickle._wal_start(), wal_restart_at = now()
     WHERE st.wal_restart_lsn IS NULL
       AND st.pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = source);
    UPDATE pgtrickle.pgt_dependencies d SET cdc_mode = 'WAL',
           source_tree = pgtrickle._wal_tree(source)
     WHERE d.source_relid = source AND d.cdc_mode = 'TRIGGER';
END
$fn$;

-- Ends WAL capture of a source (no stream table captures it, one asks for triggers, or the slot
-- is gone): the source leaves the publication, replica identities are put back. Changes decoded
-- from now on are not stored, and the triggers that take over start later than this transaction:
-- the stream tables reading it refresh FULL once.
CREATE FUNCTION pgtrickle._wal_release(source oid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    rel record;
BEGIN
    IF pgtrickle._wal_published(source) THEN
        EXECUTE format('ALTER PUBLICATION pgtrickle_capture DROP TABLE %s', source::regclass);
    END IF;
    FOR rel IN DELETE FROM pgtrickle.pgt_wal_identity i WHERE i.source_relid = source RETURNING i.relid, i.prior LOOP
        IF EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = rel.relid AND c.relreplident = 'f') THEN
            EXECUTE format('ALTER TABLE ONLY %s REPLICA IDENTITY %s', rel.relid::regclass,
                           CASE rel.prior WHEN 'n' THEN 'NOTHING' ELSE 'DEFAULT' END);
        END IF;
    END LOOP;
    DELETE FROM pgtrickle.pgt_wal_sources w WHERE w.source_relid = source;
    UPDATE pgtrickle.pgt_stream_tables st SET needs_full_refresh = true
     WHERE st.pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d
                          WHERE d.source_relid = source AND d.cdc_mode = 'WAL');
    UPDATE pgtrickle.pgt_dependencies d SET cdc_mode = 'TRIGGER' WHERE d.source_relid = source AND d.cdc_mode = 'WAL';
    -- a stream table with no WAL source left holds the slot back no more
    UPDATE pgtrickle.pgt_stream_tables st SET wal_restart_lsn = NULL, wal_restart_at = NULL
     WHERE st.wal_restart_lsn IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.pgt_id = st.pgt_id AND d.cdc_mode = 'WAL');
END
$fn$;

-- Creates the database's slot when some source would be WAL-captured but for the slot, and then
-- moves those sources to WAL capture. Creating a logical slot waits for the transactions running
-- now to end and is refused in a transaction that has written anything: callers run it first in a
-- transaction of its own, or in a savepoint and accept a refusal. Returns the sources moved.
-- With `anyway`, the slot is created even before any source wants it (create_stream_table runs it
-- first thing, before it has written anything; the worker drops a slot nobody uses).
CREATE FUNCTION pgtrickle._wal_ensure_slot(anyway boolean DEFAULT false) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    src oid;
    n   integer := 0;
    old text := current_setting('lock_timeout');
BEGIN
    IF current_setting('wal_level') <> 'logical' THEN
        RETURN 0;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_replication_slots s WHERE s.slot_name = pgtrickle._wal_slot()) THEN
        IF NOT anyway AND NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st
                                        ON st.pgt_id = d.pgt_id WHERE d.cdc_mode = 'TRIGGER' AND st.cdc_mode <> 'trigger') THEN
            RETURN 0;
        END IF;
        IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
            RETURN 0;   -- (refused after a write: the worker creates it)
        END IF;
        BEGIN
            -- (it waits for the transactions running now: not for long)
            PERFORM set_config('lock_timeout', '2s', true);
            PERFORM pg_create_logical_replication_slot(pgtrickle._wal_slot(), 'pgoutput');
            PERFORM set_config('lock_timeout', old, true);
        EXCEPTION WHEN OTHERS THEN
            -- slots exhausted, transactions that do not end: triggers for now, the worker tries again
            RAISE NOTICE 'pg_trickle: no replication slot for WAL capture yet: %', SQLERRM;
            RETURN 0;
        END;
    END IF;
    FOR src IN SELECT DISTINCT d.source_relid FROM pgtrickle.pgt_dependencies d
                WHERE d.cdc_mode = 'TRIGGER' AND pgtrickle._capture_mode(d.source_relid) = 'WAL' LOOP
        PERFORM pgtrickle._sync_capture(src);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$fn$;

-- Drops the slot once no source is WAL-captured (it would retain WAL for nobody). The slot is not
-- transactional: a caller that rolls back afterwards finds it gone, which the next decode handles
-- as a lost slot (FULL refresh, triggers).
CREATE FUNCTION pgtrickle._wal_drop_unused_slot() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM pgtrickle.pgt_wal_sources)
       OR NOT EXISTS (SELECT 1 FROM pg_replication_slots s WHERE s.slot_name = pgtrickle._wal_slot() AND NOT s.active) THEN
        RETURN false;
    END IF;
    PERFORM pg_drop_replication_slot(pgtrickle._wal_slot());
    RETURN true;
END
$fn$;

-- The slot is gone (dropped by hand, or invalidated): every WAL-captured source goes back to
-- triggers, and the stream tables reading them refresh FULL.
CREATE FUNCTION pgtrickle._wal_slot_lost() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    src oid;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_replication_slots s WHERE s.slot_name = pgtrickle._wal_slot()) THEN
        RETURN;
    END IF;
    FOR src IN SELECT w.source_relid FROM pgtrickle.pgt_wal_sources w LOOP
        PERFORM pgtrickle._wal_release(src);
        PERFORM pgtrickle._sync_capture(src);
    END LOOP;
END
$fn$;

-- The unsigned 32-bit integer (network order) at byte `at` of a pgoutput message: a relation oid, a count.
CREATE FUNCTION pgtrickle._pgoutput_int32(data bytea, at integer) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT (get_byte(data, at)::bigint << 24) | (get_byte(data, at + 1) << 16) | (get_byte(data, at + 2) << 8)
           | get_byte(data, at + 3)
$fn$;

-- What refreshes of the stream tables `ids` decode, as rows of kind
--   'h': the header: lsn = where decoding ended (the flush position), info = why this refresh must
--        be FULL (or NULL), snapshot = the snapshot the decoded transactions are to be seen with
--        (taken after the sources were locked);
--   's': one per WAL-captured source of any of them: relid, info = its columns' names in order,
--        chr(1)-separated;
--   'c': one pgoutput message: lsn, data (those with rows: of these sources only).
-- Callers read it in the statement that takes their snapshot's view of the sources (REPEATABLE
-- READ), or with lock_sources, which holds off the sources' writers until the caller commits (READ
-- COMMITTED: each later statement takes a new snapshot). `mark`: a WAL position read after the
-- caller's REPEATABLE READ snapshot was taken and before it wrote anything (NULL: now). The slot
-- is advanced by the worker (_wal_advance), here only when it lags far behind. One decoder at a
-- time uses the slot (an advisory lock held only while it reads). The session's role must own the
-- stream tables (_session_owns_stream_table). Several are decoded at once by the worker, whose refreshes of them then share this
-- caller's snapshot (pg_export_snapshot): one pass over the WAL serves them all.
--
-- pgoutput prints each column with its type's output function, in this backend and with its
-- settings, and _wal_store reads the text back: both pin the settings that change that text, so
-- a value comes back exactly whatever the refreshing session set (extra_float_digits = 0 would
-- round a float8 to 15 digits).
CREATE FUNCTION pgtrickle._wal_peek(ids bigint[], lock_sources boolean, mark pg_lsn)
RETURNS TABLE (kind "char", lsn pg_lsn, relid oid, info text, data bytea, snapshot text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1 SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres AS $fn$
DECLARE
    slot     name := pgtrickle._wal_slot();
    upto     pg_lsn;
    target   pg_lsn;
    wanted   pg_lsn;
    locked   boolean := false;
    written  regclass;
    flushed  pg_lsn;
    moved_at timestamptz;
    reason   text;
    d        record;
    id       bigint;
    mine     bigint[];
BEGIN
    FOREACH id IN ARRAY ids LOOP
        IF NOT pgtrickle._session_owns_stream_table(id) THEN
            RAISE EXCEPTION 'must be a member of the owner of stream table %', id USING ERRCODE = 'insufficient_privilege';
        END IF;
    END LOOP;
    ids := ARRAY(SELECT i FROM unnest(ids) i WHERE pgtrickle._wal_captured(i));
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    FOREACH id IN ARRAY ids LOOP
        written := coalesce(written, pgtrickle._wal_source_written(id));
    END LOOP;
    IF written IS NOT NULL THEN
        reason := format('this transaction wrote %s, whose WAL-captured changes are decoded only once it commits', written);
    END IF;
    IF lock_sources AND current_setting('transaction_isolation') = 'read committed' THEN
        FOR d IN SELECT DISTINCT dep.source_relid FROM pgtrickle.pgt_dependencies dep
                  WHERE dep.pgt_id = ANY (ids) AND dep.cdc_mode = 'WAL' ORDER BY dep.source_relid LOOP
            EXECUTE format('LOCK TABLE %s IN SHARE MODE', d.source_relid::regclass);
            locked := true;
        END LOOP;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_replication_slots s WHERE s.slot_name = slot) THEN
        -- dropped by hand, or never there after a restore: what it held is unknown from here on
        PERFORM pgtrickle._wal_slot_lost();
        RAISE WARNING 'pg_trickle: the replication slot % is gone; its sources are captured by triggers again'
            ' and the stream tables reading them refresh FULL', slot;
        kind := 'h'; lsn := NULL; info := format('the replication slot %s is gone', slot);
        snapshot := pg_current_snapshot()::text;
        RETURN NEXT;
        RETURN;
    END IF;
    PERFORM pg_advisory_lock(1886352498, 1);
    BEGIN
        SELECT min(st.wal_restart_lsn) INTO target FROM pgtrickle.pgt_stream_tables st WHERE st.wal_restart_lsn IS NOT NULL;
        -- Decoding reads only flushed WAL. A commit is flushed before it becomes visible, except with
        -- synchronous_commit = off: then the WAL writer flushes it within 3 x wal_writer_delay. Where
        -- such commits can be (pgtrickle._wal_async_commits), wait until the WAL written before the
        -- caller's snapshot is flushed, or until the WAL writer has flushed nothing more for that
        -- long (what is left is no commit's: the WAL writer does not flush a partly written page
        -- of other records).
        -- (READ COMMITTED: the caller's later statements see what committed until the locks were had)
        wanted := CASE WHEN locked OR mark IS NULL THEN pg_current_wal_insert_lsn()
                       ELSE least(mark, pg_current_wal_insert_lsn()) END;
        IF pgtrickle._wal_async_commits() THEN
            flushed := pg_current_wal_flush_lsn();
            moved_at := clock_timestamp();
            WHILE flushed < wanted
                  AND clock_timestamp() - moved_at < 3 * current_setting('wal_writer_delay')::interval LOOP
                PERFORM pg_sleep(0.002);
                IF pg_current_wal_flush_lsn() > flushed THEN
                    flushed := pg_current_wal_flush_lsn();
                    moved_at := clock_timestamp();
                END IF;
            END LOOP;
        END IF;
        upto := pg_current_wal_flush_lsn();
        -- The WAL writer flushes whole pages, so the flush position can be a page boundary inside a
        -- record that goes on in WAL not flushed yet. Decoding up to there would wait for the rest
        -- of that record, and if it belongs to a transaction that has not committed (this one's
        -- own row lock, say) nothing may flush it for a long time. A commit flushes to the end of
        -- its record: wait a little for one; else flush everything by switching to a new WAL
        -- segment (rare: it takes a record crossing a page and an idle server); where that is not
        -- allowed, do not decode now (the refresh recomputes instead).
        moved_at := clock_timestamp();
        WHILE pg_wal_lsn_diff(upto, '0/0') % current_setting('wal_block_size')::int = 0
              AND pg_current_wal_insert_lsn() > upto LOOP
            IF clock_timestamp() - moved_at > current_setting('wal_writer_delay')::interval THEN
                BEGIN
                    PERFORM pg_switch_wal();
                    RAISE LOG 'pg_trickle: the WAL was flushed only to %, inside a record of a transaction still'
                              ' running; switched to a new WAL segment to decode past it', upto;
                EXCEPTION WHEN insufficient_privilege THEN
                    PERFORM pg_advisory_unlock(1886352498, 1);
                    kind := 'h'; lsn := NULL; snapshot := pg_current_snapshot()::text;
                    info := coalesce(reason, format('the WAL is flushed only to %s, inside a record whose rest is'
                                                    ' not flushed yet (a transaction that has not committed)', upto));
                    RETURN NEXT;
                    RETURN;
                END;
                upto := pg_current_wal_flush_lsn();
                EXIT;
            END IF;
            PERFORM pg_sleep(0.002);
            upto := pg_current_wal_flush_lsn();
        END LOOP;
        -- the worker advances the slot once per tick (_wal_advance); without one, decodes do, but
        -- only once it lags by 8 MB (advancing decodes the WAL it passes over)
        IF pg_wal_lsn_diff(target, (SELECT s.confirmed_flush_lsn FROM pg_replication_slots s WHERE s.slot_name = slot))
           > 8 * 1048576 THEN
            PERFORM pg_replication_slot_advance(slot, least(target, upto));
        END IF;
        kind := 'h'; lsn := upto; info := reason; snapshot := pg_current_snapshot()::text;
        RETURN NEXT;
        kind := 's'; lsn := NULL; info := NULL; snapshot := NULL;
        mine := ARRAY(SELECT DISTINCT dep.source_relid::bigint FROM pgtrickle.pgt_dependencies dep
                       WHERE dep.pgt_id = ANY (ids) AND dep.cdc_mode = 'WAL');
        FOR d IN SELECT m::oid AS source_relid FROM unnest(mine) m ORDER BY 1 LOOP
            relid := d.source_relid;
            info := (SELECT string_agg(a.attname, chr(1) ORDER BY a.attnum) FROM pg_attribute a
                      WHERE a.attrelid = d.source_relid AND a.attnum > 0 AND NOT a.attisdropped);
            RETURN NEXT;
        END LOOP;
        -- The publication has every WAL-captured table: the caller gets the rows of its own sources
        -- only (Relation, Insert, Update and Delete messages name their relation first, a Truncate
        -- after its count and options); the other messages carry no row.
        RETURN QUERY SELECT 'c'::"char", c.lsn, NULL::oid, NULL::text, c.data, NULL::text
                       FROM pg_logical_slot_peek_binary_changes(slot, upto, NULL, 'proto_version', '1',
                                                                'publication_names', 'pgtrickle_capture') c
                      WHERE CASE
                            WHEN get_byte(c.data, 0) IN (ascii('R'), ascii('I'), ascii('U'), ascii('D'))
                                THEN pgtrickle._pgoutput_int32(c.data, 1) = ANY (mine)
                            WHEN get_byte(c.data, 0) = ascii('T') THEN EXISTS (
                                SELECT 1 FROM generate_series(0, pgtrickle._pgoutput_int32(c.data, 1) - 1) i
                                 WHERE pgtrickle._pgoutput_int32(c.data, 6 + 4 * i::int) = ANY (mine))
                            ELSE true END;
        PERFORM pg_advisory_unlock(1886352498, 1);
    EXCEPTION WHEN OTHERS THEN
        PERFORM pg_advisory_unlock(1886352498, 1);
        RAISE;
    END;
END
$fn$;

-- A WAL-captured source of stream table `id` that the calling transaction has written (holds a
-- writer's lock on it or below it), or NULL. Its changes reach the WAL stream only when it commits:
-- a refresh in it is FULL, and the next one too (what it writes after refreshing is consumed by
-- nothing else: its xid is the frontier's).
CREATE FUNCTION pgtrickle._wal_source_written(id bigint) RETURNS regclass
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT dep.source_relid::regclass FROM pgtrickle.pgt_dependencies dep
     WHERE dep.pgt_id = id AND dep.cdc_mode = 'WAL'
       AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
                      AND l.relation IN (SELECT r.relid FROM pgtrickle._source_relations(dep.source_relid) r)
                      -- (DML's lock; not the stronger ones, which capture's own DDL takes too)
                      AND l.mode = 'RowExclusiveLock')
     ORDER BY dep.source_relid LIMIT 1
$fn$;

-- Whether a commit may become visible before it is flushed: synchronous_commit = off for this
-- session, by default for the database or some role, or for a logical replication subscription
-- applying changes here (off unless set). A session that turns it off for itself alone is not
-- seen (docs/WAL_CAPTURE.md, Limits).
CREATE FUNCTION pgtrickle._wal_async_commits() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT current_setting('synchronous_commit') = 'off'
        OR EXISTS (SELECT 1 FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) c
                    WHERE s.setdatabase IN (0, (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))
                      AND c ~* '^synchronous_commit=(off|false|no|0)$')
        OR EXISTS (SELECT 1 FROM pg_subscription s
                    WHERE s.subdbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
                      AND s.subenabled AND s.subsynccommit IN ('off', 'false', 'no', '0'))
$fn$;

-- Moves the slot to the least restart position of all stream tables, so that the WAL before it is
-- released and decodes start later. Advancing decodes the WAL it passes over, as much work as a
-- decode: the worker does it once per tick rather than every refresh. Returns where the slot is.
CREATE FUNCTION pgtrickle._wal_advance() RETURNS pg_lsn
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    slot   name := pgtrickle._wal_slot();
    target pg_lsn;
    now_at pg_lsn;
BEGIN
    SELECT s.confirmed_flush_lsn INTO now_at FROM pg_replication_slots s WHERE s.slot_name = slot;
    SELECT min(st.wal_restart_lsn) INTO target FROM pgtrickle.pgt_stream_tables st WHERE st.wal_restart_lsn IS NOT NULL;
    IF now_at IS NULL OR target IS NULL OR target <= now_at THEN
        RETURN now_at;
    END IF;
    PERFORM pg_advisory_lock(1886352498, 1);
    BEGIN
        PERFORM pg_replication_slot_advance(slot, least(target, pg_current_wal_flush_lsn()));
        PERFORM pg_advisory_unlock(1886352498, 1);
    EXCEPTION WHEN OTHERS THEN
        PERFORM pg_advisory_unlock(1886352498, 1);
        RAISE;
    END;
    RETURN (SELECT s.confirmed_flush_lsn FROM pg_replication_slots s WHERE s.slot_name = slot);
END
$fn$;

-- Stores what a refresh of stream table `id` decoded for itself, and where its next decode starts.
-- One element per change in each array: the source, the writer's xid8, the action (I, D or T) and
-- the row as a literal of the source's row type (NULL for T). Changes of writers visible in the
-- source's `since` came through its capture triggers and are skipped. (Arrays are unnested, never
-- subscripted: subscripting a large array parameter copies it each time.)
CREATE FUNCTION pgtrickle._wal_store(id bigint, restart pg_lsn, sources oid[], xids xid8[], actions "char"[],
                                     rows text[]) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET extra_float_digits = 1 SET DateStyle = 'ISO, MDY' SET IntervalStyle = postgres AS $fn$
DECLARE
    d      record;
    cols   text;
    fields text;
    n      bigint;
    total bigint := 0;
BEGIN
    IF NOT pgtrickle._session_owns_stream_table(id) THEN
        RAISE EXCEPTION 'must be a member of the owner of stream table %', id USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE pgtrickle.pgt_stream_tables st SET wal_restart_lsn = restart, wal_restart_at = now() WHERE st.pgt_id = id;
    IF coalesce(cardinality(rows), 0) = 0 THEN
        RETURN 0;
    END IF;
    FOR d IN SELECT dep.source_relid, w.since FROM pgtrickle.pgt_dependencies dep
               JOIN pgtrickle.pgt_wal_sources w ON w.source_relid = dep.source_relid
              WHERE dep.pgt_id = id AND dep.cdc_mode = 'WAL' AND dep.source_relid = ANY (sources) LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
               string_agg('(c.rec).' || quote_ident(a.attname), ', ' ORDER BY a.attnum)
          INTO cols, fields
          FROM pg_attribute a WHERE a.attrelid = d.source_relid AND a.attnum > 0 AND NOT a.attisdropped;
        -- (OFFSET 0: each row literal is read once, not once per column)
        EXECUTE format('INSERT INTO pgtrickle_changes.%I (__pgt_change_id, __pgt_xid, __pgt_action, %s)'
                       ' SELECT -u.ord, u.x, u.a, %s FROM unnest($1, $2, $3, $4) WITH ORDINALITY u(s, x, a, r, ord)'
                       ' CROSS JOIN LATERAL (SELECT u.r::%s AS rec OFFSET 0) c'
                       ' WHERE u.s = $5 AND NOT pg_visible_in_snapshot(u.x, $6)',
                       'changes_' || d.source_relid, cols, fields, d.source_relid::regclass)
            USING sources, xids, actions, rows, d.source_relid, d.since;
        GET DIAGNOSTICS n = ROW_COUNT;
        total := total + n;
    END LOOP;
    RETURN total;
END
$fn$;

-- A SUSPENDED or ERROR stream table does not decode, so its restart position holds the slot, and
-- the WAL behind it, in place. Once the slot retains more than `max_mb` behind one, the stream table
-- lets go: its restart position is cleared, a WARNING says so, and its next refresh is FULL.
-- Returns the stream tables released. 0 means no bound.
CREATE FUNCTION pgtrickle._wal_release_inactive(max_mb bigint) RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    st record;
BEGIN
    IF max_mb <= 0 THEN
        RETURN;
    END IF;
    FOR st IN SELECT s.pgt_id, s.status, quote_ident(s.pgt_schema) || '.' || quote_ident(s.pgt_name) AS name,
                     pg_wal_lsn_diff(pg_current_wal_insert_lsn(), s.wal_restart_lsn) AS behind
                FROM pgtrickle.pgt_stream_tables s
               WHERE s.status IN ('SUSPENDED', 'ERROR') AND s.wal_restart_lsn IS NOT NULL
                 AND pg_wal_lsn_diff(pg_current_wal_insert_lsn(), s.wal_restart_lsn) > max_mb * 1048576 LOOP
        PERFORM pgtrickle._let_go(st.pgt_id);
        RAISE WARNING 'pg_trickle: % is % and held % MB of WAL in the replication slot (pg_trickle.max_inactive_wal_mb'
            ' is %); it let go and its next refresh will be FULL', st.name, st.status, round(st.behind / 1048576), max_mb;
        RETURN NEXT st.name;
    END LOOP;
END
$fn$;

-- The slot and what it retains: for pgt_status, /metrics and the advisor. lag_bytes is the WAL the
-- slot keeps (from its restart position); lag_seconds the age of the oldest restart position a
-- stream table holds it at.
CREATE FUNCTION pgtrickle.wal_slot_status()
RETURNS TABLE (slot_name name, active boolean, wal_sources bigint, lag_bytes bigint, lag_seconds double precision)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
    SELECT s.slot_name, s.active, (SELECT count(*) FROM pgtrickle.pgt_wal_sources),
           pg_wal_lsn_diff(pg_current_wal_insert_lsn(), s.restart_lsn)::bigint,
           (SELECT extract(epoch FROM now() - min(st.wal_restart_at))::double precision
              FROM pgtrickle.pgt_stream_tables st WHERE st.wal_restart_lsn IS NOT NULL)
      FROM pg_replication_slots s WHERE s.slot_name = pgtrickle._wal_slot()
$fn$;
