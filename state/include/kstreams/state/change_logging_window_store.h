// File: kstreams/state/change_logging_window_store.h
//
// Change-logging layers for window and session stores (Java's ChangeLoggingWindowBytesStore,
// ChangeLoggingTimestampedWindowBytesStore and ChangeLoggingSessionBytesStore): every write
// goes to the inner store first and then, if it succeeded, to the ChangeLogger, keyed by the
// binary store key (window_key_schema.h) — the exact keys Kafka Streams writes to a window or
// session changelog. Values are logged as given; for a timestamped window store the runtime's
// ChangeLogger turns the stored "8-byte timestamp + value" into the plain value with that
// timestamp as the record's, as for timestamped key-value stores.
//
//   auto logged = std::make_unique<kstreams::state::ChangeLoggingWindowStore>(
//       *kstreams::state::SegmentedWindowStore::create("w", 3'600'000, 60'000, false, true));
//   logged->init(ctx);                         // takes ctx.change_logger
//   logged->putWindow("k", "v", 60'000);       // store put, then logChange(k+start+seq, "v")
//
// What is logged, as in Kafka Streams:
//   putWindow(k, v, start)        -> ([k][start][seq], v); a delete -> tombstone (not in a
//                                    store of duplicates, where a delete is a no-op)
//   putSession(k, s, e, agg)      -> ([k][e][s], agg); removeSession / null agg -> tombstone
//   the KeyValueStore writes      -> as ChangeLoggingKeyValueStore (keys are store keys)
//   restoreBatch, writeCheckpoint -> nothing
// A window put the inner store drops as expired is still logged, as Java does.
//
// The inner store must implement WindowStore / SessionStore (init() fails otherwise). Reads
// forward to it. Threads: as the inner store's; the logger is called on the owning thread.
#pragma once

#include <memory>

#include "kstreams/state/change_logging_key_value_store.h"
#include "kstreams/state/window_store.h"

namespace kstreams::state {

class ChangeLoggingWindowStore final : public ChangeLoggingKeyValueStore, public WindowStore {
 public:
  // `inner` must also be a WindowStore.
  explicit ChangeLoggingWindowStore(std::unique_ptr<KeyValueStore> inner);

  absl::Status init(const StateStoreContext& context) override;

  // ReadOnlyWindowStore (forwarded)
  absl::StatusOr<std::optional<std::string>> fetch(std::string_view key,
                                                   int64_t window_start) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetch(std::string_view key, int64_t time_from,
                                                          int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetch(std::string_view key,
                                                                  int64_t time_from,
                                                                  int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetch(std::optional<std::string_view> key_from,
                                                          std::optional<std::string_view> key_to,
                                                          int64_t time_from,
                                                          int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetch(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t time_from, int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetchAll(int64_t time_from,
                                                             int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetchAll(
      int64_t time_from, int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetchAllWindows() const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetchAllWindows() const override;
  int64_t windowSize() const override;
  int64_t retentionPeriod() const override;
  bool retainDuplicates() const override;

  // WindowStore: inner put, then the log.
  absl::Status putWindow(std::string_view key, std::optional<std::string_view> value,
                         int64_t window_start, std::string* store_key_out = nullptr) override;

 private:
  const WindowStore& window() const;
  WindowStore& window();
};

class ChangeLoggingSessionStore final : public ChangeLoggingKeyValueStore, public SessionStore {
 public:
  // `inner` must also be a SessionStore.
  explicit ChangeLoggingSessionStore(std::unique_ptr<KeyValueStore> inner);

  absl::Status init(const StateStoreContext& context) override;

  // ReadOnlySessionStore (forwarded)
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> findSessions(
      std::string_view key, int64_t earliest_session_end,
      int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFindSessions(
      std::string_view key, int64_t earliest_session_end,
      int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> findSessions(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t earliest_session_end, int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFindSessions(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t earliest_session_end, int64_t latest_session_start) const override;
  absl::StatusOr<std::optional<std::string>> fetchSession(std::string_view key, int64_t start,
                                                          int64_t end) const override;
  int64_t retentionPeriod() const override;

  // SessionStore: the inner store's KeyValueStore write with the session key, then the log.
  absl::Status putSession(std::string_view key, int64_t start, int64_t end,
                          std::optional<std::string_view> aggregate) override;
  absl::Status removeSession(std::string_view key, int64_t start, int64_t end) override;

 private:
  const SessionStore& session() const;
};

}  // namespace kstreams::state
