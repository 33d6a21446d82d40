// Byte-level window and session stores: Kafka Streams' binary key layouts (exact bytes), one
// suite run against the RocksDB-segmented and the in-memory implementations (put, fetch, ranges,
// backward, retention, duplicates, sessions), what only RocksDB does (segment directories,
// dropping whole segments, reopen with a checkpoint) and the change-logging layers.
#include "kstreams/state/window_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/state/change_logger.h"
#include "kstreams/state/change_logging_window_store.h"
#include "kstreams/state/rocksdb_resources.h"
#include "kstreams/state/segmented_bytes_store.h"
#include "kstreams/state/store_builders.h"
#include "kstreams/state/window_key_schema.h"
#include "state_test_util.h"

namespace kstreams::state {
namespace {

using ::kstreams::state::testing::drain;
using ::kstreams::state::testing::TempDir;
using ::kstreams::state::testing::valueOf;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b) out.push_back(static_cast<char>(c));
  return out;
}

// (timestamp, value) of window store entries.
std::vector<std::pair<int64_t, std::string>> windows(const std::vector<KeyValue>& entries) {
  std::vector<std::pair<int64_t, std::string>> out;
  for (const auto& kv : entries) {
    out.emplace_back(WindowKeySchema::extractStoreTimestamp(kv.key), kv.value);
  }
  return out;
}

// "key@ts=value" of window store entries.
std::vector<std::string> described(const std::vector<KeyValue>& entries) {
  std::vector<std::string> out;
  for (const auto& kv : entries) {
    out.push_back(std::string(WindowKeySchema::extractStoreKeyBytes(kv.key)) + "@" +
                  std::to_string(WindowKeySchema::extractStoreTimestamp(kv.key)) + "=" + kv.value);
  }
  return out;
}

// "key[start,end]=value" of session store entries.
std::vector<std::string> sessions(const std::vector<KeyValue>& entries) {
  std::vector<std::string> out;
  for (const auto& kv : entries) {
    out.push_back(std::string(SessionKeySchema::extractKeyBytes(kv.key)) + "[" +
                  std::to_string(SessionKeySchema::extractStartTimestamp(kv.key)) + "," +
                  std::to_string(SessionKeySchema::extractEndTimestamp(kv.key)) + "]=" + kv.value);
  }
  return out;
}

TEST(WindowKeySchemaTest, WindowStoreKeyIsKeyThenStartThenSequenceBigEndian) {
  EXPECT_EQ(WindowKeySchema::toStoreKeyBinary("ab", 0x0102030405060708, 0x0a0b0c0d),
            bytes({'a', 'b', 1, 2, 3, 4, 5, 6, 7, 8, 0x0a, 0x0b, 0x0c, 0x0d}));
  const std::string k = WindowKeySchema::toStoreKeyBinary("user", 60000, 7);
  EXPECT_EQ(k, "user" + bytes({0, 0, 0, 0, 0, 0, 0xea, 0x60, 0, 0, 0, 7}));
  EXPECT_EQ(WindowKeySchema::extractStoreKeyBytes(k), "user");
  EXPECT_EQ(WindowKeySchema::extractStoreTimestamp(k), 60000);
  EXPECT_EQ(WindowKeySchema::extractStoreSequence(k), 7);
  // TimeWindowedSerializer's layout: no sequence number.
  EXPECT_EQ(WindowKeySchema::toBinary("user", 60000),
            "user" + bytes({0, 0, 0, 0, 0, 0, 0xea, 0x60}));
}

TEST(WindowKeySchemaTest, SessionKeyIsKeyThenEndThenStartBigEndian) {
  const std::string k = SessionKeySchema::toBinary("k", /*start=*/5, /*end=*/0x0100);
  EXPECT_EQ(k, "k" + bytes({0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5}));
  EXPECT_EQ(SessionKeySchema::extractKeyBytes(k), "k");
  EXPECT_EQ(SessionKeySchema::extractStartTimestamp(k), 5);
  EXPECT_EQ(SessionKeySchema::extractEndTimestamp(k), 0x0100);
}

