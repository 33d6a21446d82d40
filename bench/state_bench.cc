// State stores: the kstreams KeyValueStore API over RocksDB against raw RocksDB opened with the
// very same options (RocksDbOptions from an identical RocksDbResources), so that the ratio
// kstreams/raw is the cost of the API layer (virtual call, absl::Status, locks, copies).
//
// Data: random 16-byte keys and 64-byte values (1M by default; KSTREAMS_STATE_BENCH_KEYS
// overrides). Items = key-value pairs written or read; compare items_per_second of a
// *_KStreams benchmark with its *_RawRocksDb twin.
//   Put        single puts                       store.put()      vs DB::Put
//   PutAll1000 batches of 1000                   store.putAll()   vs WriteBatch + DB::Write
//   Get        random point reads, 1M loaded and compacted   store.get() vs DB::Get
//   Range100   100-entry ascending range scans   store.range()    vs Iterator with bounds
//   Get_InMemory / Put_InMemory: the in-memory store, for scale.
//   ThreadCache_Update  the record cache as an aggregation uses it: get, then a dirty put, of
//              one of 10,000 keys ("key-<n>", as scripts/bench's count), every entry cached;
//              the namespace flushed every 100,000 updates (a commit)
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kstreams/state/in_memory_key_value_store.h"
#include "kstreams/state/key_value_store.h"
#include "kstreams/state/rocksdb_key_value_store.h"
#include "kstreams/state/rocksdb_options.h"
#include "kstreams/state/rocksdb_resources.h"
#include "kstreams/state/thread_cache.h"

namespace kstreams::state {
namespace {

struct Data {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  std::vector<std::string> sorted_keys;
};

const Data& data() {
  static const Data* d = [] {
    auto* out = new Data;
    size_t n = 1'000'000;
    if (const char* env = std::getenv("KSTREAMS_STATE_BENCH_KEYS"))
      n = std::strtoull(env, nullptr, 10);
    std::mt19937_64 rng(42);
    auto random_bytes = [&](size_t len) {
      std::string s(len, '\0');
      for (size_t i = 0; i < len; i += 8) {
        const uint64_t r = rng();
        for (size_t j = 0; j < 8 && i + j < len; ++j) s[i + j] = static_cast<char>(r >> (8 * j));
      }
      return s;
    };
    out->keys.reserve(n);
    out->values.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      out->keys.push_back(random_bytes(16));
      out->values.push_back(random_bytes(64));
    }
    out->sorted_keys = out->keys;
    std::sort(out->sorted_keys.begin(), out->sorted_keys.end());
    return out;
  }();
  return *d;
}

// A directory under /tmp, removed at exit of the scope.
class BenchDir {
 public:
  BenchDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "kstreams-bench-XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) std::abort();
    path_ = templ;
  }
  ~BenchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Each side gets its own (identically sized) resources so that they do not share a cache.
std::shared_ptr<RocksDbResources> newResources() { return *RocksDbResources::create({}); }

std::unique_ptr<RocksDbKeyValueStore> openStore(const std::filesystem::path& dir) {
  auto store = RocksDbKeyValueStore::open("bench", dir / "kstreams", newResources());
  if (!store.ok()) std::abort();
  return std::move(*store);
}

// Raw RocksDB with the options a kstreams store gets (defaults, shared cache, manual WAL
// flush), minus the metadata column family.
struct RawDb {
  std::shared_ptr<RocksDbResources> resources = newResources();
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write_options;

  explicit RawDb(const std::filesystem::path& dir) {
    RocksDbOptions options(*resources);
    options.options().table_factory.reset(
        rocksdb::NewBlockBasedTableFactory(options.tableOptions()));
    write_options = options.writeOptions();
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::Open(options.options(), (dir / "raw").string(), &raw).ok()) std::abort();
    db.reset(raw);
  }
  ~RawDb() {
    (void)db->FlushWAL(true);
    (void)db->Close();
  }
};

// --- Puts -------------------------------------------------------------------------------

