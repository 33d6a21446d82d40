package dev.kstreams.bench.peer;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Gives every RocksDB store of the process the memory budget kstreams gives its stores by default
 * (state/src/rocksdb_resources.cc, state/src/rocksdb_options.cc), so that peak RSS compares the
 * libraries and not their defaults: ONE LRU block cache of {@code blockCacheBytes} (high-priority
 * pool 0.1, not strict) shared by all stores, ONE WriteBufferManager of {@code writeBufferBytes}
 * charged to that cache, index and filter blocks in the cache at high priority (L0's pinned),
 * 16 MiB memtables, at most 3 of them, 4 KiB blocks. This is the BoundedMemoryRocksDBConfig of the
 * Kafka Streams memory-management docs with kstreams' numbers.
 *
 * <p>Kafka Streams makes one instance per store by reflection, so the budget is set once per
 * process with {@link #configure} before KafkaStreams starts, and the cache and the manager are
 * static: shared by every store, never closed by a store.
 */
public final class BoundedMemoryRocksDBConfig implements RocksDBConfigSetter {
    private static final double HIGH_PRIORITY_POOL_RATIO = 0.1;
    private static final long MEMTABLE_BYTES = 16L << 20;
    private static final int MEMTABLES = 3;
    private static final long BLOCK_BYTES = 4L << 10;

    private static Cache cache;
    private static WriteBufferManager writeBufferManager;
    private static long blockCacheBytes;
    private static long writeBufferBytes;

    /** Sets the budget; called once, before KafkaStreams opens a store. */
    static synchronized void configure(long blockCache, long writeBuffer) {
        if (writeBuffer <= 0 || writeBuffer >= blockCache) {
            throw new IllegalArgumentException("RocksDB write buffer budget " + writeBuffer
                    + " must be positive and less than the block cache " + blockCache);
        }
        blockCacheBytes = blockCache;
        writeBufferBytes = writeBuffer;
    }

    private static synchronized void share(Options options, BlockBasedTableConfig table) {
        if (cache == null) {
            cache = new LRUCache(blockCacheBytes, -1, false, HIGH_PRIORITY_POOL_RATIO);
            writeBufferManager = new WriteBufferManager(writeBufferBytes, cache);
        }
        table.setBlockCache(cache);
        options.setWriteBufferManager(writeBufferManager);
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        share(options, table);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinL0FilterAndIndexBlocksInCache(true);
        table.setBlockSize(BLOCK_BYTES);
        options.setWriteBufferSize(MEMTABLE_BYTES);
        options.setMaxWriteBufferNumber(MEMTABLES);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the manager are shared by every store: they live as long as the process.
    }
}
