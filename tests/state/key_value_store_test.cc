// One suite for every KeyValueStore implementation (TEST_P over RocksDB and in-memory), then
// what only RocksDB does (reopen, checkpoints on disk, corruption, shared memory), the
// change-logging wrapper and the Stores builders.
#include "kstreams/state/key_value_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kstreams/state/change_logging_key_value_store.h"
#include "kstreams/state/in_memory_key_value_store.h"
#include "kstreams/state/rocksdb_key_value_store.h"
#include "kstreams/state/rocksdb_options.h"
#include "kstreams/state/rocksdb_resources.h"
#include "kstreams/state/store_builders.h"
#include "state_test_util.h"

namespace kstreams::state {
namespace {

using ::kstreams::state::testing::drain;
using ::kstreams::state::testing::keysOf;
using ::kstreams::state::testing::TempDir;
using ::kstreams::state::testing::valueOf;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

using Opt = std::optional<std::string>;

enum class Kind { kRocksDb, kInMemory };

std::string kindName(const ::testing::TestParamInfo<Kind>& info) {
  return info.param == Kind::kRocksDb ? "RocksDb" : "InMemory";
}

std::unique_ptr<KeyValueStore> makeStore(Kind kind, const std::string& name) {
  if (kind == Kind::kRocksDb) return std::make_unique<RocksDbKeyValueStore>(name);
  return std::make_unique<InMemoryKeyValueStore>(name);
}

// Small memory budget so that tests do not reserve 64 MiB each.
std::shared_ptr<RocksDbResources> smallResources() {
  RocksDbMemoryConfig config;
  config.block_cache_bytes = 8 << 20;
  config.write_buffer_bytes = 4 << 20;
  return valueOf(RocksDbResources::create(std::move(config)));
}

class KeyValueStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    store_ = makeStore(GetParam(), "store");
    KS_ASSERT_OK(store_->init(context()));
  }

  StateStoreContext context() {
    StateStoreContext ctx;
    ctx.store_dir = dir_.path() / "0_0" / "store";
    ctx.rocksdb_resources = resources_;
    return ctx;
  }

  std::string get(std::string_view key) {
    std::optional<std::string> v = valueOf(store_->get(key));
    return v ? *v : "<absent>";
  }

  void putAll(const std::vector<std::string>& keys) {
    for (const auto& k : keys) KS_EXPECT_OK(store_->put(k, "v" + k));
  }

  TempDir dir_;
  std::shared_ptr<RocksDbResources> resources_ = smallResources();
  std::unique_ptr<KeyValueStore> store_;
};

INSTANTIATE_TEST_SUITE_P(Stores, KeyValueStoreTest,
                         ::testing::Values(Kind::kRocksDb, Kind::kInMemory), kindName);

TEST_P(KeyValueStoreTest, DescribesItself) {
  EXPECT_EQ(store_->name(), "store");
  EXPECT_TRUE(store_->isOpen());
  EXPECT_EQ(store_->persistent(), GetParam() == Kind::kRocksDb);
}

TEST_P(KeyValueStoreTest, PutGetOverwrite) {
  EXPECT_EQ(valueOf(store_->get("k")), std::nullopt);
  KS_ASSERT_OK(store_->put("k", "v1"));
  EXPECT_EQ(get("k"), "v1");
  KS_ASSERT_OK(store_->put("k", "v2"));
  EXPECT_EQ(get("k"), "v2");
  // Empty key and value, embedded NULs: plain bytes.
  KS_ASSERT_OK(store_->put("", ""));
  EXPECT_THAT(valueOf(store_->get("")), Optional(std::string()));
  const std::string binary("a\0b\xff", 4);
  KS_ASSERT_OK(store_->put(binary, binary));
  EXPECT_EQ(get(binary), binary);
  EXPECT_EQ(get(std::string("a\0b", 3)), "<absent>");
}

TEST_P(KeyValueStoreTest, PutIfAbsent) {
  EXPECT_EQ(valueOf(store_->putIfAbsent("k", "first")), std::nullopt);
  EXPECT_THAT(valueOf(store_->putIfAbsent("k", "second")), Optional(std::string("first")));
  EXPECT_EQ(get("k"), "first");
}

TEST_P(KeyValueStoreTest, PutAllAppliesInOrderWithDeletes) {
  KS_ASSERT_OK(store_->put("gone", "x"));
  KS_ASSERT_OK(store_->putAll({{"a", "1"}, {"b", "2"}, {"a", "3"}, {"b", Opt()}, {"gone", Opt()}}));
  EXPECT_EQ(get("a"), "3");
  EXPECT_EQ(get("b"), "<absent>");
  EXPECT_EQ(get("gone"), "<absent>");
  KS_ASSERT_OK(store_->putAll({}));
}

