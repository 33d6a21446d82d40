#include "runtime/state_restorer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kstreams/logging.h"
#include "runtime/record_collector.h"

namespace kstreams::internal {
namespace {

using Clock = std::chrono::steady_clock;

// Timeout of one watermark query; retried (the topic may have just been created) until
// kWatermarkDeadline.
constexpr int kWatermarkTimeoutMs = 5000;
constexpr auto kWatermarkDeadline = std::chrono::seconds(30);
// How long one batch call waits for records.
constexpr int kPollMs = 100;
// Keys cleared per restore write when a store is cleared.
constexpr size_t kClearChunk = 10'000;

void log(LogLevel level, const std::string& prefix, absl::string_view message) {
  if (!internal::logEnabled(level)) return;
  internal::logLine(level, absl::StrCat(prefix, ": ", message));
}

// Calls a listener method; a throwing listener is logged, never propagated.
template <typename F>
void notify(const std::shared_ptr<StateRestoreListener>& listener, const std::string& prefix,
            F&& call) {
  if (listener == nullptr) return;
  try {
    call(*listener);
  } catch (const std::exception& e) {
    log(LogLevel::kError, prefix, absl::StrCat("state restore listener threw: ", e.what()));
  } catch (...) {
    log(LogLevel::kError, prefix, "state restore listener threw");
  }
}

// Deletes every key of `store` through restore writes (not logged) and sets its checkpoint to
// `checkpoint`.
absl::Status clearStore(state::KeyValueStore& store, int64_t checkpoint) {
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it = store.all();
  if (!it.ok()) return it.status();
  state::KeyValueChanges tombstones;
  while ((*it)->hasNext()) {
    tombstones.emplace_back((*it)->next().key, std::nullopt);
    if (tombstones.size() >= kClearChunk) {
      // Checkpoint unchanged until the last chunk: a crash in between leaves a store that the
      // next restore clears again.
      std::optional<int64_t> current = store.checkpointedOffset();
      if (absl::Status s = store.restoreBatch(tombstones, current.value_or(checkpoint)); !s.ok()) {
        return s;
      }
      tombstones.clear();
    }
  }
  if (absl::Status s = (*it)->status(); !s.ok()) return s;
  it->reset();
  return store.restoreBatch(tombstones, checkpoint);
}

}  // namespace

StateRestorer::StateRestorer(ClientProperties props, std::string log_prefix)
    : props_(std::move(props)), log_prefix_(std::move(log_prefix)) {}

StateRestorer::~StateRestorer() {
  queue_.reset();  // before its consumer
  if (consumer_ != nullptr) rd_kafka_consumer_close(consumer_.get());
}

absl::StatusOr<std::unique_ptr<StateRestorer>> StateRestorer::create(
    ClientProperties consumer_props, std::string log_prefix) {
  ClientProperties props = std::move(consumer_props);
  // Never joins the group: assign() only. librdkafka 2.0.2 still wants a group id for assign();
  // a separate one keeps it out of the application's group entirely (nothing is committed).
  const std::string group = props.count("group.id") ? props["group.id"] : "kstreams";
  props["group.id"] = group + "-restore";
  props.erase("group.instance.id");
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  props["enable.partition.eof"] = "false";
  props["auto.offset.reset"] = "earliest";
  props["client.id"] = log_prefix + "-restore-consumer";
  // Validate now; the client itself is made on first use (most threads never restore).
  absl::StatusOr<RdKafkaConfPtr> conf = makeConf(props);
  if (!conf.ok()) return conf.status();
  return std::unique_ptr<StateRestorer>(new StateRestorer(std::move(props), std::move(log_prefix)));
}

absl::Status StateRestorer::ensureConsumer() {
  if (consumer_ != nullptr) return absl::OkStatus();
  absl::StatusOr<RdKafkaConfPtr> conf = makeConf(props_);
  if (!conf.ok()) return conf.status();
  char errstr[512];
  RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof errstr));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create the restore consumer: ", errstr));
  }
  conf.value().release();  // owned by rk now
  rd_kafka_poll_set_consumer(rk.get());
  queue_.reset(rd_kafka_queue_get_consumer(rk.get()));
  consumer_ = std::move(rk);
  return absl::OkStatus();
}

