#include "kstreams/state/thread_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kstreams::state {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Opt = std::optional<std::string>;

// Size the cache counts for an entry with an empty context.
int64_t entryBytes(const std::string& key, const std::string& value) {
  return static_cast<int64_t>(key.size() + value.size()) + ThreadCache::kEntryOverhead;
}

// Records what each flush hands over, as (key, value) per flush call.
struct Flushes {
  std::vector<std::vector<std::pair<std::string, Opt>>> calls;
  DirtyEntryFlushListener listener() {
    return [this](const std::vector<DirtyEntry>& entries) {
      auto& call = calls.emplace_back();
      for (const auto& e : entries) call.emplace_back(e.key, e.value);
    };
  }
};

TEST(ThreadCacheTest, PutGetAndMiss) {
  ThreadCache cache(1 << 20);
  const std::string ns = ThreadCache::nameSpace("0_1", "counts");
  EXPECT_EQ(ns, "0_1-counts");
  EXPECT_EQ(cache.get(ns, "k"), nullptr);
  cache.put(ns, "k", "v", /*dirty=*/true);
  const CacheEntry* e = cache.get(ns, "k");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value, Opt("v"));
  EXPECT_TRUE(e->dirty);
  EXPECT_EQ(cache.get("other-ns", "k"), nullptr);
  cache.put(ns, "gone", std::nullopt, /*dirty=*/true);  // a cached delete
  e = cache.get(ns, "gone");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value, std::nullopt);
  EXPECT_EQ(cache.size(), 2);
  EXPECT_EQ(cache.sizeBytes(), entryBytes("k", "v") + entryBytes("gone", ""));
  EXPECT_EQ(cache.stats().gets, 4);
  EXPECT_EQ(cache.stats().hits, 2);
}

TEST(ThreadCacheTest, OverwriteCollapsesAndKeepsSizeRight) {
  ThreadCache cache(1 << 20);
  cache.put("ns", "k", "short", true);
  cache.put("ns", "k", "a much longer value", true);
  EXPECT_EQ(cache.size(), 1);
  EXPECT_EQ(cache.sizeBytes(), entryBytes("k", "a much longer value"));
  Flushes flushes;
  cache.addDirtyEntryFlushListener("ns", flushes.listener());
  cache.flush("ns");
  ASSERT_EQ(flushes.calls.size(), 1u);
  EXPECT_THAT(flushes.calls[0],
              ElementsAre(std::pair<std::string, Opt>{"k", "a much longer value"}));
}

TEST(ThreadCacheTest, FlushSendsDirtyEntriesInLastWriteOrderThenDropsTombstones) {
  ThreadCache cache(1 << 20);
  Flushes flushes;
  cache.addDirtyEntryFlushListener("ns", flushes.listener());
  cache.put("ns", "a", "1", true);
  cache.put("ns", "b", "2", true);
  cache.put("ns", "clean", "c", /*dirty=*/false);
  cache.put("ns", "a", "3", true);  // moves a after b
  cache.put("ns", "d", std::nullopt, true);
  cache.flush("ns");
  ASSERT_EQ(flushes.calls.size(), 1u);
  EXPECT_THAT(flushes.calls[0], ElementsAre(std::pair<std::string, Opt>{"b", "2"},
                                            std::pair<std::string, Opt>{"a", "3"},
                                            std::pair<std::string, Opt>{"d", std::nullopt}));
  // Flushed entries stay cached, clean; the flushed tombstone is gone.
  ASSERT_NE(cache.get("ns", "a"), nullptr);
  EXPECT_FALSE(cache.get("ns", "a")->dirty);
  EXPECT_EQ(cache.get("ns", "d"), nullptr);
  EXPECT_EQ(cache.size(), 3);
  cache.flush("ns");  // nothing dirty: no call
  EXPECT_EQ(flushes.calls.size(), 1u);
  EXPECT_EQ(cache.stats().flushes, 1);
}

TEST(ThreadCacheTest, CleanPutDoesNotHideADirtyValue) {
  ThreadCache cache(1 << 20);
  cache.put("ns", "k", "new", /*dirty=*/true);
  cache.put("ns", "k", "old-from-store", /*dirty=*/false);
  EXPECT_EQ(cache.get("ns", "k")->value, Opt("new"));
  EXPECT_TRUE(cache.get("ns", "k")->dirty);
}

