package io.pgtrickle.config;

import java.util.List;

/** Differential maintenance: delta application and the template cache. */
public record DvmSettings(int mergeBatchSize, int l1CacheMaxEntries, double differentialMaxChangeRatio,
                          int mergeWorkMemMb) {

    public static final Setting<Integer> MERGE_BATCH_SIZE = Setting.integer("merge_batch_size", 50_000, 1, 100_000_000,
            "Deltas larger than this are staged in a temp table and merged in windows of this many rows.");
    public static final Setting<Integer> L1_CACHE_MAX_ENTRIES = Setting.integer("l1_cache_max_entries", 256, 1, 1_000_000,
            "Per-process LRU bound on assembled refresh statements.");
    public static final Setting<Double> DIFFERENTIAL_MAX_CHANGE_RATIO = Setting.real("differential_max_change_ratio",
            0.5, 0.0, 1_000.0,
            "In AUTO mode, a refresh whose pending changes exceed this fraction of the source rows runs FULL.");
    public static final Setting<Integer> MERGE_WORK_MEM_MB = Setting.integer("merge_work_mem_mb", 64, 1, 1_048_576,
            "work_mem used while applying a delta, unless the stream table overrides it.");

    static List<Setting<?>> settings() {
        return List.of(MERGE_BATCH_SIZE, L1_CACHE_MAX_ENTRIES, DIFFERENTIAL_MAX_CHANGE_RATIO, MERGE_WORK_MEM_MB);
    }

    public static DvmSettings load(SettingsSource s) {
        return new DvmSettings(MERGE_BATCH_SIZE.read(s), L1_CACHE_MAX_ENTRIES.read(s),
                DIFFERENTIAL_MAX_CHANGE_RATIO.read(s), MERGE_WORK_MEM_MB.read(s));
    }
}