void BM_Put_KStreams(benchmark::State& state) {
  const Data& d = data();
  BenchDir dir;
  auto store = openStore(dir.path());
  size_t i = 0;
  for (auto _ : state) {
    if (!store->put(d.keys[i], d.values[i]).ok()) state.SkipWithError("put failed");
    if (++i == d.keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Put_KStreams);

void BM_Put_RawRocksDb(benchmark::State& state) {
  const Data& d = data();
  BenchDir dir;
  RawDb raw(dir.path());
  size_t i = 0;
  for (auto _ : state) {
    if (!raw.db->Put(raw.write_options, d.keys[i], d.values[i]).ok()) {
      state.SkipWithError("put failed");
    }
    if (++i == d.keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Put_RawRocksDb);

constexpr size_t kBatch = 1000;

void BM_PutAll1000_KStreams(benchmark::State& state) {
  const Data& d = data();
  BenchDir dir;
  auto store = openStore(dir.path());
  size_t i = 0;
  KeyValueChanges batch;
  for (auto _ : state) {
    // Building the batch is part of the API's cost (the changes are owned strings).
    batch.clear();
    for (size_t j = 0; j < kBatch; ++j) {
      batch.emplace_back(d.keys[i], d.values[i]);
      if (++i == d.keys.size()) i = 0;
    }
    if (!store->putAll(batch).ok()) state.SkipWithError("putAll failed");
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_PutAll1000_KStreams);

void BM_PutAll1000_RawRocksDb(benchmark::State& state) {
  const Data& d = data();
  BenchDir dir;
  RawDb raw(dir.path());
  size_t i = 0;
  for (auto _ : state) {
    rocksdb::WriteBatch batch;
    for (size_t j = 0; j < kBatch; ++j) {
      batch.Put(d.keys[i], d.values[i]);
      if (++i == d.keys.size()) i = 0;
    }
    if (!raw.db->Write(raw.write_options, &batch).ok()) state.SkipWithError("write failed");
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_PutAll1000_RawRocksDb);

// --- Reads over a loaded store ------------------------------------------------------------

struct Loaded {
  BenchDir dir;
  std::unique_ptr<RocksDbKeyValueStore> store;
  std::unique_ptr<RawDb> raw;
};

// Loads both sides the same way (batches of 1000, then fully compacted, so that background
// compactions do not skew the reads), once per process; closed and deleted at exit.
Loaded& loaded() {
  static std::unique_ptr<Loaded> l = [] {
    const Data& d = data();
    auto out = std::make_unique<Loaded>();
    out->store = openStore(out->dir.path());
    out->raw = std::make_unique<RawDb>(out->dir.path());
    for (size_t i = 0; i < d.keys.size(); i += kBatch) {
      KeyValueChanges changes;
      rocksdb::WriteBatch batch;
      for (size_t j = i; j < std::min(i + kBatch, d.keys.size()); ++j) {
        changes.emplace_back(d.keys[j], d.values[j]);
        batch.Put(d.keys[j], d.values[j]);
      }
      if (!out->store->putAll(changes).ok()) std::abort();
      if (!out->raw->db->Write(out->raw->write_options, &batch).ok()) std::abort();
    }
    if (!out->store->flush().ok()) std::abort();
    (void)out->raw->db->FlushWAL(true);
    if (!out->store->compact().ok()) std::abort();
    rocksdb::CompactRangeOptions compact;
    compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    if (!out->raw->db->CompactRange(compact, nullptr, nullptr).ok()) std::abort();
    return out;
  }();
  return *l;
}

// A cheap pseudo-random index sequence, identical for both sides.
struct Lcg {
  uint64_t x = 12345;
  size_t next(size_t n) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>((x >> 33) % n);
  }
};

void BM_Get_KStreams(benchmark::State& state) {
  const Data& d = data();
  auto& store = *loaded().store;
  Lcg rng;
  for (auto _ : state) {
    auto v = store.get(d.keys[rng.next(d.keys.size())]);
    if (!v.ok() || !v->has_value()) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Get_KStreams);

void BM_Get_RawRocksDb(benchmark::State& state) {
  const Data& d = data();
  rocksdb::DB* db = loaded().raw->db.get();
  Lcg rng;
  for (auto _ : state) {
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), d.keys[rng.next(d.keys.size())], &value);
    if (!s.ok()) state.SkipWithError("get failed");
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Get_RawRocksDb);

constexpr size_t kRange = 100;

void BM_Range100_KStreams(benchmark::State& state) {
  const Data& d = data();
  auto& store = *loaded().store;
  Lcg rng;
  int64_t items = 0;
  for (auto _ : state) {
    const size_t first = rng.next(d.sorted_keys.size() - kRange);
    auto it = store.range(d.sorted_keys[first], d.sorted_keys[first + kRange - 1]);
    if (!it.ok()) state.SkipWithError("range failed");
    while ((*it)->hasNext()) {
      KeyValue kv = (*it)->next();
      benchmark::DoNotOptimize(kv);
      ++items;
    }
  }
  state.SetItemsProcessed(items);
}
BENCHMARK(BM_Range100_KStreams);

void BM_Range100_RawRocksDb(benchmark::State& state) {
  const Data& d = data();
  rocksdb::DB* db = loaded().raw->db.get();
  Lcg rng;
  int64_t items = 0;
  for (auto _ : state) {
    const size_t first = rng.next(d.sorted_keys.size() - kRange);
    // Same work as the store: an inclusive upper bound (key + '\0'), entries copied out.
    const std::string upper = d.sorted_keys[first + kRange - 1] + std::string(1, '\0');
    rocksdb::Slice upper_slice(upper);
    rocksdb::Slice lower_slice(d.sorted_keys[first]);
    rocksdb::ReadOptions options;
    options.iterate_lower_bound = &lower_slice;
    options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      KeyValue kv{it->key().ToString(), it->value().ToString()};
      benchmark::DoNotOptimize(kv);
      ++items;
    }
  }
  state.SetItemsProcessed(items);
}
BENCHMARK(BM_Range100_RawRocksDb);

// --- In-memory store, for scale ---------------------------------------------------------

void BM_Put_InMemory(benchmark::State& state) {
  const Data& d = data();
  InMemoryKeyValueStore store("bench");
  if (!store.init({}).ok()) std::abort();
  size_t i = 0;
  for (auto _ : state) {
    if (!store.put(d.keys[i], d.values[i]).ok()) state.SkipWithError("put failed");
    if (++i == d.keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Put_InMemory);

void BM_Get_InMemory(benchmark::State& state) {
  const Data& d = data();
  static InMemoryKeyValueStore* store = [&] {
    auto* s = new InMemoryKeyValueStore("bench");
    if (!s->init({}).ok()) std::abort();
    for (size_t i = 0; i < d.keys.size(); ++i) (void)s->put(d.keys[i], d.values[i]);
    return s;
  }();
  Lcg rng;
  for (auto _ : state) {
    auto v = store->get(d.keys[rng.next(d.keys.size())]);
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Get_InMemory);

void BM_ThreadCache_Update(benchmark::State& state) {
  constexpr int kKeys = 10000;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) keys.push_back("key-" + std::to_string(i));
  std::mt19937_64 rng(42);
  std::vector<int> order(1 << 16);
  for (int& i : order) i = static_cast<int>(rng() % kKeys);
  ThreadCache cache(10 << 20);
  const std::string ns = ThreadCache::nameSpace("0_3", "KSTREAM-AGGREGATE-STATE-STORE-0000000001");
  int64_t flushed = 0;
  cache.addDirtyEntryFlushListener(ns, [&](std::vector<DirtyEntry>& e) { flushed += e.size(); });
  std::string value(16, 'v');
  size_t n = 0;
  for (auto _ : state) {
    const std::string& key = keys[order[n % order.size()]];
    const CacheEntry* e = cache.get(ns, key);
    benchmark::DoNotOptimize(e);
    cache.put(ns, key, value, /*dirty=*/true,
              CacheRecordContext{static_cast<int64_t>(n), 0, 0, "in", ""});
    if (++n % 100000 == 0) cache.flush(ns);
  }
  benchmark::DoNotOptimize(flushed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ThreadCache_Update);

}  // namespace
}  // namespace kstreams::state
