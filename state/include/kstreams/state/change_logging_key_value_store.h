// File: kstreams/state/change_logging_key_value_store.h
//
// Sends every change of a store to its changelog (Java's ChangeLoggingKeyValueBytesStore):
// writes go to the inner store first, then to the ChangeLogger, in call order.
//
//   auto store = std::make_unique<kstreams::state::ChangeLoggingKeyValueStore>(
//       std::make_unique<kstreams::state::RocksDbKeyValueStore>("counts"));
//   store->init(ctx);   // takes ctx.change_logger
//   store->put("k", "v");   // RocksDB put, then logChange("k", "v")
//   store->remove("k");     // RocksDB delete, then logChange("k", nullopt)
//
// What is logged, as in Kafka Streams:
//   put(k, v)              -> (k, v)
//   putIfAbsent(k, v)      -> (k, v) only if the value was written
//   putAll / putAllWithCheckpoint -> each change in order; nullopt values as tombstones
//   remove(k)              -> (k, nullopt), even if k was absent
//   restoreBatch, writeCheckpoint -> nothing (the records came from the changelog)
//
// Threads: as any KeyValueStore (key_value_store.h); the logger is called on the owning thread.
#pragma once

#include <memory>

#include "kstreams/state/change_logger.h"
#include "kstreams/state/wrapped_key_value_store.h"

namespace kstreams::state {

class ChangeLoggingKeyValueStore : public WrappedKeyValueStore {
 public:
  // The logger comes from StateStoreContext::change_logger at init().
  explicit ChangeLoggingKeyValueStore(std::unique_ptr<KeyValueStore> inner);
  // A fixed logger (borrowed; must outlive the store), used instead of the context's.
  ChangeLoggingKeyValueStore(std::unique_ptr<KeyValueStore> inner, ChangeLogger* logger);

  // Fails with FailedPrecondition when neither the constructor nor the context gave a logger.
  absl::Status init(const StateStoreContext& context) override;

  absl::Status put(std::string_view key, std::string_view value) override;
  absl::StatusOr<std::optional<std::string>> putIfAbsent(std::string_view key,
                                                         std::string_view value) override;
  absl::Status putAll(const KeyValueChanges& changes) override;
  absl::StatusOr<std::optional<std::string>> remove(std::string_view key) override;
  absl::Status putAllWithCheckpoint(const KeyValueChanges& changes, int64_t offset) override;

  // For a layer above that writes many changes at once but must log each in its own record
  // context (the record cache's flush: each changelog record carries the timestamp of the write
  // it comes from, as in Kafka Streams). putAllUnlogged() writes the changes to the inner store
  // in one batch; the caller then logs each one with logChange(), in its context, once the
  // batch succeeded (the changelog must not hold a change the store refused).
  absl::Status putAllUnlogged(const KeyValueChanges& changes);
  absl::Status logChange(std::string_view key, std::optional<std::string_view> value);

 private:
  absl::Status logAll(const KeyValueChanges& changes);

  ChangeLogger* logger_ = nullptr;
};

}  // namespace kstreams::state
