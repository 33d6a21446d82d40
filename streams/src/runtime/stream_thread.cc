#include "runtime/stream_thread.h"

#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kstreams/errors.h"
#include "kstreams/logging.h"
#include "kstreams/typed_key_value_store.h"
#include "runtime/exception_text.h"

namespace kstreams::internal {
namespace {

thread_local StreamThread* t_current_thread = nullptr;

int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void log(LogLevel level, const std::string& prefix, absl::string_view message) {
  if (!internal::logEnabled(level)) return;
  internal::logLine(level, absl::StrCat(prefix, ": ", message));
}

// Destroys the messages of one batch that no task took, whatever happens while they are
// handed out.
class BatchGuard {
 public:
  BatchGuard(rd_kafka_message_t** messages, int count) : messages_(messages), count_(count) {}
  // Messages handed to a task's PartitionGroup are nulled in the batch: the group owns them.
  ~BatchGuard() {
    for (int i = 0; i < count_; ++i) {
      if (messages_[i] != nullptr) rd_kafka_message_destroy(messages_[i]);
    }
  }
  BatchGuard(const BatchGuard&) = delete;
  BatchGuard& operator=(const BatchGuard&) = delete;

 private:
  rd_kafka_message_t** messages_;
  int count_;
};

}  // namespace

const char* toString(StreamThread::State state) {
  switch (state) {
    case StreamThread::State::kCreated:
      return "CREATED";
    case StreamThread::State::kStarting:
      return "STARTING";
    case StreamThread::State::kPartitionsRevoked:
      return "PARTITIONS_REVOKED";
    case StreamThread::State::kPartitionsAssigned:
      return "PARTITIONS_ASSIGNED";
    case StreamThread::State::kRunning:
      return "RUNNING";
    case StreamThread::State::kPendingShutdown:
      return "PENDING_SHUTDOWN";
    case StreamThread::State::kDead:
      return "DEAD";
  }
  return "?";
}

StreamThread::StreamThread(Options options) : options_(std::move(options)) {
  for (size_t i = 0; i < options_.subtopologies.size(); ++i) {
    for (const auto& [topic, internal_topic] : options_.subtopologies[i].source_topics) {
      std::string full = internal_topic ? options_.config->application_id + "-" + topic : topic;
      if (topic_to_subtopology_.emplace(full, i).second) source_topics_.push_back(full);
    }
  }
}

absl::StatusOr<std::unique_ptr<StreamThread>> StreamThread::create(Options options) {
  std::unique_ptr<StreamThread> thread(new StreamThread(std::move(options)));
  const Options& o = thread->options_;

  // End-of-partition events tell the task's PartitionGroup that a partition with nothing
  // buffered is caught up (max.task.idle.ms); they are consumed by the loop, never processed.
  ClientProperties consumer_props = o.consumer_props;
  consumer_props["enable.partition.eof"] = "true";
  absl::StatusOr<RdKafkaConfPtr> conf = makeConf(consumer_props);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(conf->get(), thread.get());
  rd_kafka_conf_set_rebalance_cb(conf->get(), &StreamThread::rebalanceTrampoline);
  rd_kafka_conf_set_error_cb(conf->get(), &StreamThread::errorTrampoline);
  char errstr[512];
  RdKafkaPtr consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf->get(), errstr, sizeof errstr));
  if (consumer == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create Kafka consumer: ", errstr));
  }
  conf->release();
  // Errors, logs and rebalance events then arrive on the consumer queue and are served by the
  // batch calls of the loop, on the stream thread.
  rd_kafka_poll_set_consumer(consumer.get());
  thread->consumer_queue_.reset(rd_kafka_queue_get_consumer(consumer.get()));
  thread->consumer_ = std::move(consumer);

  absl::StatusOr<std::unique_ptr<RecordCollector>> collector =
      RecordCollector::create(o.producer_props, o.config->production_handler, o.name);
  if (!collector.ok()) return collector.status();
  thread->collector_ = *std::move(collector);
  for (const InternalTopicDef& def : o.topology->internalTopics()) {
    thread->collector_->markInternal(o.config->application_id + "-" + def.name);
  }
  // Kafka Streams divides statestore.cache.max.bytes among the threads.
  thread->cache_ = std::make_unique<state::ThreadCache>(o.config->cache_max_bytes /
                                                        std::max(1, o.config->num_stream_threads));
  absl::StatusOr<std::unique_ptr<StateRestorer>> restorer =
      StateRestorer::create(o.consumer_props, o.name);
  if (!restorer.ok()) return restorer.status();
  thread->restorer_ = *std::move(restorer);
  return thread;
}