TEST_P(KeyValueStoreTest, RemoveReturnsPreviousValue) {
  KS_ASSERT_OK(store_->put("k", "v"));
  EXPECT_THAT(valueOf(store_->remove("k")), Optional(std::string("v")));
  EXPECT_EQ(get("k"), "<absent>");
  EXPECT_EQ(valueOf(store_->remove("k")), std::nullopt);
  EXPECT_EQ(valueOf(store_->remove("never")), std::nullopt);
}

TEST_P(KeyValueStoreTest, RangeIncludesBothBounds) {
  putAll({"a", "b", "c", "d"});
  EXPECT_THAT(keysOf(drain(store_->range("b", "c"))), ElementsAre("b", "c"));
  EXPECT_THAT(keysOf(drain(store_->range("b", "b"))), ElementsAre("b"));
  EXPECT_THAT(keysOf(drain(store_->range("bb", "cc"))), ElementsAre("c"));
  EXPECT_THAT(keysOf(drain(store_->range("", "\xff"))), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(keysOf(drain(store_->reverseRange("b", "d"))), ElementsAre("d", "c", "b"));
  EXPECT_THAT(keysOf(drain(store_->reverseRange("a", "a"))), ElementsAre("a"));
  EXPECT_THAT(keysOf(drain(store_->reverseRange("0", "bz"))), ElementsAre("b", "a"));
  // A key that extends the upper bound is above it.
  putAll({std::string("c\0", 2), "c0"});
  EXPECT_THAT(keysOf(drain(store_->range("b", "c"))), ElementsAre("b", "c"));
  EXPECT_THAT(keysOf(drain(store_->reverseRange("b", "c"))), ElementsAre("c", "b"));
  const auto entries = drain(store_->range("a", "a"));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].value, "va");
}

TEST_P(KeyValueStoreTest, EmptyAndInvertedRanges) {
  putAll({"a", "b", "c"});
  EXPECT_THAT(drain(store_->range("x", "z")), IsEmpty());
  EXPECT_THAT(drain(store_->reverseRange("x", "z")), IsEmpty());
  EXPECT_THAT(drain(store_->range("bb", "bc")), IsEmpty());
  // from > to: empty, not an error (as Kafka Streams, which logs a warning).
  EXPECT_THAT(drain(store_->range("c", "a")), IsEmpty());
  EXPECT_THAT(drain(store_->reverseRange("c", "a")), IsEmpty());
  EXPECT_THAT(drain(store_->range("\x80", "\x7f")), IsEmpty());
}

TEST_P(KeyValueStoreTest, EmptyStoreIteratesNothing) {
  EXPECT_THAT(drain(store_->all()), IsEmpty());
  EXPECT_THAT(drain(store_->reverseAll()), IsEmpty());
  EXPECT_THAT(drain(store_->prefixScan("a")), IsEmpty());
  EXPECT_EQ(valueOf(store_->approximateNumEntries()), 0);
}

TEST_P(KeyValueStoreTest, AllOrdersBytesAsUnsigned) {
  const std::vector<std::string> keys = {
      "\xff", "a", "\x80", "", "\x7f", "\x01", "\xff\xff", "a0", std::string("a\0", 2), "\x7f\xff"};
  putAll(keys);
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end(), [](const std::string& x, const std::string& y) {
    const int c = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));
    return c != 0 ? c < 0 : x.size() < y.size();
  });
  // Spelled out, as RocksDB's bytewise comparator orders them:
  EXPECT_THAT(expected, ElementsAre("", "\x01", "a", std::string("a\0", 2), "a0", "\x7f",
                                    "\x7f\xff", "\x80", "\xff", "\xff\xff"));
  EXPECT_EQ(keysOf(drain(store_->all())), expected);
  std::vector<std::string> reversed(expected.rbegin(), expected.rend());
  EXPECT_EQ(keysOf(drain(store_->reverseAll())), reversed);
  // Ranges across the signed/unsigned boundary.
  EXPECT_THAT(keysOf(drain(store_->range("\x7f", "\xff"))),
              ElementsAre("\x7f", "\x7f\xff", "\x80", "\xff"));
  EXPECT_THAT(keysOf(drain(store_->reverseRange("\x7f\xff", "\xff\xff"))),
              ElementsAre("\xff\xff", "\xff", "\x80", "\x7f\xff"));
}

