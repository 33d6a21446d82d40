// RocksDbKeyValueStore: one RocksDB instance, data in the default column family, the changelog
// checkpoint in "kstreams.meta". Opening and the directory checks come first, then reads
// (with the iterator and its registry), then writes, restore and checkpoints.
//
// Locking. `Impl::mu` guards the DB's lifetime: every call that touches `db` holds it shared,
// open and close hold it exclusively, so close() waits for reads that other threads (interactive
// queries) have in progress. Iterators outlive calls, so each one registers in the store's
// IteratorRegistry; close() ends them all (under the registry lock, then each iterator's own
// lock) before it deletes the DB. Lock order everywhere: store mu -> registry mu -> iterator mu.
#include "kstreams/state/rocksdb_key_value_store.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "key_ranges.h"
#include "kstreams/state/rocksdb_options.h"
#include "rocksdb_status.h"
#include "snapshot_iterator.h"

namespace kstreams::state {
namespace {

constexpr char kMetaColumnFamily[] = "kstreams.meta";
constexpr char kCheckpointKey[] = "changelog.offset";
// Checkpoint value: one format byte, then the offset as 8 bytes big-endian.
constexpr char kCheckpointFormat = 1;
constexpr size_t kCheckpointSize = 9;

std::string encodeCheckpoint(int64_t offset) {
  std::string out(kCheckpointSize, '\0');
  out[0] = kCheckpointFormat;
  auto u = static_cast<uint64_t>(offset);
  for (int i = 0; i < 8; ++i) out[8 - i] = static_cast<char>((u >> (8 * i)) & 0xff);
  return out;
}

std::optional<int64_t> decodeCheckpoint(std::string_view in) {
  if (in.size() != kCheckpointSize || in[0] != kCheckpointFormat) return std::nullopt;
  uint64_t u = 0;
  for (size_t i = 1; i < kCheckpointSize; ++i) u = (u << 8) | static_cast<unsigned char>(in[i]);
  return static_cast<int64_t>(u);
}

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

absl::Status validateStoreName(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("state store name '", name, "' is not a usable directory name"));
  }
  return absl::OkStatus();
}

class RocksDbIterator;

// The open iterators of one store. Shared with the iterators, which may outlive the store.
struct IteratorRegistry {
  std::mutex mu;
  std::unordered_set<RocksDbIterator*> live ABSL_GUARDED_BY(mu);
};

class RocksDbIterator final : public KeyValueIterator {
 public:
  // Bounds: keys in [lower, upper) (either may be absent); `reverse` walks down from the top.
  RocksDbIterator(std::shared_ptr<IteratorRegistry> registry, std::optional<std::string> lower,
                  std::optional<std::string> upper, bool reverse)
      : registry_(std::move(registry)),
        lower_(std::move(lower)),
        upper_(std::move(upper)),
        reverse_(reverse) {
    if (lower_) lower_slice_ = slice(*lower_);
    if (upper_) upper_slice_ = slice(*upper_);
  }

  ~RocksDbIterator() override {
    // Both locks, so that deleting the RocksDB iterator cannot overlap a close() of the DB.
    std::lock_guard registry_lock(registry_->mu);
    registry_->live.erase(this);
    std::lock_guard lock(mu_);
    it_.reset();
  }

  // Creates the RocksDB iterator and positions it. The caller holds the store's lock (shared)
  // and registers this iterator.
  void start(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
    rocksdb::ReadOptions options;
    if (lower_) options.iterate_lower_bound = &lower_slice_;
    if (upper_) options.iterate_upper_bound = &upper_slice_;
    std::lock_guard lock(mu_);
    it_.reset(db->NewIterator(options, cf));
    if (reverse_) {
      it_->SeekToLast();  // honours iterate_upper_bound
    } else {
      it_->SeekToFirst();  // honours iterate_lower_bound
    }
  }

  // Called by close() with the registry lock held.
  void invalidate() {
    std::lock_guard lock(mu_);
    it_.reset();
    closed_.store(true, std::memory_order_release);
  }

  bool hasNext() override {
    if (closed_.load(std::memory_order_acquire)) {
      buffer_.clear();
      pos_ = 0;
      return false;
    }
    return pos_ < buffer_.size() || fill();
  }

