package io.pgtrickle.refresh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.pgtrickle.catalog.StreamTable;

/**
 * L1 cache of assembled refresh statements, per process. Bounded LRU (seed QW-5) so a
 * long-lived backend or worker serving thousands of stream tables keeps bounded memory.
 * Keyed by the catalog's templates themselves, so an ALTER can never serve stale SQL.
 */
final class TemplateCache {

    private record Key(long id, String fullSql, String deltaSql, String name) {
    }

    private static volatile TemplateCache shared;

    private final Cache<Key, RefreshStatements> cache;
    private final int maxEntries;

    private TemplateCache(int maxEntries) {
        this.maxEntries = maxEntries;
        this.cache = Caffeine.newBuilder().maximumSize(maxEntries).build();
    }

    /** The process-wide cache, rebuilt when pg_trickle.l1_cache_max_entries changes. */
    static TemplateCache shared(int maxEntries) {
        TemplateCache c = shared;
        if (c == null || c.maxEntries != maxEntries) {
            synchronized (TemplateCache.class) {
                c = shared;
                if (c == null || c.maxEntries != maxEntries) {
                    c = new TemplateCache(maxEntries);
                    shared = c;
                }
            }
        }
        return c;
    }

    RefreshStatements statements(StreamTable st) {
        return cache.get(new Key(st.id(), st.fullSql(), st.deltaSql(), st.name().quoted()),
                k -> RefreshStatements.build(st));
    }

    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