TEST_P(KeyValueStoreTest, PrefixScan) {
  putAll({"ab", "abc", "abd", "ac", "b", "a", "a\xff", "a\xff\x01", "\xff", "\xff\xff", "aa"});
  EXPECT_THAT(keysOf(drain(store_->prefixScan("ab"))), ElementsAre("ab", "abc", "abd"));
  EXPECT_THAT(keysOf(drain(store_->prefixScan("a\xff"))), ElementsAre("a\xff", "a\xff\x01"));
  // No upper bound exists for an all-0xff prefix.
  EXPECT_THAT(keysOf(drain(store_->prefixScan("\xff"))), ElementsAre("\xff", "\xff\xff"));
  EXPECT_THAT(keysOf(drain(store_->prefixScan("abcd"))), IsEmpty());
  EXPECT_THAT(keysOf(drain(store_->prefixScan("z"))), IsEmpty());
  EXPECT_EQ(drain(store_->prefixScan("")).size(), 11u);
  const auto entries = drain(store_->prefixScan("ac"));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], (KeyValue{"ac", "vac"}));
}

TEST_P(KeyValueStoreTest, ApproximateNumEntries) {
  for (int i = 0; i < 100; ++i) KS_ASSERT_OK(store_->put("key" + std::to_string(i), "v"));
  // Distinct fresh keys: RocksDB's estimate is exact here too.
  EXPECT_EQ(valueOf(store_->approximateNumEntries()), 100);
}

TEST_P(KeyValueStoreTest, PeekNextKeyDoesNotAdvance) {
  putAll({"a", "b"});
  auto it = valueOf(store_->all());
  ASSERT_TRUE(it->hasNext());
  EXPECT_EQ(it->peekNextKey(), "a");
  EXPECT_EQ(it->peekNextKey(), "a");
  EXPECT_EQ(it->next(), (KeyValue{"a", "va"}));
  EXPECT_EQ(it->peekNextKey(), "b");
  EXPECT_EQ(it->next().key, "b");
  EXPECT_FALSE(it->hasNext());
  EXPECT_EQ(it->peekNextKey(), "");
  EXPECT_EQ(it->next(), KeyValue{});
  KS_EXPECT_OK(it->status());
}

TEST_P(KeyValueStoreTest, IteratorIsStableWhileTheStoreIsWritten) {
  putAll({"a", "b", "c", "d", "e"});
  auto forward = valueOf(store_->all());
  auto backward = valueOf(store_->reverseRange("a", "e"));
  ASSERT_TRUE(forward->hasNext());
  EXPECT_EQ(forward->next().key, "a");
  EXPECT_EQ(backward->next().key, "e");
  KS_ASSERT_OK(store_->put("c", "changed"));
  KS_ASSERT_OK(store_->put("bb", "new"));
  ASSERT_TRUE(valueOf(store_->remove("d")).has_value());
  KS_ASSERT_OK(store_->putAll({{"e", Opt()}, {"aa", "new"}}));
  std::vector<KeyValue> rest;
  while (forward->hasNext()) rest.push_back(forward->next());
  EXPECT_THAT(rest, ElementsAre(KeyValue{"b", "vb"}, KeyValue{"c", "vc"}, KeyValue{"d", "vd"},
                                KeyValue{"e", "ve"}));
  std::vector<std::string> back;
  while (backward->hasNext()) back.push_back(backward->next().key);
  EXPECT_THAT(back, ElementsAre("d", "c", "b", "a"));
  // A new iterator sees the writes.
  EXPECT_THAT(keysOf(drain(store_->all())), ElementsAre("a", "aa", "b", "bb", "c"));
}

TEST_P(KeyValueStoreTest, ConcurrentReadersWhileTheOwnerWrites) {
  constexpr int kKeys = 2000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        // Every value a reader sees is one the owner wrote for that key.
        for (int i = 0; i < kKeys; i += 97) {
          const std::string key = "k" + std::to_string(i);
          auto v = store_->get(key);
          if (!v.ok() || (v->has_value() && **v != "v" + key)) ++bad;
        }
        auto it = store_->range("k1", "k5");
        if (!it.ok()) {
          ++bad;
          continue;
        }
        while ((*it)->hasNext()) {
          KeyValue kv = (*it)->next();
          if (kv.value != "v" + kv.key) ++bad;
        }
        if (!store_->approximateNumEntries().ok()) ++bad;
      }
    });
  }
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "k" + std::to_string(i);
    KS_ASSERT_OK(store_->put(key, "v" + key));
    if (i % 100 == 0) KS_ASSERT_OK(store_->putAll({{key + "x", "v" + key + "x"}}));
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_P(KeyValueStoreTest, ClosedStoreRefusesCalls) {
  KS_ASSERT_OK(store_->put("k", "v"));
  KS_ASSERT_OK(store_->close());
  EXPECT_FALSE(store_->isOpen());
  EXPECT_EQ(store_->get("k").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->put("k", "v").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->all().status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->approximateNumEntries().status().code(), absl::StatusCode::kFailedPrecondition);
  KS_EXPECT_OK(store_->close());  // idempotent
}

