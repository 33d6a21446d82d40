// File: kstreams/state/wrapped_key_value_store.h
//
// A KeyValueStore that forwards every call to an inner store it owns (Java's
// WrappedStateStore). Layers such as change-logging and caching derive from it and override
// only what they change; the runtime can reach the innermost store through inner().
//
//   class CountingStore : public kstreams::state::WrappedKeyValueStore {
//    public:
//     using WrappedKeyValueStore::WrappedKeyValueStore;
//     absl::Status put(std::string_view k, std::string_view v) override {
//       ++puts_;
//       return WrappedKeyValueStore::put(k, v);
//     }
//   };
//
// Threads: as the inner store's (see key_value_store.h); a derived class that adds state must
// keep the read methods safe for concurrent readers.
#pragma once

#include <memory>

#include "kstreams/state/key_value_store.h"

namespace kstreams::state {

class WrappedKeyValueStore : public KeyValueStore {
 public:
  // `inner` must not be null.
  explicit WrappedKeyValueStore(std::unique_ptr<KeyValueStore> inner);
  ~WrappedKeyValueStore() override;

  KeyValueStore& inner() { return *inner_; }
  const KeyValueStore& inner() const { return *inner_; }

  // StateStore
  const std::string& name() const override;
  absl::Status init(const StateStoreContext& context) override;
  absl::Status flush() override;
  absl::Status close() override;
  bool persistent() const override;
  bool isOpen() const override;

  // ReadOnlyKeyValueStore
  absl::StatusOr<std::optional<std::string>> get(std::string_view key) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> range(std::string_view from,
                                                          std::string_view to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> reverseRange(
      std::string_view from, std::string_view to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> all() const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> reverseAll() const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> prefixScan(
      std::string_view prefix) const override;
  absl::StatusOr<int64_t> approximateNumEntries() const override;

  // KeyValueStore
  absl::Status put(std::string_view key, std::string_view value) override;
  absl::StatusOr<std::optional<std::string>> putIfAbsent(std::string_view key,
                                                         std::string_view value) override;
  absl::Status putAll(const KeyValueChanges& changes) override;
  absl::StatusOr<std::optional<std::string>> remove(std::string_view key) override;
  absl::Status restoreBatch(const KeyValueChanges& records, int64_t changelog_offset) override;
  std::optional<int64_t> checkpointedOffset() const override;
  absl::Status writeCheckpoint(int64_t offset) override;
  absl::Status putAllWithCheckpoint(const KeyValueChanges& changes, int64_t offset) override;

 private:
  std::unique_ptr<KeyValueStore> inner_;
};

}  // namespace kstreams::state