absl::StatusOr<StateRestorer::Summary> StateRestorer::restore(
    const std::vector<Target>& targets, const std::shared_ptr<StateRestoreListener>& listener,
    const std::atomic<bool>& stop) {
  Summary summary;
  if (targets.empty()) return summary;
  const auto started = Clock::now();
  if (absl::Status s = ensureConsumer(); !s.ok()) return s;
  rd_kafka_t* rk = consumer_.get();

  // Step 1: where each store starts and ends.
  struct Part {
    const Target* target = nullptr;
    int64_t next = 0;  // next offset to apply
    int64_t end = 0;   // exclusive
    int64_t total = 0;
    bool done = false;
    state::KeyValueChanges pending;
    int64_t pending_last = -1;
  };
  std::vector<Part> parts;
  parts.reserve(targets.size());
  for (const Target& t : targets) {
    int64_t low = 0, high = 0;
    const auto deadline = Clock::now() + kWatermarkDeadline;
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
          rk, t.changelog.topic.c_str(), t.changelog.partition, &low, &high, kWatermarkTimeoutMs);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (Clock::now() >= deadline || stop.load(std::memory_order_acquire)) {
        return toStatus(err, absl::StrCat("end offset of changelog ", t.changelog.toString()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::optional<int64_t> checkpoint = t.store->checkpointedOffset();
    int64_t start = checkpoint ? *checkpoint + 1 : low;
    if (checkpoint && (start > high || start < low)) {
      log(LogLevel::kWarn, log_prefix_,
          absl::StrCat("store ", t.store_name, ": checkpoint ", *checkpoint,
                       start > high ? " is past the end of " : " is before the start of ",
                       t.changelog.toString(), " [", low, ", ", high,
                       "); clearing the store and restoring it from the start of its changelog"));
      if (absl::Status s = clearStore(*t.store, low - 1); !s.ok()) return s;
      ++summary.cleared_stores;
      start = low;
    }
    if (start >= high) continue;  // up to date
    Part p;
    p.target = &t;
    p.next = start;
    p.end = high;
    parts.push_back(std::move(p));
  }
  if (parts.empty()) return summary;
  summary.partitions = static_cast<int64_t>(parts.size());

  // Step 2.
  std::map<std::string, std::map<int32_t, Part*>, std::less<>> by_topic;
  RdKafkaPartitionListPtr assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(parts.size())));
  for (Part& p : parts) {
    const TopicPartition& tp = p.target->changelog;
    by_topic[tp.topic][tp.partition] = &p;
    rd_kafka_topic_partition_list_add(assignment.get(), tp.topic.c_str(), tp.partition)->offset =
        p.next;
    notify(listener, log_prefix_, [&](StateRestoreListener& l) {
      l.onRestoreStart(tp, p.target->store_name, p.next, p.end);
    });
    log(LogLevel::kInfo, log_prefix_,
        absl::StrCat("restoring store ", p.target->store_name, " from ", tp.toString(),
                     ", offsets ", p.next, " to ", p.end));
  }
  if (rd_kafka_resp_err_t err = rd_kafka_assign(rk, assignment.get())) {
    return toStatus(err, "assigning changelog partitions to the restore consumer");
  }
  struct Unassign {
    rd_kafka_t* rk;
    ~Unassign() { rd_kafka_assign(rk, nullptr); }
  } unassign{rk};

  // Steps 3 and 4.
  size_t remaining = parts.size();
  std::vector<rd_kafka_message_t*> batch(kMaxBatch);
  std::vector<Part*> touched;
  const rd_kafka_topic_t* last_rkt = nullptr;
  std::map<int32_t, Part*>* last_parts = nullptr;
  auto last_progress = Clock::now();
  std::string value_buf;
  while (remaining > 0) {
    if (stop.load(std::memory_order_acquire)) {
      for (Part& p : parts) {
        if (p.done) continue;
        notify(listener, log_prefix_, [&](StateRestoreListener& l) {
          l.onRestoreSuspended(p.target->changelog, p.target->store_name, p.total);
        });
      }
      return absl::CancelledError("restoration interrupted by shutdown");
    }
    const ssize_t n = consumeAvailable(queue_.get(), kPollMs, batch.data(), kMaxBatch);
    if (n < 0) {
      return toStatus(rd_kafka_last_error(), "consuming changelog records for restoration");
    }
    struct Guard {
      rd_kafka_message_t** m;
      ssize_t n;
      ~Guard() {
        for (ssize_t i = 0; i < n; ++i) rd_kafka_message_destroy(m[i]);
      }
    } guard{batch.data(), n};

    touched.clear();
    for (ssize_t i = 0; i < n; ++i) {
      const rd_kafka_message_t* m = batch[i];
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
        log(LogLevel::kWarn, log_prefix_,
            absl::StrCat("restore consumer: ", rd_kafka_message_errstr(m)));
        continue;
      }
      if (m->rkt != last_rkt) {
        last_rkt = m->rkt;
        auto t = by_topic.find(std::string_view(rd_kafka_topic_name(m->rkt)));
        last_parts = t == by_topic.end() ? nullptr : &t->second;
      }
      if (last_parts == nullptr) continue;
      auto it = last_parts->find(m->partition);
      if (it == last_parts->end()) continue;
      Part& p = *it->second;
      if (p.done || m->offset < p.next) continue;  // a stale fetch
      if (m->offset >= p.end) continue;            // written after the restoration began
      if (m->key == nullptr) {                     // cannot be a store entry: skip it
        p.next = m->offset + 1;
        continue;
      }
      if (p.pending.empty()) touched.push_back(&p);
      std::string key(static_cast<const char*>(m->key), m->key_len);
      if (m->payload == nullptr) {
        p.pending.emplace_back(std::move(key), std::nullopt);
      } else {
        std::string_view value(static_cast<const char*>(m->payload), m->len);
        if (p.target->to_store_value) {
          value_buf.clear();
          p.target->to_store_value(value, rd_kafka_message_timestamp(m, nullptr), value_buf);
          p.pending.emplace_back(std::move(key), value_buf);
        } else {
          p.pending.emplace_back(std::move(key), std::string(value));
        }
      }
      p.pending_last = m->offset;
      p.next = m->offset + 1;
    }
    for (Part* p : touched) {
      if (absl::Status s = p->target->store->restoreBatch(p->pending, p->pending_last); !s.ok()) {
        return absl::Status(s.code(),
                            absl::StrCat("restoring store ", p->target->store_name, " from ",
                                         p->target->changelog.toString(), ": ", s.message()));
      }
      const int64_t count = static_cast<int64_t>(p->pending.size());
      p->total += count;
      summary.records += count;
      p->pending.clear();
      notify(listener, log_prefix_, [&](StateRestoreListener& l) {
        l.onBatchRestored(p->target->changelog, p->target->store_name, p->pending_last, count);
      });
    }
    if (n > 0) last_progress = Clock::now();
    // A partition whose last offsets are transaction markers never hands out a record at
    // those offsets: the consumer's position, which steps over them, tells when the end is
    // reached (Java's StoreChangelogReader does the same).
    {
      RdKafkaPartitionListPtr positions(
          rd_kafka_topic_partition_list_new(static_cast<int>(remaining)));
      for (const Part& p : parts) {
        if (!p.done && p.next < p.end) {
          rd_kafka_topic_partition_list_add(positions.get(), p.target->changelog.topic.c_str(),
                                            p.target->changelog.partition);
        }
      }
      if (positions->cnt > 0 &&
          rd_kafka_position(rk, positions.get()) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < positions->cnt; ++i) {
          const rd_kafka_topic_partition_t& pos = positions->elems[i];
          if (pos.err != RD_KAFKA_RESP_ERR_NO_ERROR || pos.offset < 0) continue;
          Part& p = *by_topic[pos.topic][pos.partition];
          if (pos.offset > p.next) {
            p.next = std::min(pos.offset, p.end);
            last_progress = Clock::now();
          }
        }
      }
    }
    for (Part& p : parts) {
      if (p.done || p.next < p.end) continue;
      p.done = true;
      --remaining;
      notify(listener, log_prefix_, [&](StateRestoreListener& l) {
        l.onRestoreEnd(p.target->changelog, p.target->store_name, p.total);
      });
    }
    if (remaining > 0 &&
        Clock::now() - last_progress > std::chrono::milliseconds(kStallTimeoutMs)) {
      return absl::DeadlineExceededError(
          absl::StrCat("restoration made no progress for ", kStallTimeoutMs / 1000, " s"));
    }
  }
  summary.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  log(LogLevel::kInfo, log_prefix_,
      absl::StrCat("restored ", summary.records, " records of ", summary.partitions,
                   " changelog partitions in ", summary.seconds, " s"));
  return summary;
}

}  // namespace kstreams::internal