TEST_P(KeyValueStoreTest, RestoreBatchAppliesRecordsAndCheckpoint) {
  EXPECT_EQ(store_->checkpointedOffset(), std::nullopt);
  KS_ASSERT_OK(store_->put("stale", "x"));
  KS_ASSERT_OK(store_->restoreBatch({{"a", "1"}, {"b", "2"}, {"stale", Opt()}, {"a", "3"}}, 41));
  EXPECT_EQ(get("a"), "3");
  EXPECT_EQ(get("b"), "2");
  EXPECT_EQ(get("stale"), "<absent>");
  EXPECT_EQ(store_->checkpointedOffset(), 41);
  KS_ASSERT_OK(store_->writeCheckpoint(50));
  EXPECT_EQ(store_->checkpointedOffset(), 50);
  KS_ASSERT_OK(store_->putAllWithCheckpoint({{"c", "4"}}, 60));
  EXPECT_EQ(get("c"), "4");
  EXPECT_EQ(store_->checkpointedOffset(), 60);
  // The checkpoint is not an entry.
  EXPECT_THAT(keysOf(drain(store_->all())), ElementsAre("a", "b", "c"));
  // RocksDB's estimate counts the overwrite of "a" until a compaction merges it.
  const int64_t estimate = valueOf(store_->approximateNumEntries());
  if (GetParam() == Kind::kInMemory) {
    EXPECT_EQ(estimate, 3);
  } else {
    EXPECT_GE(estimate, 3);
    EXPECT_LE(estimate, 5);
  }
}

// --- The change-logging wrapper, over both kinds -------------------------------------------

class RecordingLogger : public ChangeLogger {
 public:
  absl::Status logChange(std::string_view key, std::optional<std::string_view> value) override {
    changes.emplace_back(std::string(key), value ? Opt(std::string(*value)) : Opt());
    return next_status;
  }
  KeyValueChanges changes;
  absl::Status next_status;
};

TEST_P(KeyValueStoreTest, ChangeLoggingLogsWritesInOrder) {
  RecordingLogger logger;
  ChangeLoggingKeyValueStore logged(makeStore(GetParam(), "logged"));
  StateStoreContext ctx = context();
  ctx.store_dir = dir_.path() / "0_0" / "logged";
  ctx.change_logger = &logger;
  KS_ASSERT_OK(logged.init(ctx));

  KS_ASSERT_OK(logged.put("a", "1"));
  EXPECT_EQ(valueOf(logged.putIfAbsent("b", "2")), std::nullopt);
  EXPECT_THAT(valueOf(logged.putIfAbsent("a", "other")), Optional(std::string("1")));  // no log
  KS_ASSERT_OK(logged.putAll({{"c", "3"}, {"a", Opt()}}));
  EXPECT_THAT(valueOf(logged.remove("b")), Optional(std::string("2")));
  EXPECT_EQ(valueOf(logged.remove("missing")), std::nullopt);  // still a tombstone, like Java
  KS_ASSERT_OK(logged.putAllWithCheckpoint({{"d", "4"}}, 7));
  // Restoration and checkpoints are not logged: the records came from the changelog.
  KS_ASSERT_OK(logged.restoreBatch({{"e", "5"}}, 8));
  KS_ASSERT_OK(logged.writeCheckpoint(9));

  EXPECT_THAT(
      logger.changes,
      ElementsAre(KeyValueChange{"a", "1"}, KeyValueChange{"b", "2"}, KeyValueChange{"c", "3"},
                  KeyValueChange{"a", Opt()}, KeyValueChange{"b", Opt()},
                  KeyValueChange{"missing", Opt()}, KeyValueChange{"d", "4"}));
  EXPECT_EQ(logged.inner().checkpointedOffset(), 9);
  EXPECT_EQ(valueOf(logged.inner().get("e")), Opt("5"));
  EXPECT_THAT(keysOf(drain(logged.all())), ElementsAre("c", "d", "e"));

  // A logger failure fails the write (the store was written first).
  logger.next_status = absl::UnavailableError("producer fenced");
  EXPECT_EQ(logged.put("f", "6").code(), absl::StatusCode::kUnavailable);
  KS_EXPECT_OK(logged.close());
}