StreamThread::~StreamThread() {
  requestShutdown();
  join();
  // Never started: the clients are still there; the queue must go before its consumer.
  consumer_queue_.reset();
  if (consumer_ != nullptr) rd_kafka_consumer_close(consumer_.get());
}

bool StreamThread::onStreamThread() { return t_current_thread != nullptr; }

void StreamThread::start() {
  thread_ = std::thread([this] { run(); });
}

void StreamThread::requestShutdown(bool hold_before_leaving) {
  if (hold_before_leaving) {
    std::lock_guard<std::mutex> lock(phase_mu_);
    hold_before_leaving_ = true;
  }
  stop_requested_.store(true, std::memory_order_release);
  std::lock_guard<std::mutex> lock(wake_mu_);
  if (consumer_queue_ != nullptr) rd_kafka_queue_yield(consumer_queue_.get());
}

bool StreamThread::awaitFinalCommit(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(phase_mu_);
  return phase_cv_.wait_until(lock, deadline, [&] {
    return final_commit_done_ || !thread_.joinable() || state() == State::kDead;
  });
}

void StreamThread::allowLeaving() {
  {
    std::lock_guard<std::mutex> lock(phase_mu_);
    leaving_allowed_ = true;
  }
  phase_cv_.notify_all();
}

std::vector<TopicPartition> StreamThread::assignment() const {
  std::lock_guard<std::mutex> lock(assignment_mu_);
  return assignment_;
}

void StreamThread::join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void StreamThread::setState(State state) {
  State old = state_.exchange(state, std::memory_order_acq_rel);
  if (old == state) return;
  log(LogLevel::kInfo, options_.name,
      absl::StrCat("state transition from ", toString(old), " to ", toString(state)));
  if (options_.listener != nullptr) options_.listener->onThreadStateChange(*this, state, old);
}

void StreamThread::run() {
  t_current_thread = this;
  // Linux limits thread names to 15 characters.
  std::string short_name = absl::StrCat("kstreams-", options_.index).substr(0, 15);
  pthread_setname_np(pthread_self(), short_name.c_str());

  setState(State::kStarting);
  std::exception_ptr error;
  try {
    runLoop();
  } catch (...) {
    error = std::current_exception();
  }
  setState(State::kPendingShutdown);
  if (error) {
    log(LogLevel::kError, options_.name,
        absl::StrCat("encountered an error and shuts down: ", describeException(error)));
  }
  try {
    completeShutdown(/*clean=*/!error);
  } catch (...) {
    // A clean shutdown whose last commit failed: report it like any other failure.
    if (!error) error = std::current_exception();
    log(LogLevel::kError, options_.name,
        absl::StrCat("error while shutting down: ", describeException(std::current_exception())));
  }
  log(LogLevel::kInfo, options_.name,
      absl::StrCat("shut down; records dropped after losing their partition: ", dropped_));
  setState(State::kDead);
  {
    // awaitFinalCommit() also ends on DEAD; taking the lock orders this wake-up after any
    // waiter's check.
    std::lock_guard<std::mutex> lock(phase_mu_);
  }
  phase_cv_.notify_all();
  if (error && options_.listener != nullptr) options_.listener->onThreadFailure(*this, error);
  t_current_thread = nullptr;
}

void StreamThread::runLoop() {
  // Step 1.
  {
    RdKafkaPartitionListPtr topics(
        rd_kafka_topic_partition_list_new(static_cast<int>(source_topics_.size())));
    for (const std::string& t : source_topics_) {
      rd_kafka_topic_partition_list_add(topics.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), topics.get())) {
      throw StreamsException(absl::StrCat(
          options_.name, ": cannot subscribe to the source topics: ", rd_kafka_err2str(err)));
    }
  }
  last_commit_ = std::chrono::steady_clock::now();
  std::vector<rd_kafka_message_t*> batch(kMaxBatch);

  while (!stop_requested_.load(std::memory_order_acquire)) {
    // Step 2 (rebalance callbacks run inside).
    batch_pending_ = true;
    const int n = pollBatch(batch.data(), pollTimeoutMs());
    BatchGuard guard(batch.data(), n);
    if (callback_error_) std::rethrow_exception(callback_error_);
    // Step 3.
    if (!restoring_.empty() && !restoreTasks()) break;  // shutdown during restoration
    if (state() == State::kPartitionsAssigned) setState(State::kRunning);
    // Step 4: into the tasks' partition queues, then processed lowest timestamp first.
    for (int i = 0; i < n; ++i) enqueue(std::exchange(batch[i], nullptr));
    batch_pending_ = false;
    processTasks();
    // Step 5.
    collector_->poll();
    if (collector_->failed()) throw StreamsException(collector_->failure());
    // Step 6.
    maybeCommit();
  }
}

