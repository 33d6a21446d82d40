#include "kstreams/state/wrapped_key_value_store.h"

#include <utility>

namespace kstreams::state {

WrappedKeyValueStore::WrappedKeyValueStore(std::unique_ptr<KeyValueStore> inner)
    : inner_(std::move(inner)) {}

WrappedKeyValueStore::~WrappedKeyValueStore() = default;

const std::string& WrappedKeyValueStore::name() const { return inner_->name(); }
absl::Status WrappedKeyValueStore::init(const StateStoreContext& context) {
  return inner_->init(context);
}
absl::Status WrappedKeyValueStore::flush() { return inner_->flush(); }
absl::Status WrappedKeyValueStore::close() { return inner_->close(); }
bool WrappedKeyValueStore::persistent() const { return inner_->persistent(); }
bool WrappedKeyValueStore::isOpen() const { return inner_->isOpen(); }

absl::StatusOr<std::optional<std::string>> WrappedKeyValueStore::get(std::string_view key) const {
  return inner_->get(key);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> WrappedKeyValueStore::range(
    std::string_view from, std::string_view to) const {
  return inner_->range(from, to);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> WrappedKeyValueStore::reverseRange(
    std::string_view from, std::string_view to) const {
  return inner_->reverseRange(from, to);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> WrappedKeyValueStore::all() const {
  return inner_->all();
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> WrappedKeyValueStore::reverseAll() const {
  return inner_->reverseAll();
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> WrappedKeyValueStore::prefixScan(
    std::string_view prefix) const {
  return inner_->prefixScan(prefix);
}
absl::StatusOr<int64_t> WrappedKeyValueStore::approximateNumEntries() const {
  return inner_->approximateNumEntries();
}

absl::Status WrappedKeyValueStore::put(std::string_view key, std::string_view value) {
  return inner_->put(key, value);
}
absl::StatusOr<std::optional<std::string>> WrappedKeyValueStore::putIfAbsent(
    std::string_view key, std::string_view value) {
  return inner_->putIfAbsent(key, value);
}
absl::Status WrappedKeyValueStore::putAll(const KeyValueChanges& changes) {
  return inner_->putAll(changes);
}
absl::StatusOr<std::optional<std::string>> WrappedKeyValueStore::remove(std::string_view key) {
  return inner_->remove(key);
}
absl::Status WrappedKeyValueStore::restoreBatch(const KeyValueChanges& records,
                                                int64_t changelog_offset) {
  return inner_->restoreBatch(records, changelog_offset);
}
std::optional<int64_t> WrappedKeyValueStore::checkpointedOffset() const {
  return inner_->checkpointedOffset();
}
absl::Status WrappedKeyValueStore::writeCheckpoint(int64_t offset) {
  return inner_->writeCheckpoint(offset);
}
absl::Status WrappedKeyValueStore::putAllWithCheckpoint(const KeyValueChanges& changes,
                                                        int64_t offset) {
  return inner_->putAllWithCheckpoint(changes, offset);
}

}  // namespace kstreams::state