  KeyValue next() override {
    if (!hasNext()) return {};
    return std::move(buffer_[pos_++]);
  }

  std::string_view peekNextKey() override {
    if (!hasNext()) return {};
    return buffer_[pos_].key;
  }

  absl::Status status() const override {
    if (closed_.load(std::memory_order_acquire)) {
      return absl::FailedPreconditionError("the state store was closed");
    }
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  // Copies the next few entries out of RocksDB into buffer_ under one lock: the lock (which only
  // guards against a concurrent close()) is paid once per chunk instead of on every call. The
  // chunk is small on purpose: a few live strings per size class stay within glibc's per-thread
  // cache, while 16 or 64 read-ahead entries made malloc/free dearer than the lock they saved
  // (Range100 in bench/state_bench.cc: 0.82x of raw RocksDB with 8, 0.88x with 4). False if
  // there is nothing more.
  bool fill() {
    buffer_.clear();
    pos_ = 0;
    std::lock_guard lock(mu_);
    if (it_ == nullptr) return false;
    for (size_t n = 0; n < kChunk && it_->Valid(); ++n) {
      buffer_.push_back(KeyValue{it_->key().ToString(), it_->value().ToString()});
      if (reverse_) {
        it_->Prev();
      } else {
        it_->Next();
      }
    }
    if (!it_->Valid()) {
      // The end (or an error): keep the status and release the iterator's pinned resources now
      // rather than at destruction. close() waits for mu_, so the DB is still open here.
      status_ = internal::fromRocksDb(it_->status(), "RocksDB iterator");
      it_.reset();
    }
    return !buffer_.empty();
  }

  const std::shared_ptr<IteratorRegistry> registry_;
  // The bound strings back the slices that ReadOptions points to, for the iterator's life.
  const std::optional<std::string> lower_;
  const std::optional<std::string> upper_;
  rocksdb::Slice lower_slice_;
  rocksdb::Slice upper_slice_;
  const bool reverse_;
  // Set by close() (via invalidate()); read without the lock by the iterating thread.
  std::atomic<bool> closed_{false};
  // Entries read ahead; used by the iterating thread only.
  std::vector<KeyValue> buffer_;
  size_t pos_ = 0;
  static constexpr size_t kChunk = 4;
  mutable std::mutex mu_;
  std::unique_ptr<rocksdb::Iterator> it_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

struct RocksDbKeyValueStore::Impl {
  explicit Impl(std::string n) : name(std::move(n)) {}

  absl::Status notOpen() const {
    return absl::FailedPreconditionError(absl::StrCat("state store ", name, " is not open"));
  }
  absl::Status openAt(const std::filesystem::path& dir,
                      std::shared_ptr<RocksDbResources> resources);
  absl::Status closeDb();
  absl::Status write(rocksdb::WriteBatch& batch, std::string_view what);
  absl::Status addChanges(rocksdb::WriteBatch& batch, const KeyValueChanges& changes);
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> iterate(std::optional<std::string> lower,
                                                            std::optional<std::string> upper,
                                                            bool reverse) const;

  const std::string name;
  std::filesystem::path dir;
  bool was_created = false;
  std::shared_ptr<RocksDbResources> resources;  // outlives db: it owns the cache db uses
  rocksdb::WriteOptions write_options;
  std::atomic<bool> open{false};
  // Owning thread only (written by open and the checkpoint writers).
  std::optional<int64_t> checkpoint;
  const std::shared_ptr<IteratorRegistry> iterators = std::make_shared<IteratorRegistry>();

  mutable std::shared_mutex mu;
  // Set and cleared under `mu` held exclusively; used under `mu` held shared.
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* data_cf = nullptr;
  rocksdb::ColumnFamilyHandle* meta_cf = nullptr;
};

// --- Opening and closing ------------------------------------------------------------------

absl::Status RocksDbKeyValueStore::Impl::openAt(const std::filesystem::path& store_dir,
                                                std::shared_ptr<RocksDbResources> res) {
  if (absl::Status s = validateStoreName(name); !s.ok()) return s;
  if (store_dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("no directory given for state store ", name));
  }
  std::lock_guard lock(mu);
  if (db != nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("state store ", name, " is already open"));
  }
  if (res == nullptr) res = RocksDbResources::processDefault();