int StreamThread::pollTimeoutMs() const {
  int64_t timeout = options_.config->poll_ms;
  if (tasks_.empty()) return static_cast<int>(timeout);
  // Never sleep past a wall-clock punctuation or a task's max.task.idle.ms deadline.
  const int64_t now = wallClockMs();
  auto until = [&](int64_t deadline) {
    timeout = std::min(timeout, std::max<int64_t>(0, deadline - now));
  };
  for (const auto& [id, task] : tasks_) {
    if (int64_t next = task->nextWallClockPunctuationMs(); next != INT64_MAX) until(next);
  }
  for (const auto& [id, group] : groups_) {
    if (int64_t next = group->nextIdleDeadline(); next >= 0) until(next);
  }
  return static_cast<int>(timeout);
}

void StreamThread::processTasks() {
  const int64_t now = wallClockMs();
  for (auto& [id, group] : groups_) {
    if (group->buffered() > 0 && group->process(now, INT64_MAX) > 0) dirty_ = true;
  }
  // Wall-clock punctuation, each turn of the loop (pollTimeoutMs() wakes it up in time).
  for (auto& [id, task] : tasks_) {
    if (isRestoring(id)) continue;
    if (task->maybePunctuateSystemTime()) dirty_ = true;
  }
}

int StreamThread::pollBatch(rd_kafka_message_t** batch, int timeout_ms) {
  const ssize_t n = consumeAvailable(consumer_queue_.get(), timeout_ms, batch, kMaxBatch);
  if (n < 0) {
    throw StreamsException(absl::StrCat(
        options_.name, ": consuming failed: ", rd_kafka_err2str(rd_kafka_last_error())));
  }
  return static_cast<int>(n);
}

PartitionGroup::Queue* StreamThread::route(const rd_kafka_message_t* message) {
  if (message->rkt != last_rkt_) {
    const char* topic = rd_kafka_topic_name(message->rkt);
    auto it = routes_.find(std::string_view(topic));
    last_route_ = it == routes_.end() ? nullptr : &it->second;
    last_rkt_ = message->rkt;
  }
  const int32_t partition = message->partition;
  if (last_route_ != nullptr && partition >= 0 &&
      static_cast<size_t>(partition) < last_route_->size()) {
    return (*last_route_)[partition];
  }
  return nullptr;
}

void StreamThread::enqueue(rd_kafka_message_t* message) {
  // Destroyed here unless a partition queue takes it (also when this throws).
  std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owned(
      message, &rd_kafka_message_destroy);
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (message->rkt != nullptr) {
        if (PartitionGroup::Queue* q = route(message)) {
          q->group->onEndOfPartition(*q, message->offset);
        }
      }
      return;
    }
    std::string what = absl::StrCat(
        "consumer error",
        message->rkt
            ? absl::StrCat(" on ", rd_kafka_topic_name(message->rkt), "-", message->partition)
            : std::string(),
        ": ", rd_kafka_message_errstr(message));
    if (isSecurityError(message->err)) {
      throw StreamsException(absl::StrCat(options_.name, ": ", what, " (",
                                          rd_kafka_err2name(message->err), "; not retried)"));
    }
    char buf[256];
    if (message->err == RD_KAFKA_RESP_ERR__FATAL ||
        rd_kafka_fatal_error(consumer_.get(), buf, sizeof buf) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw StreamsException(absl::StrCat(options_.name, ": fatal ", what));
    }
    // Transient (the consumer retries) or about a topic that vanished: keep going with the rest.
    log(LogLevel::kWarn, options_.name, what);
    return;
  }
  PartitionGroup::Queue* q = route(message);
  if (q == nullptr) {
    ++dropped_;  // fetched before its partition was revoked; its new owner will process it
    return;
  }
  q->group->add(*q, owned.release());
}