TEST_P(KeyValueStoreTest, ChangeLoggingNeedsALogger) {
  ChangeLoggingKeyValueStore logged(makeStore(GetParam(), "logged"));
  StateStoreContext ctx = context();
  ctx.store_dir = dir_.path() / "0_0" / "logged";
  EXPECT_EQ(logged.init(ctx).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(logged.isOpen());
}

// --- RocksDB only ---------------------------------------------------------------------------

class RocksDbStoreTest : public ::testing::Test {
 protected:
  std::filesystem::path storeDir() const { return dir_.path() / "app" / "0_1" / "counts"; }
  absl::StatusOr<std::unique_ptr<RocksDbKeyValueStore>> open() {
    return RocksDbKeyValueStore::open("counts", storeDir(), resources_);
  }

  TempDir dir_;
  std::shared_ptr<RocksDbResources> resources_ = smallResources();
};

TEST_F(RocksDbStoreTest, ReopenKeepsData) {
  {
    auto store = valueOf(open());
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->wasCreated());
    EXPECT_EQ(store->directory(), storeDir());
    KS_ASSERT_OK(store->put("a", "1"));
    KS_ASSERT_OK(store->putAll({{"b", "2"}, {"c", "3"}, {"b", Opt()}}));
    KS_ASSERT_OK(store->flush());
    KS_ASSERT_OK(store->put("d", "4"));  // not flushed: close() writes the WAL
    KS_ASSERT_OK(store->close());
  }
  auto store = valueOf(open());
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->wasCreated());
  EXPECT_THAT(drain(store->all()),
              ElementsAre(KeyValue{"a", "1"}, KeyValue{"c", "3"}, KeyValue{"d", "4"}));
  EXPECT_EQ(store->checkpointedOffset(), std::nullopt);
}

TEST_F(RocksDbStoreTest, InitOpensTheContextDirectory) {
  RocksDbKeyValueStore store("counts");
  EXPECT_FALSE(store.isOpen());
  StateStoreContext ctx;
  ctx.store_dir = storeDir();
  ctx.rocksdb_resources = resources_;
  KS_ASSERT_OK(store.init(ctx));
  EXPECT_TRUE(store.isOpen());
  EXPECT_TRUE(std::filesystem::exists(storeDir() / "CURRENT"));
  EXPECT_EQ(store.init(ctx).code(), absl::StatusCode::kFailedPrecondition);  // already open
}

TEST_F(RocksDbStoreTest, CheckpointSurvivesReopenWithItsData) {
  {
    auto store = valueOf(open());
    ASSERT_NE(store, nullptr);
    KS_ASSERT_OK(store->restoreBatch({{"a", "1"}, {"b", "2"}}, 99));
    KS_ASSERT_OK(store->putAllWithCheckpoint({{"c", "3"}, {"a", Opt()}}, 120));
    KS_ASSERT_OK(store->close());
  }
  auto store = valueOf(open());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->checkpointedOffset(), 120);
  EXPECT_THAT(keysOf(drain(store->all())), ElementsAre("b", "c"));
  KS_ASSERT_OK(store->writeCheckpoint(int64_t{1} << 40));
  KS_ASSERT_OK(store->close());
  store = valueOf(open());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->checkpointedOffset(), int64_t{1} << 40);
}