  // Tell a new store from an existing one from a damaged one before RocksDB looks: with
  // create_if_missing it would happily make a fresh DB next to stray files.
  std::error_code ec;
  const std::string where = absl::StrCat("state store ", name, " at ", store_dir.string());
  bool created = false;
  const auto st = std::filesystem::status(store_dir, ec);
  if (!std::filesystem::exists(st)) {
    created = true;
  } else if (!std::filesystem::is_directory(st)) {
    return absl::DataLossError(absl::StrCat(where, ": not a directory"));
  } else if (!std::filesystem::exists(store_dir / "CURRENT", ec)) {
    if (!std::filesystem::is_empty(store_dir, ec)) {
      return absl::DataLossError(
          absl::StrCat(where, ": directory has files but no RocksDB CURRENT file"));
    }
    created = true;
  }
  if (created) {
    std::filesystem::create_directories(store_dir, ec);
    if (ec) return absl::InternalError(absl::StrCat(where, ": cannot create: ", ec.message()));
  }

  RocksDbOptions options(*res);
  const auto default_table_factory = options.options().table_factory;
  if (res->config().config_setter) res->config().config_setter(name, options);
  if (options.options().table_factory == default_table_factory) {
    options.options().table_factory.reset(
        rocksdb::NewBlockBasedTableFactory(options.tableOptions()));
  }