void StreamThread::initializePartitionTimes() {
  RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(8));
  for (TaskId id : restoring_) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    for (const std::string& topic : it->second->sourceTopics()) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id.partition);
    }
  }
  if (list->cnt == 0) return;
  if (rd_kafka_resp_err_t err = rd_kafka_committed(consumer_.get(), list.get(), 30000)) {
    log(LogLevel::kWarn, options_.name,
        absl::StrCat("reading the committed offsets' metadata failed (", rd_kafka_err2name(err),
                     "): partition times start unknown"));
    return;
  }
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR || p.metadata == nullptr || p.metadata_size == 0) {
      continue;
    }
    const int64_t partition_time = decodeOffsetMetadata(
        std::string_view(static_cast<const char*>(p.metadata), p.metadata_size));
    if (partition_time < 0) continue;
    for (const auto& [id, task] : tasks_) {
      if (id.partition != p.partition) continue;
      auto group = groups_.find(id);
      if (group == groups_.end() || group->second->queue(p.topic) == nullptr) continue;
      group->second->setPartitionTime(p.topic, partition_time);
    }
  }
}

bool StreamThread::restoreTasks() {
  // Java's StreamTask#initializeTaskTimeAndProcessorMetadata: partition and stream time from
  // the committed offsets' metadata, before the first record.
  initializePartitionTimes();
  std::vector<StateRestorer::Target> targets;
  std::vector<StreamTask*> tasks;
  for (TaskId id : restoring_) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    tasks.push_back(it->second.get());
    for (const StreamTask::StoreInfo& info : it->second->stores()) {
      if (info.changelog_topic.empty()) continue;
      StateRestorer::Target t;
      t.store_name = info.name;
      t.changelog = TopicPartition{info.changelog_topic, info.changelog_partition};
      t.store = info.store;
      if (info.timestamped) {
        // The changelog has the plain value, the store the record's timestamp in front of it.
        t.to_store_value = [](std::string_view value, int64_t timestamp, std::string& out) {
          appendTimestamp(out, timestamp);
          out.append(value);
        };
      }
      targets.push_back(std::move(t));
    }
  }
  std::shared_ptr<StateRestoreListener> listener =
      options_.listener != nullptr ? options_.listener->restoreListener() : nullptr;
  absl::StatusOr<StateRestorer::Summary> restored =
      restorer_->restore(targets, listener, stop_requested_);
  if (!restored.ok()) {
    if (absl::IsCancelled(restored.status())) return false;
    throw StreamsException(absl::StrCat(
        options_.name, ": restoring state stores failed: ", restored.status().ToString()));
  }
  restoring_.clear();
  if (options_.queryable_stores != nullptr) {
    for (StreamTask* task : tasks) options_.queryable_stores->addTask(*task);
  }
  return true;
}

void StreamThread::maybeCommit() {
  const auto now = std::chrono::steady_clock::now();
  bool requested = false;
  for (const auto& [id, task] : tasks_) requested = requested || task->commitRequested();
  // Not when idle: a commit flushes the producer, commits synchronously and syncs every store,
  // and at a low input rate most polls come back empty, which made a commit every poll.ms and
  // emptied the record caches as fast as they filled (Java commits on the interval only too).
  if (requested ||
      now - last_commit_ >= std::chrono::milliseconds(options_.config->commit_interval_ms)) {
    commit();
  }
}