TEST(SegmentedStoreTest, SegmentIntervalIsJavas) {
  EXPECT_EQ(defaultSegmentInterval(3'600'000), 1'800'000);
  EXPECT_EQ(defaultSegmentInterval(60'000), 60'000);
  EXPECT_EQ(defaultSegmentInterval(0), 60'000);
}

TEST(SegmentedStoreTest, SuppliersCheckTheirArguments) {
  EXPECT_FALSE(Stores::persistentWindowStore("w", 1000, 2000, false).ok());
  EXPECT_FALSE(Stores::persistentWindowStore("w", -1, 0, false).ok());
  EXPECT_FALSE(Stores::inMemoryWindowStore("w", 10, -1, false).ok());
  EXPECT_FALSE(Stores::persistentSessionStore("s", -1).ok());
  auto ok = Stores::persistentWindowStore("w", 600'000, 60'000, true);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->segmentIntervalMs(), 300'000);
  EXPECT_EQ((*ok)->windowSize(), 60'000);
  EXPECT_TRUE((*ok)->retainDuplicates());
}

enum class Kind { kRocksDb, kInMemory };

std::string kindName(const ::testing::TestParamInfo<Kind>& info) {
  return info.param == Kind::kRocksDb ? "RocksDb" : "InMemory";
}

std::shared_ptr<RocksDbResources> smallResources() {
  RocksDbMemoryConfig config;
  config.block_cache_bytes = 8 << 20;
  config.write_buffer_bytes = 4 << 20;
  return valueOf(RocksDbResources::create(std::move(config)));
}

class WindowStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  // Retention 10 min, window 1 min: segment interval 5 min.
  std::unique_ptr<SegmentedWindowStore> make(bool retain_duplicates = false,
                                             int64_t retention = 600'000) {
    auto s = SegmentedWindowStore::create("win", retention, 60'000, retain_duplicates,
                                          GetParam() == Kind::kRocksDb);
    EXPECT_TRUE(s.ok()) << s.status();
    auto store = *std::move(s);
    EXPECT_TRUE(store->init(context()).ok());
    return store;
  }
  StateStoreContext context() {
    StateStoreContext ctx;
    ctx.store_dir = dir_.path() / "0_0" / "win";
    ctx.rocksdb_resources = resources_;
    return ctx;
  }

  TempDir dir_;
  std::shared_ptr<RocksDbResources> resources_ = smallResources();
};

INSTANTIATE_TEST_SUITE_P(Kinds, WindowStoreTest, ::testing::Values(Kind::kRocksDb, Kind::kInMemory),
                         kindName);

TEST_P(WindowStoreTest, PutFetchAndDelete) {
  auto ws = make();
  KS_ASSERT_OK(ws->putWindow("a", "1", 0));
  KS_ASSERT_OK(ws->putWindow("a", "2", 60'000));
  KS_ASSERT_OK(ws->putWindow("b", "3", 60'000));
  EXPECT_THAT(valueOf(ws->fetch("a", 0)), Optional(std::string("1")));
  EXPECT_THAT(valueOf(ws->fetch("a", 60'000)), Optional(std::string("2")));
  EXPECT_EQ(valueOf(ws->fetch("a", 120'000)), std::nullopt);
  // The KeyValueStore view holds the binary keys.
  EXPECT_THAT(valueOf(ws->get(WindowKeySchema::toStoreKeyBinary("b", 60'000, 0))),
              Optional(std::string("3")));
  // Overwrite, then delete with a null value.
  KS_ASSERT_OK(ws->putWindow("a", "22", 60'000));
  EXPECT_THAT(valueOf(ws->fetch("a", 60'000)), Optional(std::string("22")));
  KS_ASSERT_OK(ws->putWindow("a", std::nullopt, 60'000));
  EXPECT_EQ(valueOf(ws->fetch("a", 60'000)), std::nullopt);
}

TEST_P(WindowStoreTest, FetchOneKeyByTimeForwardAndBackward) {
  auto ws = make();
  for (int64_t t : {0, 60'000, 120'000, 180'000}) {
    KS_ASSERT_OK(ws->putWindow("a", "a" + std::to_string(t / 60'000), t));
    KS_ASSERT_OK(ws->putWindow("aa", "x", t));  // a longer key with "a" as prefix
  }
  EXPECT_THAT(windows(drain(ws->fetch("a", 60'000, 120'000))),
              ElementsAre(std::pair<int64_t, std::string>{60'000, "a1"},
                          std::pair<int64_t, std::string>{120'000, "a2"}));
  EXPECT_THAT(windows(drain(ws->backwardFetch("a", 0, 180'000))),
              ElementsAre(std::pair<int64_t, std::string>{180'000, "a3"},
                          std::pair<int64_t, std::string>{120'000, "a2"},
                          std::pair<int64_t, std::string>{60'000, "a1"},
                          std::pair<int64_t, std::string>{0, "a0"}));
  EXPECT_THAT(drain(ws->fetch("a", 200'000, 100'000)), IsEmpty());
  EXPECT_THAT(drain(ws->fetch("zz", 0, 180'000)), IsEmpty());
}

TEST_P(WindowStoreTest, KeyRangesFetchAllAndAll) {
  auto ws = make();
  KS_ASSERT_OK(ws->putWindow("a", "1", 0));
  KS_ASSERT_OK(ws->putWindow("b", "2", 0));
  KS_ASSERT_OK(ws->putWindow("c", "3", 0));
  KS_ASSERT_OK(ws->putWindow("b", "4", 60'000));
  KS_ASSERT_OK(ws->putWindow("a", "5", 360'000));  // the next segment (5 min interval)
  EXPECT_THAT(described(drain(ws->fetch(std::optional<std::string_view>("a"),
                                        std::optional<std::string_view>("b"), 0, 60'000))),
              ElementsAre("a@0=1", "b@0=2", "b@60000=4"));
  EXPECT_THAT(described(drain(ws->backwardFetch(std::optional<std::string_view>("b"),
                                                std::optional<std::string_view>("c"), 0, 60'000))),
              ElementsAre("c@0=3", "b@60000=4", "b@0=2"));
  EXPECT_THAT(drain(ws->fetch(std::optional<std::string_view>("c"),
                              std::optional<std::string_view>("a"), 0, 60'000)),
              IsEmpty());
  EXPECT_THAT(described(drain(ws->fetchAll(60'000, 360'000))),
              ElementsAre("b@60000=4", "a@360000=5"));
  EXPECT_THAT(described(drain(ws->backwardFetchAll(0, 60'000))),
              ElementsAre("c@0=3", "b@60000=4", "b@0=2", "a@0=1"));
  // Segment by segment, by key bytes within a segment (as Java's RocksDB window store).
  EXPECT_THAT(described(drain(ws->fetchAllWindows())),
              ElementsAre("a@0=1", "b@0=2", "b@60000=4", "c@0=3", "a@360000=5"));
  EXPECT_THAT(described(drain(ws->backwardFetchAllWindows())),
              ElementsAre("a@360000=5", "c@0=3", "b@60000=4", "b@0=2", "a@0=1"));
  EXPECT_EQ(described(drain(ws->all())), described(drain(ws->fetchAllWindows())));
}

TEST_P(WindowStoreTest, RetentionDropsOldWindowsAndHidesExpiredOnes) {
  auto ws = make();  // retention 10 min, segments of 5 min
  KS_ASSERT_OK(ws->putWindow("a", "old", 0));
  KS_ASSERT_OK(ws->putWindow("a", "mid", 300'000));
  KS_ASSERT_OK(ws->putWindow("a", "new", 900'000));  // stream time 15 min: live from 5 min + 1 ms
  EXPECT_EQ(ws->observedStreamTime(), 900'000);
  EXPECT_THAT(windows(drain(ws->fetch("a", 0, 1'000'000))),
              ElementsAre(std::pair<int64_t, std::string>{900'000, "new"}));
  EXPECT_EQ(valueOf(ws->fetch("a", 0)), std::nullopt);
  EXPECT_EQ(valueOf(ws->fetch("a", 300'000)), std::nullopt);
  // A put into an expired segment is dropped and counted.
  KS_ASSERT_OK(ws->putWindow("b", "late", 60'000));
  EXPECT_EQ(ws->droppedExpiredRecords(), 1);
  EXPECT_THAT(drain(ws->fetch("b", 0, 1'000'000)), IsEmpty());
  // Segment 0 ([0, 5 min)) is gone whole.
  for (int64_t id : ws->segmentIds()) EXPECT_GE(id, 1);
}

TEST_P(WindowStoreTest, RetainDuplicatesKeepsEveryPutWithItsOwnSequenceNumber) {
  auto ws = make(/*retain_duplicates=*/true);
  std::string k1, k2;
  KS_ASSERT_OK(ws->putWindow("a", "x", 1000, &k1));
  KS_ASSERT_OK(ws->putWindow("a", "y", 1000, &k2));
  EXPECT_EQ(k1, WindowKeySchema::toStoreKeyBinary("a", 1000, 1));
  EXPECT_EQ(k2, WindowKeySchema::toStoreKeyBinary("a", 1000, 2));
  // A delete is a no-op in a store of duplicates.
  std::string k3 = "unchanged";
  KS_ASSERT_OK(ws->putWindow("a", std::nullopt, 1000, &k3));
  EXPECT_TRUE(k3.empty());
  EXPECT_THAT(windows(drain(ws->fetch("a", 0, 2000))),
              ElementsAre(std::pair<int64_t, std::string>{1000, "x"},
                          std::pair<int64_t, std::string>{1000, "y"}));
}

TEST_P(WindowStoreTest, RestoreRaisesStreamTimeAndCheckpoints) {
  auto ws = make();
  KeyValueChanges records = {
      {WindowKeySchema::toStoreKeyBinary("a", 0, 0), std::string("old")},
      {WindowKeySchema::toStoreKeyBinary("a", 900'000, 0), std::string("new")},
      {WindowKeySchema::toStoreKeyBinary("b", 900'000, 0), std::string("gone")},
      {WindowKeySchema::toStoreKeyBinary("b", 900'000, 0), std::nullopt},
  };
  KS_ASSERT_OK(ws->restoreBatch(records, 41));
  EXPECT_EQ(ws->checkpointedOffset(), std::optional<int64_t>(41));
  EXPECT_EQ(ws->observedStreamTime(), 900'000);
  EXPECT_THAT(described(drain(ws->fetchAllWindows())), ElementsAre("a@900000=new"));
}

TEST_P(WindowStoreTest, ReadersSeeASnapshot) {
  auto ws = make();
  KS_ASSERT_OK(ws->putWindow("a", "1", 0));
  auto it = ws->fetch("a", 0, 100'000);
  ASSERT_TRUE(it.ok());
  KS_ASSERT_OK(ws->putWindow("a", "2", 60'000));
  std::vector<KeyValue> seen;
  while ((*it)->hasNext()) seen.push_back((*it)->next());
  EXPECT_THAT(described(seen), ElementsAre("a@0=1"));
}

TEST(RocksDbWindowStoreTest, SegmentsAreJavaNamedDirectoriesDroppedWhole) {
  TempDir dir;
  auto ws = valueOf(SegmentedWindowStore::create("win", 600'000, 60'000, false, true));
  StateStoreContext ctx;
  ctx.store_dir = dir.path() / "win";
  ctx.rocksdb_resources = smallResources();
  KS_ASSERT_OK(ws->init(ctx));
  KS_ASSERT_OK(ws->putWindow("a", "1", 0));
  KS_ASSERT_OK(ws->putWindow("a", "2", 300'000));
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "win" / "win.0"));
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "win" / "win.300000"));
  KS_ASSERT_OK(ws->putWindow("a", "3", 900'000));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "win" / "win.0"));
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "win" / "win.900000"));
  EXPECT_THAT(ws->segmentIds(), ElementsAre(1, 3));
}

TEST(RocksDbWindowStoreTest, ReopensExistingSegmentsAndCheckpoint) {
  TempDir dir;
  StateStoreContext ctx;
  ctx.store_dir = dir.path() / "win";
  ctx.rocksdb_resources = smallResources();
  {
    auto ws = valueOf(SegmentedWindowStore::create("win", 600'000, 60'000, false, true));
    KS_ASSERT_OK(ws->init(ctx));
    KS_ASSERT_OK(ws->putWindow("a", "1", 0));
    KS_ASSERT_OK(ws->putWindow("a", "2", 300'000));
    KS_ASSERT_OK(ws->writeCheckpoint(17));
    KS_ASSERT_OK(ws->close());
  }
  auto ws = valueOf(SegmentedWindowStore::create("win", 600'000, 60'000, false, true));
  KS_ASSERT_OK(ws->init(ctx));
  EXPECT_EQ(ws->checkpointedOffset(), std::optional<int64_t>(17));
  EXPECT_THAT(described(drain(ws->fetch("a", 0, 600'000))), ElementsAre("a@0=1", "a@300000=2"));
  // A corrupt checkpoint is DataLoss (the runtime then wipes and restores).
  KS_ASSERT_OK(ws->close());
  {
    std::FILE* f = std::fopen((dir.path() / "win" / "kstreams.checkpoint").c_str(), "w");
    std::fputs("garbage", f);
    std::fclose(f);
  }
  auto broken = valueOf(SegmentedWindowStore::create("win", 600'000, 60'000, false, true));
  EXPECT_EQ(broken->init(ctx).code(), absl::StatusCode::kDataLoss);
}

class SessionStoreTest : public ::testing::TestWithParam<Kind> {
 protected:
  std::unique_ptr<SegmentedSessionStore> make(int64_t retention = 600'000) {
    auto store =
        valueOf(SegmentedSessionStore::create("sess", retention, GetParam() == Kind::kRocksDb));
    StateStoreContext ctx;
    ctx.store_dir = dir_.path() / "sess";
    ctx.rocksdb_resources = resources_;
    EXPECT_TRUE(store->init(ctx).ok());
    return store;
  }
  TempDir dir_;
  std::shared_ptr<RocksDbResources> resources_ = smallResources();
};

INSTANTIATE_TEST_SUITE_P(Kinds, SessionStoreTest,
                         ::testing::Values(Kind::kRocksDb, Kind::kInMemory), kindName);

TEST_P(SessionStoreTest, FindSessionsAsAMergeWouldAskForThem) {
  auto ss = make();
  KS_ASSERT_OK(ss->putSession("a", 0, 1000, "s1"));
  KS_ASSERT_OK(ss->putSession("a", 5000, 6000, "s2"));
  KS_ASSERT_OK(ss->putSession("a", 20'000, 20'000, "s3"));
  KS_ASSERT_OK(ss->putSession("b", 500, 700, "t1"));
  // A record at 3000 with gap 2500 merges with sessions ending >= 500 and starting <= 5500.
  EXPECT_THAT(sessions(drain(ss->findSessions("a", 500, 5500))),
              ElementsAre("a[0,1000]=s1", "a[5000,6000]=s2"));
  EXPECT_THAT(sessions(drain(ss->backwardFindSessions("a", 500, 5500))),
              ElementsAre("a[5000,6000]=s2", "a[0,1000]=s1"));
  EXPECT_THAT(sessions(drain(ss->findSessions("a", 6001, 30'000))),
              ElementsAre("a[20000,20000]=s3"));
  EXPECT_THAT(sessions(drain(ss->findSessions(std::optional<std::string_view>("a"),
                                              std::optional<std::string_view>("b"), 0, 1000))),
              ElementsAre("a[0,1000]=s1", "b[500,700]=t1"));
  EXPECT_THAT(valueOf(ss->fetchSession("a", 5000, 6000)), Optional(std::string("s2")));
  EXPECT_EQ(valueOf(ss->fetchSession("a", 5000, 6001)), std::nullopt);
  // Merge: remove the old sessions, put the merged one.
  KS_ASSERT_OK(ss->removeSession("a", 0, 1000));
  KS_ASSERT_OK(ss->removeSession("a", 5000, 6000));
  KS_ASSERT_OK(ss->putSession("a", 0, 6000, "merged"));
  EXPECT_THAT(sessions(drain(ss->findSessions("a", 0, std::numeric_limits<int64_t>::max()))),
              ElementsAre("a[0,6000]=merged", "a[20000,20000]=s3"));
  KS_ASSERT_OK(ss->putSession("a", 0, 6000, std::nullopt));
  EXPECT_EQ(valueOf(ss->fetchSession("a", 0, 6000)), std::nullopt);
}

TEST_P(SessionStoreTest, RetentionByEndTime) {
  auto ss = make(/*retention=*/60'000);
  KS_ASSERT_OK(ss->putSession("a", 0, 10'000, "old"));
  KS_ASSERT_OK(ss->putSession("a", 200'000, 200'000, "new"));
  EXPECT_THAT(sessions(drain(ss->findSessions("a", 0, std::numeric_limits<int64_t>::max()))),
              ElementsAre("a[200000,200000]=new"));
}

// Captures what a change-logging layer sends.
class RecordingLogger final : public ChangeLogger {
 public:
  absl::Status logChange(std::string_view key, std::optional<std::string_view> value) override {
    records.emplace_back(std::string(key),
                         value ? std::optional<std::string>(std::string(*value)) : std::nullopt);
    return absl::OkStatus();
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
};

TEST(ChangeLoggingWindowStoreTest, LogsJavasWindowKeys) {
  TempDir dir;
  RecordingLogger logger;
  auto supplier = valueOf(Stores::persistentWindowStore("win", 600'000, 60'000, false));
  std::unique_ptr<KeyValueStore> store = Stores::keyValueStoreBuilder(supplier).build();
  StateStoreContext ctx;
  ctx.store_dir = dir.path() / "win";
  ctx.rocksdb_resources = smallResources();
  ctx.change_logger = &logger;
  KS_ASSERT_OK(store->init(ctx));
  auto& ws = dynamic_cast<WindowStore&>(*store);
  KS_ASSERT_OK(ws.putWindow("k", "v", 60'000));
  KS_ASSERT_OK(ws.putWindow("k", std::nullopt, 60'000));
  ASSERT_EQ(logger.records.size(), 2u);
  EXPECT_EQ(logger.records[0].first, "k" + bytes({0, 0, 0, 0, 0, 0, 0xea, 0x60, 0, 0, 0, 0}));
  EXPECT_EQ(logger.records[0].second, std::optional<std::string>("v"));
  EXPECT_EQ(logger.records[1].first, logger.records[0].first);
  EXPECT_EQ(logger.records[1].second, std::nullopt);
  // Restoring bypasses the log.
  KS_ASSERT_OK(store->restoreBatch({{logger.records[0].first, std::string("v")}}, 1));
  EXPECT_EQ(logger.records.size(), 2u);
  EXPECT_THAT(valueOf(ws.fetch("k", 60'000)), Optional(std::string("v")));
}

TEST(ChangeLoggingWindowStoreTest, DuplicatesAreLoggedWithTheirSequenceNumbers) {
  RecordingLogger logger;
  auto supplier = valueOf(Stores::inMemoryWindowStore("join", 600'000, 60'000, true));
  std::unique_ptr<KeyValueStore> store = Stores::keyValueStoreBuilder(supplier).build();
  StateStoreContext ctx;
  ctx.change_logger = &logger;
  KS_ASSERT_OK(store->init(ctx));
  auto& ws = dynamic_cast<WindowStore&>(*store);
  KS_ASSERT_OK(ws.putWindow("k", "a", 5));
  KS_ASSERT_OK(ws.putWindow("k", "b", 5));
  ASSERT_EQ(logger.records.size(), 2u);
  EXPECT_EQ(logger.records[0].first, WindowKeySchema::toStoreKeyBinary("k", 5, 1));
  EXPECT_EQ(logger.records[1].first, WindowKeySchema::toStoreKeyBinary("k", 5, 2));
}

TEST(ChangeLoggingSessionStoreTest, LogsJavasSessionKeys) {
  RecordingLogger logger;
  auto supplier = valueOf(Stores::inMemorySessionStore("sess", 600'000));
  std::unique_ptr<KeyValueStore> store = Stores::keyValueStoreBuilder(supplier).build();
  StateStoreContext ctx;
  ctx.change_logger = &logger;
  KS_ASSERT_OK(store->init(ctx));
  auto& ss = dynamic_cast<SessionStore&>(*store);
  KS_ASSERT_OK(ss.putSession("k", 1, 2, "agg"));
  KS_ASSERT_OK(ss.removeSession("k", 1, 2));
  ASSERT_EQ(logger.records.size(), 2u);
  EXPECT_EQ(logger.records[0].first, "k" + bytes({0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(logger.records[0].second, std::optional<std::string>("agg"));
  EXPECT_EQ(logger.records[1].second, std::nullopt);
}

}  // namespace
}  // namespace kstreams::state
