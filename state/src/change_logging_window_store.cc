#include "kstreams/state/change_logging_window_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "kstreams/state/window_key_schema.h"

namespace kstreams::state {

// --- ChangeLoggingWindowStore ---------------------------------------------------------------

ChangeLoggingWindowStore::ChangeLoggingWindowStore(std::unique_ptr<KeyValueStore> inner)
    : ChangeLoggingKeyValueStore(std::move(inner)) {}

absl::Status ChangeLoggingWindowStore::init(const StateStoreContext& context) {
  if (dynamic_cast<const WindowStore*>(&inner()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("state store ", name(), ": the inner store is not a window store"));
  }
  return ChangeLoggingKeyValueStore::init(context);
}

const WindowStore& ChangeLoggingWindowStore::window() const {
  return dynamic_cast<const WindowStore&>(inner());
}
WindowStore& ChangeLoggingWindowStore::window() { return dynamic_cast<WindowStore&>(inner()); }

absl::StatusOr<std::optional<std::string>> ChangeLoggingWindowStore::fetch(
    std::string_view key, int64_t window_start) const {
  return window().fetch(key, window_start);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingWindowStore::fetch(
    std::string_view key, int64_t time_from, int64_t time_to) const {
  return window().fetch(key, time_from, time_to);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingWindowStore::backwardFetch(
    std::string_view key, int64_t time_from, int64_t time_to) const {
  return window().backwardFetch(key, time_from, time_to);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingWindowStore::fetch(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to) const {
  return window().fetch(key_from, key_to, time_from, time_to);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingWindowStore::backwardFetch(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to) const {
  return window().backwardFetch(key_from, key_to, time_from, time_to);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingWindowStore::fetchAll(
    int64_t time_from, int64_t time_to) const {
  return window().fetchAll(time_from, time_to);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingWindowStore::backwardFetchAll(
    int64_t time_from, int64_t time_to) const {
  return window().backwardFetchAll(time_from, time_to);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingWindowStore::fetchAllWindows()
    const {
  return window().fetchAllWindows();
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>>
ChangeLoggingWindowStore::backwardFetchAllWindows() const {
  return window().backwardFetchAllWindows();
}
int64_t ChangeLoggingWindowStore::windowSize() const { return window().windowSize(); }
int64_t ChangeLoggingWindowStore::retentionPeriod() const { return window().retentionPeriod(); }
bool ChangeLoggingWindowStore::retainDuplicates() const { return window().retainDuplicates(); }

absl::Status ChangeLoggingWindowStore::putWindow(std::string_view key,
                                                 std::optional<std::string_view> value,
                                                 int64_t window_start, std::string* store_key_out) {
  std::string store_key;
  if (absl::Status s = window().putWindow(key, value, window_start, &store_key); !s.ok()) {
    return s;
  }
  if (store_key.empty()) return absl::OkStatus();  // nothing written (delete of a duplicate)
  absl::Status s = logChange(store_key, value);
  if (store_key_out != nullptr) *store_key_out = std::move(store_key);
  return s;
}

// --- ChangeLoggingSessionStore --------------------------------------------------------------

ChangeLoggingSessionStore::ChangeLoggingSessionStore(std::unique_ptr<KeyValueStore> inner)
    : ChangeLoggingKeyValueStore(std::move(inner)) {}

absl::Status ChangeLoggingSessionStore::init(const StateStoreContext& context) {
  if (dynamic_cast<const SessionStore*>(&inner()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("state store ", name(), ": the inner store is not a session store"));
  }
  return ChangeLoggingKeyValueStore::init(context);
}

const SessionStore& ChangeLoggingSessionStore::session() const {
  return dynamic_cast<const SessionStore&>(inner());
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingSessionStore::findSessions(
    std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) const {
  return session().findSessions(key, earliest_session_end, latest_session_start);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingSessionStore::backwardFindSessions(
    std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) const {
  return session().backwardFindSessions(key, earliest_session_end, latest_session_start);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingSessionStore::findSessions(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t earliest_session_end, int64_t latest_session_start) const {
  return session().findSessions(key_from, key_to, earliest_session_end, latest_session_start);
}
absl::StatusOr<std::unique_ptr<KeyValueIterator>> ChangeLoggingSessionStore::backwardFindSessions(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t earliest_session_end, int64_t latest_session_start) const {
  return session().backwardFindSessions(key_from, key_to, earliest_session_end,
                                        latest_session_start);
}
absl::StatusOr<std::optional<std::string>> ChangeLoggingSessionStore::fetchSession(
    std::string_view key, int64_t start, int64_t end) const {
  return session().fetchSession(key, start, end);
}
int64_t ChangeLoggingSessionStore::retentionPeriod() const { return session().retentionPeriod(); }

absl::Status ChangeLoggingSessionStore::putSession(std::string_view key, int64_t start, int64_t end,
                                                   std::optional<std::string_view> aggregate) {
  const std::string binary = SessionKeySchema::toBinary(key, start, end);
  if (aggregate) return put(binary, *aggregate);  // ChangeLoggingKeyValueStore: put, then log
  return remove(binary).status();                 // remove, then a tombstone
}

absl::Status ChangeLoggingSessionStore::removeSession(std::string_view key, int64_t start,
                                                      int64_t end) {
  return remove(SessionKeySchema::toBinary(key, start, end)).status();
}

}  // namespace kstreams::state