TEST(ThreadCacheTest, EvictsLeastRecentlyUsedAndFlushesDirtyOnesFirst) {
  // Room for three entries of this size.
  const int64_t one = entryBytes("k1", "v1");
  ThreadCache cache(3 * one);
  Flushes flushes;
  cache.addDirtyEntryFlushListener("ns", flushes.listener());
  cache.put("ns", "k1", "v1", /*dirty=*/false);
  cache.put("ns", "k2", "v2", /*dirty=*/true);
  cache.put("ns", "k3", "v3", /*dirty=*/false);
  ASSERT_NE(cache.get("ns", "k1"), nullptr);  // k1 is now the most recently used
  cache.put("ns", "k4", "v4", /*dirty=*/false);
  // k2 was least recently used and dirty: the namespace was flushed, then k2 evicted.
  ASSERT_EQ(flushes.calls.size(), 1u);
  EXPECT_THAT(flushes.calls[0], ElementsAre(std::pair<std::string, Opt>{"k2", "v2"}));
  EXPECT_EQ(cache.get("ns", "k2"), nullptr);
  EXPECT_NE(cache.get("ns", "k1"), nullptr);
  EXPECT_NE(cache.get("ns", "k3"), nullptr);
  EXPECT_NE(cache.get("ns", "k4"), nullptr);
  EXPECT_EQ(cache.stats().evictions, 1);
  EXPECT_LE(cache.sizeBytes(), cache.maxBytes());
  // A clean eldest goes without a flush.
  cache.put("ns", "k5", "v5", /*dirty=*/false);
  EXPECT_EQ(flushes.calls.size(), 1u);
  EXPECT_EQ(cache.get("ns", "k1"), nullptr);
}

TEST(ThreadCacheTest, EvictionStaysInTheWritingNamespace) {
  const int64_t one = entryBytes("k1", "v1");
  ThreadCache cache(2 * one);
  Flushes a_flushes, b_flushes;
  cache.addDirtyEntryFlushListener("a", a_flushes.listener());
  cache.addDirtyEntryFlushListener("b", b_flushes.listener());
  cache.put("a", "k1", "v1", true);
  cache.put("b", "k1", "v1", true);
  cache.put("b", "k2", "v2", true);  // over the bound: b evicts its own eldest
  EXPECT_THAT(a_flushes.calls, IsEmpty());
  ASSERT_EQ(b_flushes.calls.size(), 1u);
  EXPECT_EQ(b_flushes.calls[0].size(), 2u);  // all of b's dirty entries, in order
  EXPECT_NE(cache.get("a", "k1"), nullptr);
}

TEST(ThreadCacheTest, ZeroSizedCacheForwardsEveryWrite) {
  ThreadCache cache(0);
  Flushes flushes;
  cache.addDirtyEntryFlushListener("ns", flushes.listener());
  cache.put("ns", "a", "1", true);
  cache.put("ns", "a", "2", true);
  EXPECT_EQ(flushes.calls.size(), 2u);
  EXPECT_EQ(cache.size(), 0);
  EXPECT_EQ(cache.sizeBytes(), 0);
}

TEST(ThreadCacheTest, ListenerMayWriteOtherNamespaces) {
  ThreadCache cache(1 << 20);
  Flushes downstream;
  cache.addDirtyEntryFlushListener("down", downstream.listener());
  cache.addDirtyEntryFlushListener("up", [&](const std::vector<DirtyEntry>& entries) {
    for (const auto& e : entries) cache.put("down", e.key, e.value, true);
    cache.put("up", "again", "x", true);  // re-entrant write into the flushing namespace
  });
  cache.put("up", "k", "v", true);
  cache.flush("up");
  EXPECT_EQ(cache.get("down", "k")->value, Opt("v"));
  EXPECT_TRUE(cache.get("up", "again")->dirty);  // written during the flush: still dirty
  cache.flush("down");
  ASSERT_EQ(downstream.calls.size(), 1u);
}

