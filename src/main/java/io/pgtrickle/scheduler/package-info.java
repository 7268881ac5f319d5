/**
 * The scheduler: schedules, the stream-table dependency DAG, and the background {@link
 * io.pgtrickle.scheduler.Worker}.
 *
 * <p>What the catalog columns of {@code pgtrickle.pgt_stream_tables} mean to the worker:
 * <ul>
 *   <li>{@code schedule}: when the table is due. Durations and cron count from the last attempt
 *       (success or failure); {@code calculated} is due when a captured source has unconsumed
 *       changes or an upstream stream table has newer data.</li>
 *   <li>{@code status}: only ACTIVE and INITIALIZING tables are refreshed; SUSPENDED (after
 *       {@code pg_trickle.max_consecutive_errors} failures in a row, or set by the user) and ERROR
 *       (the query can no longer run) are skipped until {@code resume_stream_table}/alter.</li>
 *   <li>{@code refresh_mode}/{@code effective_refresh_mode}: a due DIFFERENTIAL table with no
 *       pending changes is not refreshed; only {@code last_refresh_at}/{@code data_timestamp}
 *       advance (no NO_DATA history row).</li>
 *   <li>{@code merge_work_mem_mb}: work_mem during the refresh (null: {@code pg_trickle.merge_work_mem_mb});
 *       lowered by 25% after an out-of-memory failure.</li>
 *   <li>{@code refresh_workers}: a request for the worker's pool of refresh connections. The pool
 *       is the largest of {@code pg_trickle.refresh_workers} and the requests of runnable tables,
 *       where 0 means "as many as allowed", capped by {@code pg_trickle.max_refresh_workers} and
 *       the server's {@code max_worker_processes}. Null: no request.</li>
 *   <li>{@code preset}: informational; the preset's values were copied into the columns above
 *       at create/alter time (real-time: 1s, DIFFERENTIAL, 0 workers, 256MB; batch: 5m, AUTO, 1,
 *       64MB; cost-optimized: 15m, AUTO, 1, 32MB).</li>
 *   <li>{@code backoff_factor}/{@code backoff_successes}: the lock-timeout back-off multiplier on
 *       the schedule's interval and the successes counted towards lifting it (3).</li>
 *   <li>{@code last_refresh_at}: when the table was last known current (refreshed or checked);
 *       {@code data_timestamp}: the snapshot time its contents reflect (lag = now - data_timestamp).</li>
 * </ul>
 */
package io.pgtrickle.scheduler;