RdKafkaPartitionListPtr StreamThread::committableOffsets() {
  RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(8));
  for (const auto& [id, task] : tasks_) {
    if (isRestoring(id)) continue;  // processed nothing yet
    const auto& consumed = task->consumedOffsets();
    auto group = groups_.find(id);
    for (const std::string& topic : task->sourceTopics()) {
      auto it = consumed.find({topic, id.partition});
      int64_t offset = it == consumed.end() ? RD_KAFKA_OFFSET_INVALID : it->second;
      // Once every record handed out for the partition is processed, its position is the
      // offset to commit (Java's StreamTask does the same with the consumer's position): it
      // also steps over what the consumer skips without handing it out, such as transaction
      // markers, which "last processed + 1" would leave uncommitted for ever (a lag of 1 that
      // never goes away). While the task still buffers records of the partition (waiting for
      // its other partitions, or paused), or a poll is under way (a revocation or a shutdown
      // served inside it), only what was processed counts: never commit past a record not
      // processed yet.
      if (!batch_pending_ && group != groups_.end()) {
        offset = std::max(offset, group->second->committablePosition(topic));
      }
      rd_kafka_topic_partition_t* entry =
          rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), id.partition);
      entry->offset = offset;
      // The partition time goes with the offset, in Kafka Streams' format, so that a restart
      // (of kstreams or of a Java application with the same id) resumes its stream time.
      if (group != groups_.end() && offset >= 0) {
        const std::string metadata = encodeOffsetMetadata(group->second->partitionTime(topic));
        entry->metadata = malloc(metadata.size());  // freed with the list by librdkafka
        memcpy(entry->metadata, metadata.data(), metadata.size());
        entry->metadata_size = metadata.size();
      }
    }
  }
  RdKafkaPartitionListPtr moved(rd_kafka_topic_partition_list_new(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    if (p.offset < 0) continue;  // nothing consumed there yet
    auto it = committed_.find({p.topic, p.partition});
    if (it != committed_.end() && it->second >= p.offset) continue;  // never backwards
    rd_kafka_topic_partition_t* entry =
        rd_kafka_topic_partition_list_add(moved.get(), p.topic, p.partition);
    entry->offset = p.offset;
    if (p.metadata != nullptr) {
      entry->metadata = malloc(p.metadata_size);
      memcpy(entry->metadata, p.metadata, p.metadata_size);
      entry->metadata_size = p.metadata_size;
    }
  }
  return moved;
}

void StreamThread::commit() {
  last_commit_ = std::chrono::steady_clock::now();
  bool requested = false;
  for (const auto& [id, task] : tasks_) {
    requested = requested || task->commitRequested();
    task->clearCommitRequest();
  }
  RdKafkaPartitionListPtr offsets = committableOffsets();
  // Nothing processed and no position moved (over records the consumer skips) since the last
  // commit: nothing to do.
  if (!dirty_ && !requested && offsets->cnt == 0) return;
  dirty_ = false;
  // 6a: the caches flush (sending downstream and to the changelogs), the stores sync.
  for (const auto& [id, task] : tasks_) task->prepareCommit();
  // 6b: everything produced from the records being committed must be acknowledged first.
  if (absl::Status s = collector_->flush(); !s.ok()) {
    throw StreamsException(absl::StrCat(options_.name, ": not committing: ", s.message()));
  }
  // 6c.
  if (offsets->cnt > 0) commitOffsets(offsets.get());
  // 6d: whether or not the offsets went through, the stores hold what their changelogs were
  // acknowledged to hold.
  checkpointStores();
}

void StreamThread::checkpointStores() {
  for (const auto& [id, task] : tasks_) {
    // A store being restored checkpoints each restored batch itself; nothing else may move its
    // checkpoint (a shutdown can interrupt the restoration).
    if (isRestoring(id)) continue;
    std::map<std::pair<std::string, int32_t>, int64_t> acked;
    for (const StreamTask::StoreInfo& info : task->stores()) {
      if (info.changelog_topic.empty()) continue;
      std::optional<int64_t> offset =
          collector_->acknowledgedOffset(info.changelog_topic, info.changelog_partition);
      if (!offset) continue;
      // An acknowledgement older than the checkpoint (from an earlier ownership of the task,
      // before a restoration moved the checkpoint on) must not move it back.
      std::optional<int64_t> current = info.store->checkpointedOffset();
      if (current && *current >= *offset) continue;
      acked[{info.changelog_topic, info.changelog_partition}] = *offset;
    }
    if (!acked.empty()) task->postCommit(acked);
  }
}

void StreamThread::commitOffsets(rd_kafka_topic_partition_list_t* offsets) {
  rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), offsets, /*async=*/0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // E.g. REBALANCE_IN_PROGRESS or a lost generation: the partitions' next owner starts from
    // the previous commit, so some records are processed twice; none is lost.
    log(LogLevel::kWarn, options_.name,
        absl::StrCat("commit of ", offsets->cnt,
                     " offsets failed (records after the previous "
                     "commit will be processed again): ",
                     rd_kafka_err2name(err)));
    dirty_ = true;  // the next commit tries again (after the rebalance)
    return;
  }
  for (int i = 0; i < offsets->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = offsets->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log(LogLevel::kWarn, options_.name,
          absl::StrCat("commit of ", p.topic, "-", p.partition,
                       " failed: ", rd_kafka_err2name(p.err)));
      dirty_ = true;
      continue;
    }
    committed_[{p.topic, p.partition}] = p.offset;
  }
}

