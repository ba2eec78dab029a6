package io.ringloom.rings.layout;

/**
 * The two structs of {@code cachestat(2)} (include/uapi/linux/mman.h, Linux 6.5):
 * the range asked about and the counts the kernel writes back.
 * <pre>
 *   struct cachestat_range:  0 u64 off   8 u64 len
 *   struct cachestat:        0 u64 nr_cache   8 u64 nr_dirty   16 u64 nr_writeback
 *                           24 u64 nr_evicted   32 u64 nr_recently_evicted
 * </pre>
 * The range covers pages {@code off >> PAGE_SHIFT} to
 * {@code (off + len - 1) >> PAGE_SHIFT}, both included ({@code len} 0: to the end
 * of the file); a folio straddling either end counts only its pages inside
 * (mm/filemap.c, {@code filemap_cachestat}). The kernel copies the range in and
 * the counts out during the call, so both need live only for it.
 */
public final class Cachestat {
    private Cachestat() {}

    public static final long RANGE_OFF_OFFSET = 0;
    public static final long RANGE_LEN_OFFSET = 8;
    public static final long RANGE_SIZE = 16;

    public static final long NR_CACHE_OFFSET = 0;
    public static final long NR_DIRTY_OFFSET = 8;
    public static final long NR_WRITEBACK_OFFSET = 16;
    public static final long NR_EVICTED_OFFSET = 24;
    public static final long NR_RECENTLY_EVICTED_OFFSET = 32;
    public static final long SIZE = 40;
    public static final long ALIGNMENT = 8;

    public static final Field[] RANGE_FIELDS = {
        new Field("off", RANGE_OFF_OFFSET, 8),
        new Field("len", RANGE_LEN_OFFSET, 8),
    };

    public static final Field[] FIELDS = {
        new Field("nr_cache", NR_CACHE_OFFSET, 8),
        new Field("nr_dirty", NR_DIRTY_OFFSET, 8),
        new Field("nr_writeback", NR_WRITEBACK_OFFSET, 8),
        new Field("nr_evicted", NR_EVICTED_OFFSET, 8),
        new Field("nr_recently_evicted", NR_RECENTLY_EVICTED_OFFSET, 8),
    };
}