  // The metadata column family holds one key: a small memtable, no filter, no compression.
  rocksdb::ColumnFamilyOptions meta_options;
  meta_options.write_buffer_size = 64 << 10;
  meta_options.max_write_buffer_number = 2;
  meta_options.compression = rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions meta_table;
  meta_table.block_cache = options.sharedBlockCache();
  meta_table.cache_index_and_filter_blocks = true;  // inside the memory budget too
  meta_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(meta_table));

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(options.options())},
      {kMetaColumnFamily, meta_options}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(options.options()), store_dir.string(),
                                        families, &handles, &raw);
  if (s.IsPathNotFound()) {
    // A file the MANIFEST lists (or CURRENT names) is gone: the directory is damaged.
    s = rocksdb::Status::Corruption(s.ToString());
  }
  if (!s.ok()) return internal::fromRocksDb(s, absl::StrCat("cannot open ", where));
  std::unique_ptr<rocksdb::DB> opened(raw);

  std::string value;
  std::optional<int64_t> offset;
  s = opened->Get(rocksdb::ReadOptions(), handles[1], kCheckpointKey, &value);
  if (s.ok()) {
    offset = decodeCheckpoint(value);
    if (!offset) s = rocksdb::Status::Corruption("unreadable checkpoint value");
  } else if (s.IsNotFound()) {
    s = rocksdb::Status::OK();
  }
  if (!s.ok()) {
    for (auto* h : handles) opened->DestroyColumnFamilyHandle(h);
    opened->Close();
    return internal::fromRocksDb(s, absl::StrCat("cannot read the checkpoint of ", where));
  }

  db = std::move(opened);
  data_cf = handles[0];
  meta_cf = handles[1];
  dir = store_dir;
  was_created = created;
  resources = std::move(res);
  write_options = options.writeOptions();
  checkpoint = offset;
  open.store(true, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status RocksDbKeyValueStore::Impl::closeDb() {
  std::lock_guard lock(mu);  // waits for reads in progress
  if (db == nullptr) return absl::OkStatus();
  open.store(false, std::memory_order_release);
  {
    std::lock_guard registry_lock(iterators->mu);
    for (RocksDbIterator* it : iterators->live) it->invalidate();
    iterators->live.clear();
  }
  // Writes are buffered in the WAL (manual_wal_flush): write and sync them before closing.
  rocksdb::Status flushed = db->FlushWAL(/*sync=*/true);
  db->DestroyColumnFamilyHandle(data_cf);
  db->DestroyColumnFamilyHandle(meta_cf);
  data_cf = meta_cf = nullptr;
  rocksdb::Status closed = db->Close();
  db.reset();
  checkpoint.reset();
  if (!flushed.ok()) return internal::fromRocksDb(flushed, "closing ", name);
  return internal::fromRocksDb(closed, "closing ", name);
}

RocksDbKeyValueStore::RocksDbKeyValueStore(std::string name)
    : impl_(std::make_unique<Impl>(std::move(name))) {}

RocksDbKeyValueStore::~RocksDbKeyValueStore() { (void)impl_->closeDb(); }

absl::StatusOr<std::unique_ptr<RocksDbKeyValueStore>> RocksDbKeyValueStore::open(
    std::string name, const std::filesystem::path& dir,
    std::shared_ptr<RocksDbResources> resources) {
  auto store = std::make_unique<RocksDbKeyValueStore>(std::move(name));
  if (absl::Status s = store->impl_->openAt(dir, std::move(resources)); !s.ok()) return s;
  return store;
}

absl::Status RocksDbKeyValueStore::wipe(const std::filesystem::path& dir) {
  if (dir.empty() || dir == dir.root_path() || dir.relative_path().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("refusing to wipe '", dir.string(), "' as a state store directory"));
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot wipe ", dir.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

bool RocksDbKeyValueStore::wasCreated() const { return impl_->was_created; }

const std::filesystem::path& RocksDbKeyValueStore::directory() const { return impl_->dir; }

std::optional<uint64_t> RocksDbKeyValueStore::property(std::string_view name) const {
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return std::nullopt;
  uint64_t value = 0;
  if (!impl_->db->GetIntProperty(impl_->data_cf, slice(name), &value)) return std::nullopt;
  return value;
}

absl::Status RocksDbKeyValueStore::compact() {
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return impl_->notOpen();
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  return internal::fromRocksDb(impl_->db->CompactRange(options, impl_->data_cf, nullptr, nullptr),
                               "compacting ", impl_->name);
}

const std::string& RocksDbKeyValueStore::name() const { return impl_->name; }

absl::Status RocksDbKeyValueStore::init(const StateStoreContext& context) {
  return impl_->openAt(context.store_dir, context.rocksdb_resources);
}

absl::Status RocksDbKeyValueStore::flush() {
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return impl_->notOpen();
  return internal::fromRocksDb(impl_->db->FlushWAL(/*sync=*/true), "flushing ", impl_->name);
}

absl::Status RocksDbKeyValueStore::close() { return impl_->closeDb(); }

bool RocksDbKeyValueStore::isOpen() const { return impl_->open.load(std::memory_order_acquire); }

// --- Reads ----------------------------------------------------------------------------------

absl::StatusOr<std::optional<std::string>> RocksDbKeyValueStore::get(std::string_view key) const {
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return impl_->notOpen();
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->data_cf, slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return internal::fromRocksDb(s, "get from ", impl_->name);
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> RocksDbKeyValueStore::Impl::iterate(
    std::optional<std::string> lower, std::optional<std::string> upper, bool reverse) const {
  std::shared_lock lock(mu);
  if (db == nullptr) return notOpen();
  auto it =
      std::make_unique<RocksDbIterator>(iterators, std::move(lower), std::move(upper), reverse);
  {
    // Registered before it touches the DB, so that a close() cannot miss it.
    std::lock_guard registry_lock(iterators->mu);
    iterators->live.insert(it.get());
  }
  it->start(db.get(), data_cf);
  return std::unique_ptr<KeyValueIterator>(std::move(it));
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> RocksDbKeyValueStore::range(
    std::string_view from, std::string_view to) const {
  if (from > to) return internal::emptyIterator();
  return impl_->iterate(std::string(from), internal::successor(to), /*reverse=*/false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> RocksDbKeyValueStore::reverseRange(
    std::string_view from, std::string_view to) const {
  if (from > to) return internal::emptyIterator();
  return impl_->iterate(std::string(from), internal::successor(to), /*reverse=*/true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> RocksDbKeyValueStore::all() const {
  return impl_->iterate(std::nullopt, std::nullopt, /*reverse=*/false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> RocksDbKeyValueStore::reverseAll() const {
  return impl_->iterate(std::nullopt, std::nullopt, /*reverse=*/true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> RocksDbKeyValueStore::prefixScan(
    std::string_view prefix) const {
  return impl_->iterate(std::string(prefix), internal::prefixUpperBound(prefix),
                        /*reverse=*/false);
}

absl::StatusOr<int64_t> RocksDbKeyValueStore::approximateNumEntries() const {
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return impl_->notOpen();
  uint64_t n = 0;
  if (!impl_->db->GetIntProperty(impl_->data_cf, "rocksdb.estimate-num-keys", &n)) {
    return absl::InternalError(absl::StrCat("RocksDB has no estimate-num-keys for ", impl_->name));
  }
  return static_cast<int64_t>(std::min<uint64_t>(n, INT64_MAX));
}

// --- Writes, restore, checkpoints -----------------------------------------------------------

absl::Status RocksDbKeyValueStore::Impl::write(rocksdb::WriteBatch& batch, std::string_view what) {
  return internal::fromRocksDb(db->Write(write_options, &batch), what, name);
}

absl::Status RocksDbKeyValueStore::Impl::addChanges(rocksdb::WriteBatch& batch,
                                                    const KeyValueChanges& changes) {
  for (const auto& [key, value] : changes) {
    rocksdb::Status s = value ? batch.Put(data_cf, key, *value) : batch.Delete(data_cf, key);
    if (!s.ok()) return internal::fromRocksDb(s, "batching a write to ", name);
  }
  return absl::OkStatus();
}

absl::Status RocksDbKeyValueStore::put(std::string_view key, std::string_view value) {
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return impl_->notOpen();
  return internal::fromRocksDb(
      impl_->db->Put(impl_->write_options, impl_->data_cf, slice(key), slice(value)), "put to ",
      impl_->name);
}

absl::StatusOr<std::optional<std::string>> RocksDbKeyValueStore::putIfAbsent(
    std::string_view key, std::string_view value) {
  // Get, then put: safe because only the owning thread writes.
  absl::StatusOr<std::optional<std::string>> existing = get(key);
  if (!existing.ok() || existing->has_value()) return existing;
  if (absl::Status s = put(key, value); !s.ok()) return s;
  return std::optional<std::string>();
}

absl::Status RocksDbKeyValueStore::putAll(const KeyValueChanges& changes) {
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return impl_->notOpen();
  rocksdb::WriteBatch batch;
  if (absl::Status s = impl_->addChanges(batch, changes); !s.ok()) return s;
  return impl_->write(batch, "putAll to ");
}

absl::StatusOr<std::optional<std::string>> RocksDbKeyValueStore::remove(std::string_view key) {
  absl::StatusOr<std::optional<std::string>> old = get(key);
  // Nothing to delete when absent: saves a WAL record (Java writes a delete regardless).
  if (!old.ok() || !old->has_value()) return old;
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return impl_->notOpen();
  rocksdb::Status s = impl_->db->Delete(impl_->write_options, impl_->data_cf, slice(key));
  if (!s.ok()) return internal::fromRocksDb(s, "delete from ", impl_->name);
  return old;
}

absl::Status RocksDbKeyValueStore::restoreBatch(const KeyValueChanges& records,
                                                int64_t changelog_offset) {
  return putAllWithCheckpoint(records, changelog_offset);
}

std::optional<int64_t> RocksDbKeyValueStore::checkpointedOffset() const {
  return impl_->checkpoint;
}

absl::Status RocksDbKeyValueStore::writeCheckpoint(int64_t offset) {
  return putAllWithCheckpoint({}, offset);
}

absl::Status RocksDbKeyValueStore::putAllWithCheckpoint(const KeyValueChanges& changes,
                                                        int64_t offset) {
  std::shared_lock lock(impl_->mu);
  if (impl_->db == nullptr) return impl_->notOpen();
  // One WriteBatch spanning both column families: RocksDB applies it atomically, and after a
  // crash the WAL replays all of it or none.
  rocksdb::WriteBatch batch;
  if (absl::Status s = impl_->addChanges(batch, changes); !s.ok()) return s;
  rocksdb::Status s = batch.Put(impl_->meta_cf, kCheckpointKey, encodeCheckpoint(offset));
  if (!s.ok()) return internal::fromRocksDb(s, "batching a checkpoint");
  if (absl::Status w = impl_->write(batch, "checkpointed write to "); !w.ok()) return w;
  impl_->checkpoint = offset;
  return absl::OkStatus();
}

}  // namespace kstreams::state