void StreamThread::completeShutdown(bool clean) {
  std::exception_ptr error;
  if (clean) {
    // Step 7: the current batch is done; commit it.
    try {
      commit();
    } catch (...) {
      error = std::current_exception();
    }
  }
  // From here on nothing is committed (also not by the revocation that closing the consumer
  // triggers, which finds no task anyway).
  failed_ = failed_ || !clean || error != nullptr;
  closeTasks();
  {
    std::unique_lock<std::mutex> lock(phase_mu_);
    final_commit_done_ = true;
    phase_cv_.notify_all();
    if (hold_before_leaving_ &&
        !phase_cv_.wait_for(lock, kLeaveHoldLimit, [&] { return leaving_allowed_; })) {
      log(LogLevel::kWarn, options_.name, "leaving the group without the client's go-ahead");
    }
  }
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    consumer_queue_.reset();  // must go before its consumer
  }
  if (consumer_ != nullptr) {
    // Leaves the group, so that the partitions move to other members at once rather than after
    // session.timeout.ms. Serves the final revocation through our callback.
    if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(consumer_.get())) {
      log(LogLevel::kWarn, options_.name,
          absl::StrCat("closing the consumer: ", rd_kafka_err2name(err)));
    }
    consumer_.reset();
  }
  if (collector_ != nullptr) {
    if (clean && error == nullptr) {
      if (absl::Status s = collector_->flush(); !s.ok()) {
        log(LogLevel::kError, options_.name, s.message());
      }
    }
    collector_.reset();
  }
  if (error) std::rethrow_exception(error);
}

// ---- rebalances

void StreamThread::rebalanceTrampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                                       rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<StreamThread*>(opaque)->onRebalance(err, partitions);
}

void StreamThread::onRebalance(rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* partitions) {
  // A C frame: every exception is kept and rethrown by the loop.
  const bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  try {
    last_rkt_ = nullptr;
    last_route_ = nullptr;
    const bool shutting_down = state() == State::kPendingShutdown;
    {
      std::lock_guard<std::mutex> lock(assignment_mu_);
      assignment_.clear();
      for (int i = 0; assign && partitions != nullptr && i < partitions->cnt; ++i) {
        assignment_.push_back(
            TopicPartition{partitions->elems[i].topic, partitions->elems[i].partition});
      }
    }
    if (assign) {
      log(LogLevel::kInfo, options_.name,
          absl::StrCat("assigned ", partitions ? partitions->cnt : 0, " partitions"));
      if (!shutting_down) setState(State::kPartitionsAssigned);
      if (!failed_ && !shutting_down) createTasks(partitions);
    } else {
      log(LogLevel::kInfo, options_.name,
          absl::StrCat(err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS ? "revoked " : "lost ",
                       partitions ? partitions->cnt : 0, " partitions (", rd_kafka_err2name(err),
                       ")"));
      if (!shutting_down) setState(State::kPartitionsRevoked);
      std::exception_ptr commit_error;
      // Lost partitions (session timed out) already belong to someone else: committing would
      // fail, and their tasks close as zombies.
      if (!failed_ && err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS &&
          !rd_kafka_assignment_lost(consumer_.get())) {
        try {
          commit();
        } catch (...) {
          commit_error = std::current_exception();
          failed_ = true;
        }
      }
      closeTasks();
      committed_.clear();
      if (commit_error) std::rethrow_exception(commit_error);
    }
  } catch (...) {
    if (!callback_error_) callback_error_ = std::current_exception();
  }
  // Always complete the handshake, or the consumer would stay between two assignments.
  rd_kafka_resp_err_t aerr = rd_kafka_assign(consumer_.get(), assign ? partitions : nullptr);
  if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log(LogLevel::kError, options_.name,
        absl::StrCat(assign ? "assign" : "unassign", " failed: ", rd_kafka_err2name(aerr)));
  }
}