// A crash, simulated by a child process that writes and dies without closing the store. The
// "threadsafe" death-test style re-executes the test binary, so the child learns the directory
// from an environment variable instead of making its own (and leaves no temp dir behind).
TEST(RocksDbCrashTest, CrashKeepsDataAndCheckpointTogether) {
  constexpr char kDirVariable[] = "KSTREAMS_STATE_CRASH_TEST_DIR";
  std::optional<TempDir> dir;
  std::filesystem::path store_dir;
  if (const char* inherited = std::getenv(kDirVariable); inherited != nullptr) {
    store_dir = inherited;  // we are the re-executed child
  } else {
    dir.emplace();
    store_dir = dir->path() / "counts";
    setenv(kDirVariable, store_dir.c_str(), 1);
  }
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto store = RocksDbKeyValueStore::open("counts", store_dir, smallResources());
        if (!store.ok()) _exit(2);
        if (!(*store)->restoreBatch({{"a", "1"}, {"b", "2"}}, 7).ok()) _exit(3);
        if (!(*store)->flush().ok()) _exit(4);  // the commit
        // After the commit: data and checkpoint in one batch, not flushed; then the crash.
        if (!(*store)->putAllWithCheckpoint({{"c", "3"}}, 8).ok()) _exit(5);
        _exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  unsetenv(kDirVariable);
  auto store = valueOf(RocksDbKeyValueStore::open("counts", store_dir, smallResources()));
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->wasCreated());
  EXPECT_EQ(valueOf(store->get("a")), Opt("1"));
  EXPECT_EQ(valueOf(store->get("b")), Opt("2"));
  // The last batch survived whole or not at all.
  const bool has_c = valueOf(store->get("c")).has_value();
  EXPECT_EQ(store->checkpointedOffset(), has_c ? 8 : 7);
  // With the WAL buffered (manual_wal_flush) the uncommitted batch is normally lost.
  RecordProperty("uncommitted_batch_survived", has_c ? "yes" : "no");
}

TEST_F(RocksDbStoreTest, MissingDirectoryMakesAFreshStore) {
  ASSERT_FALSE(std::filesystem::exists(storeDir().parent_path()));
  auto store = valueOf(open());
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->wasCreated());
  EXPECT_EQ(store->checkpointedOffset(), std::nullopt);  // restore from the beginning
}

TEST_F(RocksDbStoreTest, CorruptDirectoryIsDetectedAndWiped) {
  // Files but no CURRENT: not a store we can trust.
  std::filesystem::create_directories(storeDir());
  std::ofstream(storeDir() / "000012.sst") << "junk";
  EXPECT_EQ(open().status().code(), absl::StatusCode::kDataLoss) << open().status();
  KS_ASSERT_OK(RocksDbKeyValueStore::wipe(storeDir()));
  EXPECT_FALSE(std::filesystem::exists(storeDir()));
  {
    auto store = valueOf(open());
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->wasCreated());
    KS_ASSERT_OK(store->restoreBatch({{"a", "1"}}, 5));
  }
  // A CURRENT naming a MANIFEST that does not exist.
  std::ofstream(storeDir() / "CURRENT", std::ios::trunc) << "MANIFEST-999999\n";
  absl::Status s = open().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  KS_ASSERT_OK(RocksDbKeyValueStore::wipe(storeDir()));
  {
    auto store = valueOf(open());
    ASSERT_NE(store, nullptr);
    KS_ASSERT_OK(store->put("a", "1"));
  }
  // A garbage CURRENT.
  std::ofstream(storeDir() / "CURRENT", std::ios::trunc) << "\x01\x02garbage";
  s = open().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  // A garbage MANIFEST.
  KS_ASSERT_OK(RocksDbKeyValueStore::wipe(storeDir()));
  {
    auto store = valueOf(open());
    ASSERT_NE(store, nullptr);
    KS_ASSERT_OK(store->put("a", "1"));
  }
  for (const auto& entry : std::filesystem::directory_iterator(storeDir())) {
    if (entry.path().filename().string().rfind("MANIFEST-", 0) == 0) {
      std::ofstream(entry.path(), std::ios::trunc) << std::string(200, '\x5a');
    }
  }
  s = open().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  // A file where the directory should be.
  KS_ASSERT_OK(RocksDbKeyValueStore::wipe(storeDir()));
  std::ofstream(storeDir()) << "not a directory";
  EXPECT_EQ(open().status().code(), absl::StatusCode::kDataLoss);
  KS_ASSERT_OK(RocksDbKeyValueStore::wipe(storeDir()));
  EXPECT_NE(valueOf(open()), nullptr);
}

TEST_F(RocksDbStoreTest, WipeRefusesRootsAndToleratesMissingDirs) {
  EXPECT_EQ(RocksDbKeyValueStore::wipe("").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RocksDbKeyValueStore::wipe("/").code(), absl::StatusCode::kInvalidArgument);
  KS_EXPECT_OK(RocksDbKeyValueStore::wipe(dir_.path() / "does-not-exist"));
}

TEST_F(RocksDbStoreTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  auto first = valueOf(open());
  ASSERT_NE(first, nullptr);
  absl::Status s = open().status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
}

TEST_F(RocksDbStoreTest, BadNamesAreRejected) {
  for (const char* name : {"", ".", "..", "a/b"}) {
    EXPECT_EQ(RocksDbKeyValueStore::open(name, storeDir(), resources_).status().code(),
              absl::StatusCode::kInvalidArgument)
        << name;
  }
}