TEST(ThreadCacheTest, RangeAndAllIncludeTombstones) {
  ThreadCache cache(1 << 20);
  for (const char* k : {"a", "b", "c", "\x80", "\xff"}) cache.put("ns", k, std::string(k), false);
  cache.put("ns", "bb", std::nullopt, true);
  auto keys = [](const std::vector<std::pair<std::string, CacheEntry>>& v) {
    std::vector<std::string> out;
    for (const auto& [k, e] : v) out.push_back(k);
    return out;
  };
  EXPECT_THAT(keys(cache.range("ns", "b", "c")), ElementsAre("b", "bb", "c"));
  EXPECT_THAT(keys(cache.range("ns", "b", "c", /*reverse=*/true)), ElementsAre("c", "bb", "b"));
  EXPECT_THAT(keys(cache.range("ns", "c", "b")), IsEmpty());
  EXPECT_THAT(keys(cache.range("ns", "\x7f", "\xff")), ElementsAre("\x80", "\xff"));
  EXPECT_THAT(keys(cache.all("ns")), ElementsAre("a", "b", "bb", "c", "\x80", "\xff"));
  EXPECT_THAT(keys(cache.all("ns", true)), ElementsAre("\xff", "\x80", "c", "bb", "b", "a"));
  EXPECT_THAT(keys(cache.all("none")), IsEmpty());
}

TEST(ThreadCacheTest, RemoveAndCloseDropWithoutFlushing) {
  ThreadCache cache(1 << 20);
  Flushes flushes;
  cache.addDirtyEntryFlushListener("ns", flushes.listener());
  cache.put("ns", "a", "1", true);
  cache.put("ns", "b", "2", true);
  std::optional<CacheEntry> removed = cache.remove("ns", "a");
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(removed->value, Opt("1"));
  EXPECT_EQ(cache.remove("ns", "a"), std::nullopt);
  cache.flush("ns");
  ASSERT_EQ(flushes.calls.size(), 1u);
  EXPECT_THAT(flushes.calls[0], ElementsAre(std::pair<std::string, Opt>{"b", "2"}));
  cache.put("ns", "c", "3", true);
  cache.close("ns");
  EXPECT_EQ(cache.size(), 0);
  EXPECT_EQ(cache.sizeBytes(), 0);
  EXPECT_EQ(flushes.calls.size(), 1u);
}

TEST(ThreadCacheTest, ResizeEvictsAcrossNamespaces) {
  ThreadCache cache(1 << 20);
  Flushes a_flushes, b_flushes;
  cache.addDirtyEntryFlushListener("a", a_flushes.listener());
  cache.addDirtyEntryFlushListener("b", b_flushes.listener());
  for (int i = 0; i < 10; ++i) {
    cache.put("a", "k" + std::to_string(i), "v", true);
    cache.put("b", "k" + std::to_string(i), "v", false);
  }
  const int64_t one = entryBytes("k0", "v");
  cache.resize(4 * one);
  EXPECT_LE(cache.sizeBytes(), 4 * one);
  EXPECT_EQ(cache.size(), 4);
  EXPECT_EQ(a_flushes.calls.size(), 1u);  // a's dirty entries were flushed once, in order
  EXPECT_EQ(a_flushes.calls[0].size(), 10u);
  EXPECT_THAT(b_flushes.calls, IsEmpty());
}

TEST(ThreadCacheTest, RecordContextTravelsWithTheEntry) {
  ThreadCache cache(1 << 20);
  std::vector<DirtyEntry> seen;
  cache.addDirtyEntryFlushListener("ns",
                                   [&](const std::vector<DirtyEntry>& entries) { seen = entries; });
  CacheRecordContext ctx{1234, 42, 3, "input", ""};
  cache.put("ns", "k", "v", true, ctx);
  EXPECT_EQ(cache.sizeBytes(), entryBytes("k", "v") + 5);  // + the topic's bytes
  cache.flush("ns");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].context.timestamp, 1234);
  EXPECT_EQ(seen[0].context.offset, 42);
  EXPECT_EQ(seen[0].context.partition, 3);
  EXPECT_EQ(seen[0].context.topic, "input");
}

}  // namespace
}  // namespace kstreams::state
