// File: kstreams/join_windows.h   (included by kstreams/kstream.h)
//
// The options of a stream-stream join (Java's JoinWindows and StreamJoined):
//
//   auto joined = orders.join(
//       payments, [](const Order& o, const Payment& p) { return match(o, p); },
//       kstreams::JoinWindows::ofTimeDifferenceAndGrace(std::chrono::minutes(10),
//                                                       std::chrono::minutes(1)),
//       kstreams::StreamJoined<std::string, Order, Payment>::with(keys, orders_serde, pay_serde)
//           .withStoreName("order-payments"));
//
// JoinWindows: two records join when the other's timestamp lies in [t - before, t + after] of
// this record's t (before = after = the time difference unless before()/after() change one),
// and a record arriving after stream time has passed its window end + grace no longer joins (its
// window store has dropped what it would meet) nor waits for a partner. size() = before + after
// is the window stores' window size, size() + grace their retention.
//
// StreamJoined: serdes of the key and of both values for the two window stores (null: the
// streams' serdes, else the config defaults), the name of the join's processors (withName) and
// the base of its store names (withStoreName), and change-logging of the stores (on by default).
//
// Immutable values; copy freely.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "kstreams/dsl_options.h"
#include "kstreams/errors.h"
#include "kstreams/serde.h"

namespace kstreams {

class JoinWindows {
 public:
  // before = after = `time_difference`, no grace: a record too late for its window is dropped.
  static JoinWindows ofTimeDifferenceWithNoGrace(std::chrono::milliseconds time_difference) {
    return ofTimeDifferenceAndGrace(time_difference, std::chrono::milliseconds(0));
  }
  // before = after = `time_difference`, records up to `grace` late still join. Throws
  // std::invalid_argument for a negative difference or grace.
  static JoinWindows ofTimeDifferenceAndGrace(std::chrono::milliseconds time_difference,
                                              std::chrono::milliseconds grace) {
    if (time_difference.count() < 0) {
      throw std::invalid_argument("timeDifference must not be negative");
    }
    if (grace.count() < 0)
      throw std::invalid_argument("afterWindowEnd (grace) must not be negative");
    return JoinWindows(time_difference.count(), time_difference.count(), grace.count());
  }
  // The same windows with another lower bound: the other record's timestamp may be up to
  // `time_difference` before this one's (negative: must be at least that much after). Throws
  // std::invalid_argument when before + after becomes negative.
  JoinWindows before(std::chrono::milliseconds time_difference) const {
    return JoinWindows(time_difference.count(), after_ms_, grace_ms_);
  }
  // The same windows with another upper bound (see before()).
  JoinWindows after(std::chrono::milliseconds time_difference) const {
    return JoinWindows(before_ms_, time_difference.count(), grace_ms_);
  }

  int64_t beforeMs() const { return before_ms_; }
  int64_t afterMs() const { return after_ms_; }
  int64_t gracePeriodMs() const { return grace_ms_; }
  // before + after: the window size of the join's window stores.
  int64_t size() const { return before_ms_ + after_ms_; }

  bool operator==(const JoinWindows&) const = default;

 private:
  JoinWindows(int64_t before, int64_t after, int64_t grace)
      : before_ms_(before), after_ms_(after), grace_ms_(grace) {
    if (before + after < 0) {
      throw std::invalid_argument("Window interval (ie, beforeMs+afterMs) must not be negative.");
    }
  }
  int64_t before_ms_;
  int64_t after_ms_;
  int64_t grace_ms_;
};

template <typename K, typename V, typename VO>
class StreamJoined {
 public:
  StreamJoined() = default;
  static StreamJoined with(SerdePtr<K> key_serde, SerdePtr<V> value_serde,
                           SerdePtr<VO> other_value_serde) {
    StreamJoined s;
    s.key_serde_ = std::move(key_serde);
    s.value_serde_ = std::move(value_serde);
    s.other_value_serde_ = std::move(other_value_serde);
    return s;
  }
  // Names the join's processors "<name>-this-windowed", "<name>-this-join" (or
  // "-outer-this-join"), ..., "<name>-merge", and its repartition topics "<name>-left" /
  // "<name>-right". Store names stay generated unless withStoreName() is given too.
  static StreamJoined as(std::string store_name) {
    return StreamJoined().withStoreName(std::move(store_name));
  }
  StreamJoined withName(std::string name) const {
    internal::validateName(name);
    StreamJoined s = *this;
    s.name_ = std::move(name);
    return s;
  }
  // The stores become "<store name>-this-join-store", "<store name>-other-join-store" (or
  // -outer-this-join-store, ...) and "<store name>-outer-shared-join-store"; their changelogs
  // "<application.id>-<store>-changelog".
  StreamJoined withStoreName(std::string store_name) const {
    internal::validateName(store_name);
    StreamJoined s = *this;
    s.store_name_ = std::move(store_name);
    return s;
  }
  StreamJoined withKeySerde(SerdePtr<K> serde) const {
    StreamJoined s = *this;
    s.key_serde_ = std::move(serde);
    return s;
  }
  StreamJoined withValueSerde(SerdePtr<V> serde) const {
    StreamJoined s = *this;
    s.value_serde_ = std::move(serde);
    return s;
  }
  StreamJoined withOtherValueSerde(SerdePtr<VO> serde) const {
    StreamJoined s = *this;
    s.other_value_serde_ = std::move(serde);
    return s;
  }
  // Change-logging of all the join's stores, with these changelog topic configs.
  StreamJoined withLoggingEnabled(std::map<std::string, std::string> config) const {
    StreamJoined s = *this;
    s.logging_enabled_ = true;
    s.log_config_ = std::move(config);
    return s;
  }
  StreamJoined withLoggingDisabled() const {
    StreamJoined s = *this;
    s.logging_enabled_ = false;
    s.log_config_.clear();
    return s;
  }
  // In-memory window and shared stores instead of RocksDB ones (Java's
  // withDslStoreSuppliers(BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers)).
  StreamJoined withInMemoryStores() const {
    StreamJoined s = *this;
    s.in_memory_ = true;
    return s;
  }

  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  const SerdePtr<VO>& otherValueSerde() const { return other_value_serde_; }
  const std::optional<std::string>& name() const { return name_; }
  const std::optional<std::string>& storeName() const { return store_name_; }
  bool loggingEnabled() const { return logging_enabled_; }
  const std::map<std::string, std::string>& logConfig() const { return log_config_; }
  bool inMemory() const { return in_memory_; }

 private:
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  SerdePtr<VO> other_value_serde_;
  std::optional<std::string> name_;
  std::optional<std::string> store_name_;
  bool logging_enabled_ = true;
  std::map<std::string, std::string> log_config_;
  bool in_memory_ = false;
};

}  // namespace kstreams