TEST_F(RocksDbStoreTest, CloseEndsOpenIterators) {
  auto store = valueOf(open());
  ASSERT_NE(store, nullptr);
  KS_ASSERT_OK(store->putAll({{"a", "1"}, {"b", "2"}}));
  auto it = valueOf(store->all());
  ASSERT_TRUE(it->hasNext());
  EXPECT_EQ(it->next().key, "a");
  // Another thread may hold an iterator while the owner closes the store.
  KS_ASSERT_OK(store->close());
  EXPECT_FALSE(it->hasNext());
  EXPECT_EQ(it->status().code(), absl::StatusCode::kFailedPrecondition);
  it.reset();  // after close: must not touch the closed DB
  store.reset();
}

TEST_F(RocksDbStoreTest, CloseWaitsForConcurrentReaders) {
  auto store = valueOf(open());
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 1000; ++i) KS_ASSERT_OK(store->put("k" + std::to_string(i), "v"));
  std::atomic<bool> stop{false};
  std::atomic<int> unexpected{0};
  std::atomic<int> rounds{0};
  std::thread reader([&] {
    for (; !stop.load(); rounds.fetch_add(1)) {
      auto v = store->get("k1");
      if (!v.ok() && v.status().code() != absl::StatusCode::kFailedPrecondition) ++unexpected;
      auto it = store->all();
      if (it.ok()) {
        while ((*it)->hasNext()) (*it)->next();
        const auto code = (*it)->status().code();
        if (code != absl::StatusCode::kOk && code != absl::StatusCode::kFailedPrecondition) {
          ++unexpected;
        }
      }
    }
  });
  // Close while the reader is mid-way, then let it read the closed store a few times.
  auto waitForRounds = [&](int n) {
    const int target = rounds.load() + n;
    while (rounds.load() < target) std::this_thread::yield();
  };
  waitForRounds(3);
  KS_EXPECT_OK(store->close());
  waitForRounds(3);
  stop = true;
  reader.join();
  EXPECT_EQ(unexpected.load(), 0);
}

TEST_F(RocksDbStoreTest, StoresShareOneBlockCacheAndWriteBufferManager) {
  std::map<std::string, const void*> caches;
  std::map<std::string, const void*> managers;
  RocksDbMemoryConfig config;
  config.block_cache_bytes = 16 << 20;
  config.write_buffer_bytes = 4 << 20;
  config.config_setter = [&](const std::string& store, RocksDbOptions& options) {
    caches[store] = options.tableOptions().block_cache.get();
    managers[store] = options.options().write_buffer_manager.get();
  };
  auto resources = valueOf(RocksDbResources::create(config));
  ASSERT_NE(resources, nullptr);
  EXPECT_EQ(resources->blockCacheCapacity(), 16 << 20);
  const int64_t before = resources->blockCacheUsage();

  auto a = valueOf(RocksDbKeyValueStore::open("a", dir_.path() / "a", resources));
  auto b = valueOf(RocksDbKeyValueStore::open("b", dir_.path() / "b", resources));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const void* shared = sharedBlockCache(*resources).get();
  EXPECT_EQ(caches["a"], shared);
  EXPECT_EQ(caches["b"], shared);
  EXPECT_EQ(managers["a"], managers["b"]);
  EXPECT_NE(managers["a"], nullptr);

  const std::string value(100, 'x');
  for (int i = 0; i < 2000; ++i) {
    KS_ASSERT_OK(a->put("a" + std::to_string(i), value));
    KS_ASSERT_OK(b->put("b" + std::to_string(i), value));
  }
  // Both stores' memtables count in the one write buffer manager, which charges the one cache.
  EXPECT_GT(resources->writeBufferUsage(), 0);
  const int64_t usage = resources->blockCacheUsage();
  EXPECT_GT(usage, before);
  EXPECT_EQ(a->property("rocksdb.block-cache-usage"), static_cast<uint64_t>(usage));
  EXPECT_EQ(b->property("rocksdb.block-cache-usage"), static_cast<uint64_t>(usage));
  EXPECT_EQ(a->property("rocksdb.block-cache-capacity"), uint64_t{16} << 20);
  EXPECT_EQ(a->property("rocksdb.no-such-property"), std::nullopt);
}