void StreamThread::createTasks(const rd_kafka_topic_partition_list_t* partitions) {
  if (partitions == nullptr) return;
  TaskEnv env;
  env.config = options_.config;
  env.sender = collector_.get();
  env.wall_clock_ms = &wallClockMs;
  env.outer_join_emit_interval_ms = options_.config->outer_join_emit_interval_ms.value_or(1000);
  env.windowed_aggregation_emit_interval_ms =
      options_.config->windowed_aggregation_emit_interval_ms.value_or(1000);
  env.cache = cache_.get();
  env.rocksdb_resources = options_.rocksdb_resources;
  std::vector<std::pair<std::string, int32_t>> taken_over;  // changelog partitions of new tasks
  for (int i = 0; i < partitions->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = partitions->elems[i];
    auto sub = topic_to_subtopology_.find(std::string_view(p.topic));
    if (sub == topic_to_subtopology_.end()) {
      log(LogLevel::kWarn, options_.name,
          absl::StrCat("assigned ", p.topic, "-", p.partition, ", which no source reads"));
      continue;
    }
    const SubtopologyDef& def = options_.subtopologies[sub->second];
    TaskId id{def.id, p.partition};
    auto it = tasks_.find(id);
    if (it == tasks_.end()) {
      it = tasks_.emplace(id, std::make_unique<StreamTask>(id, *options_.topology, def, env)).first;
      log(LogLevel::kInfo, options_.name, absl::StrCat("created task ", id.toString()));
      // Its stores are restored (step 3) before it processes a record; the acknowledged
      // offsets of their changelogs become their checkpoints (step 6d).
      for (const StreamTask::StoreInfo& info : it->second->stores()) {
        if (!info.changelog_topic.empty()) {
          collector_->trackAcknowledgedOffsets(info.changelog_topic);
          taken_over.emplace_back(info.changelog_topic, info.changelog_partition);
        }
      }
      restoring_.push_back(id);
      groups_[id] = std::make_unique<PartitionGroup>(
          *it->second, consumer_.get(), options_.config->max_task_idle_ms,
          options_.config->buffered_records_per_partition,
          absl::StrCat(options_.name, " task ", id.toString()));
    }
    std::vector<PartitionGroup::Queue*>& route = routes_[p.topic];
    if (route.size() <= static_cast<size_t>(p.partition)) route.resize(p.partition + 1, nullptr);
    route[p.partition] = groups_.at(id)->queue(p.topic);
  }
  if (taken_over.empty()) return;
  // A new task's checkpoints come from its own acknowledgements only. Those of an earlier
  // ownership (closed without a commit when its partitions were lost) may lie beyond what the
  // store holds now, so they are forgotten, after waiting for any still in flight. A failed
  // delivery among them stays recorded and is reported by step 5.
  (void)collector_->flush();
  for (const auto& [topic, partition] : taken_over) {
    collector_->forgetAcknowledged(topic, partition);
  }
}

void StreamThread::closeTasks() {
  // Queries first: removing a task waits for reads in progress on its stores.
  if (options_.queryable_stores != nullptr) {
    for (const auto& [id, task] : tasks_) options_.queryable_stores->removeTask(id);
  }
  restoring_.clear();
  // Buffered records go first (unprocessed, so not committed: the partitions' next owner, or
  // this thread after a new assignment, fetches them again); paused partitions are resumed.
  routes_.clear();
  groups_.clear();
  for (auto& [id, task] : tasks_) {
    try {
      task->close();
    } catch (const std::exception& e) {
      log(LogLevel::kError, options_.name,
          absl::StrCat("closing task ", id.toString(), " failed: ", e.what()));
    }
  }
  tasks_.clear();
  routes_.clear();
  last_rkt_ = nullptr;
  last_route_ = nullptr;
}

// ---- errors

void StreamThread::errorTrampoline(rd_kafka_t*, int err, const char* reason, void* opaque) {
  try {
    static_cast<StreamThread*>(opaque)->onConsumerError(err, reason);
  } catch (...) {
  }
}

void StreamThread::onConsumerError(int err, const char* reason) {
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    rd_kafka_resp_err_t cause = rd_kafka_fatal_error(consumer_.get(), buf, sizeof buf);
    if (!callback_error_) {
      callback_error_ = std::make_exception_ptr(StreamsException(absl::StrCat(
          options_.name, ": fatal consumer error: ", rd_kafka_err2name(cause), ": ", buf)));
    }
    return;
  }
  if (isSecurityError(code)) {
    if (!callback_error_) {
      callback_error_ = std::make_exception_ptr(StreamsException(absl::StrCat(
          options_.name, ": consumer: ", rd_kafka_err2name(code), ": ", reason, " (not retried)")));
    }
    return;
  }
  // Connection problems and the like: librdkafka retries; say so once per occurrence.
  log(LogLevel::kWarn, options_.name,
      absl::StrCat("consumer: ", rd_kafka_err2name(code), ": ", reason));
}

}  // namespace kstreams::internal
