// File: kstreams/state/window_store.h
//
// Window and session stores over bytes (Java's WindowStore<Bytes, byte[]>,
// SessionStore<Bytes, byte[]> and their ReadOnly views). Typed stores (kstreams::WindowStore<K, V>,
// kstreams::SessionStore<K, AGG>) are facades in streams/ over these.
//
// These are *mixin* interfaces: every window or session store object is also a KeyValueStore
// (key_value_store.h) whose keys are the binary store keys of window_key_schema.h — the view
// the runtime uses to restore a changelog (whose keys have the same layout), to checkpoint, to
// flush and to close. The concrete stores are in segmented_bytes_store.h; get one from
// Stores::persistentWindowStore and friends (store_builders.h), and reach this interface with
// dynamic_cast from the KeyValueStore:
//
//   std::unique_ptr<kstreams::state::KeyValueStore> kv =
//       kstreams::state::Stores::windowStoreBuilder(
//           kstreams::state::Stores::persistentWindowStore("clicks", 3'600'000, 60'000, false))
//           .build();
//   kv->init(ctx);
//   auto& ws = dynamic_cast<kstreams::state::WindowStore&>(*kv);
//   ws.putWindow("user-1", "3", /*window_start=*/60'000);
//   auto it = ws.fetch("user-1", 0, 120'000);   // entries: (store key, value)
//
// What the iterators return: every entry's key is the binary *store key* (window: key + 8-byte
// start + 4-byte sequence number; session: key + 8-byte end + 8-byte start) and its value the
// stored bytes; decode keys with WindowKeySchema / SessionKeySchema. Order, as Kafka Streams'
// RocksDB stores: segment by segment (time order of the segments), and within a segment by
// store-key bytes, so a single-key fetch is in window-start order (sessions: end, then start);
// backward variants reverse both. All time bounds are inclusive.
//
// Retention: stream time is the largest timestamp (window start; session end) a store has seen
// in a put or a restore. Queries never return windows older than stream time - retention + 1;
// puts of such old windows are dropped (counted in droppedExpiredRecords()).
//
// Threads: the ReadOnly* methods are safe from any thread while the owning thread writes (the
// iterators are snapshots taken when they are made); putWindow / putSession / removeSession,
// like every KeyValueStore write, run on the owning stream thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kstreams/state/key_value_iterator.h"

namespace kstreams::state {

class ReadOnlyWindowStore {
 public:
  virtual ~ReadOnlyWindowStore() = default;

  // The value of the window of `key` starting at `window_start` (with the store's current
  // sequence number, as Java's fetch(key, time)), or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> fetch(std::string_view key,
                                                           int64_t window_start) const = 0;
  // Windows of `key` with time_from <= start <= time_to, ascending / descending start.
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetch(std::string_view key,
                                                                  int64_t time_from,
                                                                  int64_t time_to) const = 0;
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetch(
      std::string_view key, int64_t time_from, int64_t time_to) const = 0;
  // Windows of keys in [key_from, key_to] (bytes; nullopt: open) with start in
  // [time_from, time_to]. Empty when key_from > key_to.
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetch(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t time_from, int64_t time_to) const = 0;
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetch(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t time_from, int64_t time_to) const = 0;
  // Every window with start in [time_from, time_to].
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetchAll(int64_t time_from,
                                                                     int64_t time_to) const = 0;
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetchAll(
      int64_t time_from, int64_t time_to) const = 0;
  // Every live window (Java's all() / backwardAll()).
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetchAllWindows() const = 0;
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetchAllWindows() const = 0;

  // The window size given to the store (what a typed facade adds to a start to get the end).
  virtual int64_t windowSize() const = 0;
  virtual int64_t retentionPeriod() const = 0;
  virtual bool retainDuplicates() const = 0;
};

class WindowStore : public ReadOnlyWindowStore {
 public:
  // Puts `value` for the window of `key` starting at `window_start`; nullopt deletes it (a
  // no-op in a store that retains duplicates, as in Java). If `store_key_out` is not null it
  // receives the binary store key written (empty when nothing was written). Owning thread.
  virtual absl::Status putWindow(std::string_view key, std::optional<std::string_view> value,
                                 int64_t window_start, std::string* store_key_out = nullptr) = 0;
};

class ReadOnlySessionStore {
 public:
  virtual ~ReadOnlySessionStore() = default;

  // Sessions of `key` with end >= earliest_session_end and start <= latest_session_start
  // (Java's findSessions), ascending / descending.
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> findSessions(
      std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) const = 0;
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFindSessions(
      std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) const = 0;
  // The same over keys in [key_from, key_to] (nullopt: open).
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> findSessions(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t earliest_session_end, int64_t latest_session_start) const = 0;
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFindSessions(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t earliest_session_end, int64_t latest_session_start) const = 0;
  // The aggregate of exactly the session [start, end] of `key`, or nullopt.
  virtual absl::StatusOr<std::optional<std::string>> fetchSession(std::string_view key,
                                                                  int64_t start,
                                                                  int64_t end) const = 0;
  virtual int64_t retentionPeriod() const = 0;
};

class SessionStore : public ReadOnlySessionStore {
 public:
  // Puts the aggregate of session [start, end] of `key`; nullopt deletes it. Owning thread.
  virtual absl::Status putSession(std::string_view key, int64_t start, int64_t end,
                                  std::optional<std::string_view> aggregate) = 0;
  // Deletes session [start, end] of `key` (Java's remove(Windowed)). Owning thread.
  virtual absl::Status removeSession(std::string_view key, int64_t start, int64_t end) = 0;
};

}  // namespace kstreams::state