TEST_F(RocksDbStoreTest, ConfigSetterCanTuneOneStore) {
  std::vector<std::string> seen;
  RocksDbMemoryConfig config;
  config.block_cache_bytes = 8 << 20;
  config.write_buffer_bytes = 2 << 20;
  config.config_setter = [&](const std::string& store, RocksDbOptions& options) {
    seen.push_back(store);
    EXPECT_EQ(options.options().write_buffer_size, size_t{16} << 20);  // the default
    EXPECT_TRUE(options.writeOptions().disableWAL == false);
    if (store == "tuned") options.options().write_buffer_size = 1 << 20;
  };
  auto resources = valueOf(RocksDbResources::create(config));
  auto tuned = valueOf(RocksDbKeyValueStore::open("tuned", dir_.path() / "t", resources));
  auto plain = valueOf(RocksDbKeyValueStore::open("plain", dir_.path() / "p", resources));
  EXPECT_THAT(seen, ElementsAre("tuned", "plain"));
}

TEST(RocksDbResourcesTest, ValidatesTheBudget) {
  RocksDbMemoryConfig config;
  KS_EXPECT_OK(config.validate());
  config.write_buffer_bytes = config.block_cache_bytes;
  EXPECT_EQ(RocksDbResources::create(config).status().code(), absl::StatusCode::kInvalidArgument);
  config.write_buffer_bytes = 0;
  EXPECT_EQ(config.validate().code(), absl::StatusCode::kInvalidArgument);
  config = RocksDbMemoryConfig{};
  config.block_cache_bytes = -1;
  EXPECT_EQ(config.validate().code(), absl::StatusCode::kInvalidArgument);
  config = RocksDbMemoryConfig{};
  config.high_priority_pool_ratio = 1.0;
  EXPECT_EQ(config.validate().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RocksDbResources::processDefault(), RocksDbResources::processDefault());
  EXPECT_EQ(RocksDbResources::processDefault()->blockCacheCapacity(), int64_t{64} << 20);
}

// --- Builders ---------------------------------------------------------------------------

TEST(StoresTest, BuilderRemembersFlagsWithKafkaDefaults) {
  auto builder = Stores::keyValueStoreBuilder(Stores::persistentKeyValueStore("counts"));
  EXPECT_EQ(builder.name(), "counts");
  EXPECT_TRUE(builder.loggingEnabled());
  EXPECT_FALSE(builder.cachingEnabled());
  EXPECT_EQ(builder.supplier().metricsScope(), "rocksdb");

  auto configured = Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("mem"))
                        .withLoggingEnabled({{"retention.ms", "1000"}})
                        .withCachingEnabled();
  EXPECT_TRUE(configured.loggingEnabled());
  EXPECT_TRUE(configured.cachingEnabled());
  EXPECT_EQ(configured.logConfig().at("retention.ms"), "1000");
  EXPECT_EQ(configured.supplier().metricsScope(), "in-memory");
  configured.withLoggingDisabled().withCachingDisabled();
  EXPECT_FALSE(configured.loggingEnabled());
  EXPECT_FALSE(configured.cachingEnabled());
  EXPECT_TRUE(configured.logConfig().empty());
}

TEST(StoresTest, BuildStacksChangeLoggingWhenEnabled) {
  TempDir dir;
  RecordingLogger logger;
  StateStoreContext ctx;
  ctx.store_dir = dir.path() / "0_0" / "counts";
  ctx.rocksdb_resources = smallResources();
  ctx.change_logger = &logger;

  auto logged = Stores::keyValueStoreBuilder(Stores::persistentKeyValueStore("counts")).build();
  ASSERT_NE(dynamic_cast<ChangeLoggingKeyValueStore*>(logged.get()), nullptr);
  EXPECT_TRUE(logged->persistent());
  KS_ASSERT_OK(logged->init(ctx));
  KS_ASSERT_OK(logged->put("k", "v"));
  EXPECT_THAT(logger.changes, ElementsAre(KeyValueChange{"k", "v"}));

  auto plain = Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("mem"))
                   .withLoggingDisabled()
                   .build();
  EXPECT_NE(dynamic_cast<InMemoryKeyValueStore*>(plain.get()), nullptr);
  EXPECT_FALSE(plain->persistent());
  KS_ASSERT_OK(plain->init({}));
  KS_ASSERT_OK(plain->put("k", "v"));
  EXPECT_EQ(logger.changes.size(), 1u);

  // Each build() is a new store (one per task).
  auto supplier = Stores::inMemoryKeyValueStore("mem");
  EXPECT_NE(supplier->get().get(), supplier->get().get());
}

}  // namespace
}  // namespace kstreams::state
