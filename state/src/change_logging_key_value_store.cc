#include "kstreams/state/change_logging_key_value_store.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace kstreams::state {

ChangeLoggingKeyValueStore::ChangeLoggingKeyValueStore(std::unique_ptr<KeyValueStore> inner)
    : WrappedKeyValueStore(std::move(inner)) {}

ChangeLoggingKeyValueStore::ChangeLoggingKeyValueStore(std::unique_ptr<KeyValueStore> inner,
                                                       ChangeLogger* logger)
    : WrappedKeyValueStore(std::move(inner)), logger_(logger) {}

absl::Status ChangeLoggingKeyValueStore::init(const StateStoreContext& context) {
  if (logger_ == nullptr) logger_ = context.change_logger;
  if (logger_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("state store ", name(), " logs its changes but got no ChangeLogger"));
  }
  return WrappedKeyValueStore::init(context);
}

// Every write below goes to the inner store first and is logged only if it succeeded, as in
// Kafka Streams: the changelog never holds a change the store refused.

absl::Status ChangeLoggingKeyValueStore::put(std::string_view key, std::string_view value) {
  if (logger_ == nullptr) return absl::FailedPreconditionError("no ChangeLogger");
  if (absl::Status s = inner().put(key, value); !s.ok()) return s;
  return logger_->logChange(key, value);
}

absl::StatusOr<std::optional<std::string>> ChangeLoggingKeyValueStore::putIfAbsent(
    std::string_view key, std::string_view value) {
  if (logger_ == nullptr) return absl::FailedPreconditionError("no ChangeLogger");
  absl::StatusOr<std::optional<std::string>> previous = inner().putIfAbsent(key, value);
  if (!previous.ok() || previous->has_value()) return previous;  // nothing written
  if (absl::Status s = logger_->logChange(key, value); !s.ok()) return s;
  return previous;
}

absl::Status ChangeLoggingKeyValueStore::logAll(const KeyValueChanges& changes) {
  for (const auto& [key, value] : changes) {
    std::optional<std::string_view> v;
    if (value) v = *value;
    if (absl::Status s = logger_->logChange(key, v); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ChangeLoggingKeyValueStore::putAll(const KeyValueChanges& changes) {
  if (logger_ == nullptr) return absl::FailedPreconditionError("no ChangeLogger");
  if (absl::Status s = inner().putAll(changes); !s.ok()) return s;
  return logAll(changes);
}

absl::StatusOr<std::optional<std::string>> ChangeLoggingKeyValueStore::remove(
    std::string_view key) {
  if (logger_ == nullptr) return absl::FailedPreconditionError("no ChangeLogger");
  absl::StatusOr<std::optional<std::string>> old = inner().remove(key);
  if (!old.ok()) return old;
  // Logged even when the key was absent, as Java does: the tombstone is harmless and keeps the
  // changelog authoritative if the store and the log ever disagreed.
  if (absl::Status s = logger_->logChange(key, std::nullopt); !s.ok()) return s;
  return old;
}

absl::Status ChangeLoggingKeyValueStore::putAllWithCheckpoint(const KeyValueChanges& changes,
                                                              int64_t offset) {
  if (logger_ == nullptr) return absl::FailedPreconditionError("no ChangeLogger");
  if (absl::Status s = inner().putAllWithCheckpoint(changes, offset); !s.ok()) return s;
  return logAll(changes);
}

absl::Status ChangeLoggingKeyValueStore::putAllUnlogged(const KeyValueChanges& changes) {
  return inner().putAll(changes);
}

absl::Status ChangeLoggingKeyValueStore::logChange(std::string_view key,
                                                   std::optional<std::string_view> value) {
  if (logger_ == nullptr) return absl::FailedPreconditionError("no ChangeLogger");
  return logger_->logChange(key, value);
}

}  // namespace kstreams::state
