// The record-cache layers of window and session stores (streams/src/runtime/
// caching_window_store.h) on their own: reads merge the cache over the store, a flush writes
// below and reports old values, eviction flushes, and a session merged away within one flush
// never reaches the store or the listener. The DSL behaviour they give (Java's output with
// caching on) is checked against Kafka Streams by the differential suite's windowed and session
// families; a few hand-worked DSL cases are at the end.
#include "runtime/caching_window_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kstreams/serdes.h"
#include "kstreams/session_windows.h"
#include "kstreams/state/segmented_bytes_store.h"
#include "kstreams/state/window_key_schema.h"
#include "kstreams/streams_builder.h"
#include "kstreams/time_windows.h"
#include "kstreams/topology_test_driver.h"
#include "kstreams/windowed.h"

namespace kstreams {
namespace {

using V = std::vector<std::string>;

class FixedContext : public internal::CacheContextProvider {
 public:
  state::CacheRecordContext currentCacheContext() const override {
    state::CacheRecordContext c;
    c.timestamp = timestamp;
    return c;
  }
  void withCacheContext(const state::CacheRecordContext&,
                        const std::function<void()>& fn) override {
    fn();
  }
  int64_t timestamp = 7;
};

// "key@start=value" of a window store iterator.
V drainWindows(absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it) {
  V out;
  EXPECT_TRUE(it.ok());
  if (!it.ok()) return out;
  while ((*it)->hasNext()) {
    auto kv = (*it)->next();
    out.push_back(std::string(state::WindowKeySchema::extractStoreKeyBytes(kv.key)) + "@" +
                  std::to_string(state::WindowKeySchema::extractStoreTimestamp(kv.key)) + "=" +
                  kv.value);
  }
  return out;
}

// "key[start,end]=value" of a session store iterator.
V drainSessions(absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it) {
  V out;
  EXPECT_TRUE(it.ok());
  if (!it.ok()) return out;
  while ((*it)->hasNext()) {
    auto kv = (*it)->next();
    out.push_back(std::string(state::SessionKeySchema::extractKeyBytes(kv.key)) + "[" +
                  std::to_string(state::SessionKeySchema::extractStartTimestamp(kv.key)) + "," +
                  std::to_string(state::SessionKeySchema::extractEndTimestamp(kv.key)) +
                  "]=" + kv.value);
  }
  return out;
}

struct WindowFixture {
  WindowFixture(int64_t cache_bytes = 1 << 20) : cache(cache_bytes) {
    auto made = state::SegmentedWindowStore::create("w", 1'000'000, 10, false, false);
    EXPECT_TRUE(made.ok());
    below = made->get();
    store = std::make_unique<internal::CachingWindowStore>(*std::move(made), &cache, "0_0-w", &ctx);
    EXPECT_TRUE(store->init({}).ok());
    store->setFlushListener(
        [this](std::string_view key, std::optional<std::string_view> value,
               std::optional<std::string_view> old, const state::CacheRecordContext& c) {
          flushed.push_back(std::string(state::WindowKeySchema::extractStoreKeyBytes(key)) + "@" +
                            std::to_string(state::WindowKeySchema::extractStoreTimestamp(key)) +
                            ":" + std::string(value.value_or("-")) + "/" +
                            std::string(old.value_or("-")) + "@" + std::to_string(c.timestamp));
        },
        /*send_old_values=*/true);
  }
  ~WindowFixture() { EXPECT_TRUE(store->close().ok()); }
  state::ThreadCache cache;
  FixedContext ctx;
  state::SegmentedWindowStore* below = nullptr;
  std::unique_ptr<internal::CachingWindowStore> store;
  V flushed;
};

TEST(CachingWindowStore, FetchesMergeTheCacheOverTheStore) {
  WindowFixture f;
  ASSERT_TRUE(f.below->putWindow("a", "1", 0).ok());
  ASSERT_TRUE(f.below->putWindow("a", "2", 10).ok());
  ASSERT_TRUE(f.below->putWindow("b", "3", 10).ok());
  ASSERT_TRUE(f.store->putWindow("a", "20", 10).ok());          // shadows "2"
  ASSERT_TRUE(f.store->putWindow("a", "4", 20).ok());           // only in the cache
  ASSERT_TRUE(f.store->putWindow("b", std::nullopt, 10).ok());  // hides "3"
  ASSERT_TRUE(f.store->putWindow("c", "5", 0).ok());

  EXPECT_EQ(f.below->fetch("a", 10)->value(), "2");
  EXPECT_EQ(f.store->fetch("a", 10)->value(), "20");
  EXPECT_FALSE(f.store->fetch("b", 10)->has_value());
  EXPECT_EQ(f.store->fetch("a", 0)->value(), "1");

  EXPECT_EQ(drainWindows(f.store->fetch("a", 0, 20)), (V{"a@0=1", "a@10=20", "a@20=4"}));
  EXPECT_EQ(drainWindows(f.store->backwardFetch("a", 5, 20)), (V{"a@20=4", "a@10=20"}));
  EXPECT_EQ(drainWindows(f.store->fetch(std::string_view("b"), std::string_view("c"), 0, 20)),
            (V{"c@0=5"}));
  // One segment (retention 1000 s): ordered by store-key bytes, as the store orders.
  EXPECT_EQ(drainWindows(f.store->fetchAll(0, 10)), (V{"a@0=1", "a@10=20", "c@0=5"}));
  EXPECT_EQ(drainWindows(f.store->fetchAllWindows()), (V{"a@0=1", "a@10=20", "a@20=4", "c@0=5"}));
  EXPECT_EQ(drainWindows(f.store->backwardFetchAllWindows()),
            (V{"c@0=5", "a@20=4", "a@10=20", "a@0=1"}));
  // Flushed, the store below answers the same, in the same order.
  EXPECT_TRUE(f.store->flushCache());
  EXPECT_EQ(drainWindows(f.below->fetchAllWindows()), drainWindows(f.store->fetchAllWindows()));
  EXPECT_EQ(drainWindows(f.below->backwardFetchAllWindows()),
            drainWindows(f.store->backwardFetchAllWindows()));
}

TEST(CachingWindowStore, MergedResultsKeepTheStoresSegmentOrder) {
  // Retention 120 s: 60 s segments; "b" in segment 0 comes before "a" in segment 1.
  state::ThreadCache cache(1 << 20);
  FixedContext ctx;
  auto made = state::SegmentedWindowStore::create("w", 120'000, 10, false, false);
  ASSERT_TRUE(made.ok());
  state::SegmentedWindowStore* below = made->get();
  internal::CachingWindowStore store(*std::move(made), &cache, "0_0-w", &ctx);
  ASSERT_TRUE(store.init({}).ok());
  ASSERT_TRUE(below->putWindow("b", "1", 0).ok());
  ASSERT_TRUE(store.putWindow("a", "2", 60'000).ok());
  ASSERT_TRUE(store.putWindow("c", "3", 0).ok());
  EXPECT_EQ(drainWindows(store.fetchAllWindows()), (V{"b@0=1", "c@0=3", "a@60000=2"}));
  EXPECT_EQ(drainWindows(store.backwardFetchAll(0, 60'000)), (V{"a@60000=2", "c@0=3", "b@0=1"}));
  EXPECT_TRUE(store.flushCache());
  EXPECT_EQ(drainWindows(below->fetchAllWindows()), (V{"b@0=1", "c@0=3", "a@60000=2"}));
  ASSERT_TRUE(store.close().ok());
}

TEST(CachingWindowStore, FlushWritesBelowAndReportsOldValuesOncePerWindow) {
  WindowFixture f;
  ASSERT_TRUE(f.below->putWindow("a", "1", 0).ok());
  ASSERT_TRUE(f.store->putWindow("a", "2", 0).ok());
  ASSERT_TRUE(f.store->putWindow("a", "3", 0).ok());  // collapses with "2"
  ASSERT_TRUE(f.store->putWindow("b", "9", 10).ok());
  ASSERT_TRUE(f.store->putWindow("x", std::nullopt, 10).ok());  // never held: not forwarded
  EXPECT_TRUE(f.flushed.empty());
  EXPECT_TRUE(f.store->flushCache());
  EXPECT_EQ(f.flushed, (V{"a@0:3/1@7", "b@10:9/-@7"}));
  EXPECT_EQ(f.below->fetch("a", 0)->value(), "3");
  EXPECT_EQ(f.below->fetch("b", 10)->value(), "9");
  EXPECT_FALSE(f.store->flushCache());  // nothing dirty
}

TEST(CachingWindowStore, EvictionFlushesTheNamespace) {
  // Room for about two entries: the third put evicts the least recently used, flushing first.
  WindowFixture f(2 * (state::ThreadCache::kEntryOverhead + 40));
  ASSERT_TRUE(f.store->putWindow("a", "1", 0).ok());
  ASSERT_TRUE(f.store->putWindow("b", "2", 0).ok());
  ASSERT_TRUE(f.store->putWindow("c", "3", 0).ok());
  EXPECT_FALSE(f.flushed.empty());
  EXPECT_EQ(f.flushed.front(), "a@0:1/-@7");
  EXPECT_EQ(f.below->fetch("a", 0)->value(), "1");
  // Evicted or not, every window still reads the same.
  EXPECT_EQ(drainWindows(f.store->fetchAll(0, 0)), (V{"a@0=1", "b@0=2", "c@0=3"}));
}

TEST(CachingSessionStore, MergedAwaySessionsNeverReachTheStoreOrTheListener) {
  state::ThreadCache cache(1 << 20);
  FixedContext ctx;
  auto made = state::SegmentedSessionStore::create("s", 1'000'000, false);
  ASSERT_TRUE(made.ok());
  state::SegmentedSessionStore* below = made->get();
  internal::CachingSessionStore store(*std::move(made), &cache, "0_0-s", &ctx);
  ASSERT_TRUE(store.init({}).ok());
  V flushed;
  store.setFlushListener(
      [&](std::string_view key, std::optional<std::string_view> value,
          std::optional<std::string_view> old, const state::CacheRecordContext&) {
        flushed.push_back(std::string(state::SessionKeySchema::extractKeyBytes(key)) + "[" +
                          std::to_string(state::SessionKeySchema::extractStartTimestamp(key)) +
                          "," + std::to_string(state::SessionKeySchema::extractEndTimestamp(key)) +
                          "]:" + std::string(value.value_or("-")) + "/" +
                          std::string(old.value_or("-")));
      },
      /*send_old_values=*/true);
  ASSERT_TRUE(below->putSession("k", 0, 0, "old").ok());
  // One commit: session [5,5] is made, then merged with [0,0] into [0,5].
  ASSERT_TRUE(store.putSession("k", 5, 5, "b").ok());
  EXPECT_EQ(drainSessions(store.findSessions("k", 0, 10)), (V{"k[0,0]=old", "k[5,5]=b"}));
  EXPECT_EQ(store.fetchSession("k", 5, 5)->value(), "b");
  ASSERT_TRUE(store.removeSession("k", 0, 0).ok());
  ASSERT_TRUE(store.removeSession("k", 5, 5).ok());
  ASSERT_TRUE(store.putSession("k", 0, 5, "old+b").ok());
  EXPECT_EQ(drainSessions(store.findSessions("k", 0, 10)), (V{"k[0,5]=old+b"}));
  EXPECT_EQ(drainSessions(store.backwardFindSessions(std::nullopt, std::nullopt, 0, 10)),
            (V{"k[0,5]=old+b"}));
  EXPECT_TRUE(store.flushCache());
  // [5,5] was never in the store: its delete is dropped; [0,0]'s delete and the new session go.
  EXPECT_EQ(flushed, (V{"k[0,0]:-/old", "k[0,5]:old+b/-"}));
  EXPECT_EQ(drainSessions(below->findSessions("k", 0, 10)), (V{"k[0,5]=old+b"}));
  ASSERT_TRUE(store.close().ok());
}

// ---- The DSL with the record cache (the test driver commits after every record) ----

// "[key@start/end]=value@timestamp" of a session-windowed output topic (Windowed::toString).
V readSessions(TestOutputTopic<Windowed<std::string>, int64_t>& out) {
  V seen;
  for (const auto& r : out.readRecordsToList()) {
    seen.push_back(r.key.toString() + "=" + (r.value_is_null ? "null" : std::to_string(r.value)) +
                   "@" + std::to_string(r.timestamp));
  }
  return seen;
}

V sessionCounts(bool caching) {
  StreamsBuilder builder;
  auto materialized = Materialized<std::string, int64_t>::as("sessions");
  if (!caching) materialized = materialized.withCachingDisabled();
  builder.stream<std::string, std::string>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(SessionWindows::ofInactivityGapWithNoGrace(std::chrono::milliseconds(10)))
      .count(materialized)
      .toStream()
      .to("output",
          Produced(WindowedSerdes::sessionWindowedSerdeFrom<std::string>(Serdes::String()),
                   Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<std::string, std::string>("input", Serdes::String(),
                                                              Serdes::String());
  auto out = driver.createOutputTopic<Windowed<std::string>, int64_t>(
      "output", WindowedSerdes::sessionWindowedSerdeFrom<std::string>(Serdes::String()),
      Serdes::Int64());
  in.pipeInput("A", "x", 0);
  in.pipeInput("A", "x", 5);  // merges [0,0] into [0,5]
  in.pipeInput("A", "x", 3);  // merges [0,5] into [0,5]: a delete and a put of one session
  return readSessions(out);
}

TEST(CachedWindowedDsl, ASessionRemovedAndPutByOneRecordIsForwardedOnceWhenCached) {
  EXPECT_EQ(sessionCounts(/*caching=*/false),
            (V{"[A@0/0]=1@0", "[A@0/0]=null@0", "[A@0/5]=2@5", "[A@0/5]=null@5", "[A@0/5]=3@5"}));
  EXPECT_EQ(sessionCounts(/*caching=*/true),
            (V{"[A@0/0]=1@0", "[A@0/0]=null@0", "[A@0/5]=2@5", "[A@0/5]=3@5"}));
}

}  // namespace
}  // namespace kstreams
