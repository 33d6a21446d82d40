#include "runtime/stream_task.h"

#include <algorithm>
#include <filesystem>

#include "kstreams/errors.h"
#include "kstreams/logging.h"
#include "kstreams/state/change_logger.h"
#include "kstreams/state/in_memory_key_value_store.h"
#include "kstreams/state/rocksdb_key_value_store.h"
#include "kstreams/typed_key_value_store.h"
#include "runtime/caching_window_store.h"

namespace kstreams::internal {

struct StreamTask::TaskStore {
  const StoreDef* def = nullptr;
  std::unique_ptr<ChangeLogger> logger;         // borrowed by the change-logging layer
  std::unique_ptr<state::KeyValueStore> bytes;  // outermost byte layer
  CachingLayer* caching = nullptr;              // inside `bytes`, if cached
  std::unique_ptr<StateStore> facade;
  std::string changelog_topic;
  bool persistent = false;
};

// Sends a store's changes to its changelog partition (Kafka's ProcessorContext#logChange): the
// task's partition, the record context's timestamp; for a timestamped store the plain value with
// the value's own timestamp, as Kafka's ChangeLoggingTimestampedKeyValueBytesStore logs it.
class StreamTask::ChangeLogger final : public state::ChangeLogger {
 public:
  ChangeLogger(StreamTask& task, std::string topic, bool timestamped)
      : task_(task), topic_(std::move(topic)), timestamped_(timestamped) {}

  absl::Status logChange(std::string_view key, std::optional<std::string_view> value) override {
    int64_t timestamp = task_.recordTimestamp();
    if (timestamped_ && value) {
      if (value->size() < 8) {
        return absl::InternalError("a timestamped store value is shorter than its timestamp");
      }
      timestamp = readTimestamp(*value);
      value = value->substr(8);
    }
    try {
      task_.send(topic_, task_.id_.partition, key, value, timestamp, kNoHeaders);
    } catch (const std::exception& e) {
      return absl::InternalError(std::string("changelog ") + topic_ + ": " + e.what());
    }
    return absl::OkStatus();
  }

 private:
  inline static const Headers kNoHeaders;
  StreamTask& task_;
  const std::string topic_;
  const bool timestamped_;
};

StreamTask::StreamTask(TaskId id, const Topology& topology, const SubtopologyDef& sub, TaskEnv env)
    : id_(id), env_(std::move(env)) {
  // Stores first: processors look them up in init(). If anything below throws, the destructor
  // does not run: close the stores opened so far here.
  try {
    openStores(topology, sub);
  } catch (...) {
    closeStores();
    throw;
  }
  std::map<std::string, NodeInstance*> by_name;
  for (const auto& name : sub.nodes) {
    const NodeDef& def = topology.node(name);
    nodes_.push_back(def.factory->create(def.name));
    by_name[name] = nodes_.back().get();
    if (def.kind == NodeDef::Kind::kSource) {
      auto* source = dynamic_cast<SourceNodeBase*>(nodes_.back().get());
      for (const auto& t : def.topics) {
        std::string full = resolveTopic(t, def.internal_topic);
        source_topics_.push_back(full);
        source_by_topic_[full] = source;
        extractor_by_topic_[full] = def.timestamp_extractor
                                        ? def.timestamp_extractor
                                        : env_.config->default_timestamp_extractor;
      }
    }
  }
  for (const auto& name : sub.nodes) {
    for (const auto& child : topology.node(name).children) {
      by_name.at(name)->addChild(by_name.at(child));
    }
  }
  // Children before parents, so that a processor's init() may already forward.
  try {
    for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) (*it)->init(*this);
  } catch (...) {
    closeStores();
    throw;
  }
}

std::vector<StreamTask::TopicSerdes> StreamTask::topicSerdes() const {
  std::vector<TopicSerdes> out;
  for (const auto& [topic, source] : source_by_topic_) {
    if (source != nullptr) out.push_back({source->name(), topic, false, source->serdes()});
  }
  for (const auto& node : nodes_) {
    NodeSerdes serdes = node->serdes();
    if (!serdes.sink_topic.empty()) out.push_back({node->name(), serdes.sink_topic, true, serdes});
  }
  return out;
}

void StreamTask::openStores(const Topology& topology, const SubtopologyDef& sub) {
  const StreamsConfig::Resolved& config = *env_.config;
  for (const auto& node : sub.nodes) {
    for (const auto& name : topology.node(node).stores) {
      connected_[node].insert(name);
      if (store_by_name_.count(name)) continue;
      const StoreDef* def = topology.storeDef(name);
      if (def == nullptr) {
        throw TopologyException("state store " + name + " is connected to processor " + node +
                                " but was not added to the topology (addStateStore)");
      }
      auto ts = std::make_unique<TaskStore>();
      ts->def = def;
      state::StateStoreContext ctx;
      // Key-value stores in "<task>/rocksdb/<store>"; window and session stores, whose segments
      // are "<store>.<segment start>" directories, in "<task>/<store>" (Kafka Streams' layouts).
      const state::KeyValueBytesStoreSupplier& supplier = def->builder.supplier();
      const bool segmented =
          dynamic_cast<const state::WindowBytesStoreSupplier*>(&supplier) != nullptr ||
          dynamic_cast<const state::SessionBytesStoreSupplier*>(&supplier) != nullptr;
      ctx.store_dir = std::filesystem::path(config.state_dir) / config.application_id /
                      id_.toString() / (segmented ? name : "rocksdb/" + name);
      ctx.rocksdb_resources = env_.rocksdb_resources;
      const state::KeyValueStoreBuilder& builder = def->builder;
      const bool logged = builder.loggingEnabled() && !env_.validate_only;
      if (logged) {
        ts->changelog_topic = resolveTopic(name + "-changelog", /*internal=*/true);
        ts->logger = std::make_unique<ChangeLogger>(*this, ts->changelog_topic, def->timestamped);
        ctx.change_logger = ts->logger.get();
      }
      state::ThreadCache* cache = nullptr;
      if (builder.cachingEnabled() && !env_.validate_only && config.cache_max_bytes > 0) {
        if (env_.cache == nullptr && !own_cache_) {
          own_cache_ = std::make_unique<state::ThreadCache>(config.cache_max_bytes);
        }
        cache = env_.cache != nullptr ? env_.cache : own_cache_.get();
        if (cache->maxBytes() <= 0) cache = nullptr;
      }
      auto build = [&]() -> std::unique_ptr<state::KeyValueStore> {
        ts->caching = nullptr;
        if (env_.validate_only) return builder.supplier().inMemoryStandIn();
        std::unique_ptr<state::KeyValueStore> bytes = builder.build();  // (+ change-logging)
        if (cache != nullptr) {
          std::string ns = state::ThreadCache::nameSpace(id_.toString(), name);
          auto* provider = static_cast<CacheContextProvider*>(this);
          auto wrap = [&](auto caching) {
            ts->caching = caching.get();
            bytes = std::move(caching);
          };
          if (auto* window = dynamic_cast<state::WindowStore*>(bytes.get())) {
            // Java caches no store of duplicates (its stream-stream joins disable caching).
            if (!window->retainDuplicates()) {
              wrap(std::make_unique<CachingWindowStore>(std::move(bytes), cache, ns, provider));
            }
          } else if (dynamic_cast<state::SessionStore*>(bytes.get()) != nullptr) {
            wrap(std::make_unique<CachingSessionStore>(std::move(bytes), cache, ns, provider));
          } else {
            wrap(std::make_unique<CachingKeyValueStore>(std::move(bytes), cache, ns, provider));
          }
        }
        return bytes;
      };
      ts->bytes = build();
      ts->persistent = ts->bytes->persistent();
      absl::Status status = ts->bytes->init(ctx);
      if (status.code() == absl::StatusCode::kDataLoss && ts->persistent) {
        internal::logLine(LogLevel::kWarn, "task " + id_.toString() + ": state store " + name +
                                               " is corrupt (" + status.ToString() +
                                               "); wiping it, to be restored from its changelog");
        ts->bytes.reset();
        if (absl::Status w = state::RocksDbKeyValueStore::wipe(ctx.store_dir); !w.ok()) status = w;
        ts->bytes = build();
        status = ts->bytes->init(ctx);
      }
      if (!status.ok()) {
        throw StreamsException("task " + id_.toString() + ": state store " + name +
                               " did not open: " + status.ToString());
      }
      TaskStore* raw = ts.get();
      store_by_name_[name] = raw;
      stores_.push_back(std::move(ts));
      raw->facade = def->make_facade(*raw->bytes, *this, raw->caching);
    }
  }
}

void StreamTask::closeStores() {
  for (auto it = stores_.rbegin(); it != stores_.rend(); ++it) {
    TaskStore& s = **it;
    if (!s.bytes) continue;
    if (absl::Status status = s.bytes->close(); !status.ok()) {
      internal::logLine(LogLevel::kError, "task " + id_.toString() + ": closing state store " +
                                              s.def->name() + ": " + status.ToString());
    }
  }
}

StateStore& StreamTask::stateStore(const std::string& processor, const std::string& store) {
  auto it = connected_.find(processor);
  if (it == connected_.end() || !it->second.count(store)) {
    throw StreamsException(
        "Processor " + processor + " has no access to StateStore " + store +
        " as the store is not connected to the processor. If you add stores manually via "
        "'.addStateStore()' make sure to connect the added store to the processor by providing "
        "the processor name to '.addStateStore()' or connect them via "
        "'.connectProcessorAndStateStores()'. DSL users need to provide the store name to "
        "'.process()' or '.processValues()' to connect the store to the corresponding operator.");
  }
  return *store_by_name_.at(store)->facade;
}

const std::map<std::pair<std::string, int32_t>, int64_t>& StreamTask::prepareCommit() {
  try {
    // Upstream stores first, so that what their caches forward reaches the caches downstream in
    // the same commit; again while a flush dirtied a cache flushed before it (a store written
    // upstream of itself), a bounded number of times: what is left waits for the next commit.
    for (size_t round = 0; round <= stores_.size(); ++round) {
      bool flushed = false;
      for (auto& s : stores_) {
        if (s->caching != nullptr && s->caching->flushCache()) flushed = true;
      }
      if (!flushed) break;
    }
  } catch (const std::exception& e) {
    throw StreamsException("task " + id_.toString() +
                           ": exception while flushing the record caches: " + e.what());
  }
  for (auto& s : stores_) {
    if (absl::Status status = s->bytes->flush(); !status.ok()) {
      throw StreamsException("task " + id_.toString() + ": flushing state store " + s->def->name() +
                             " failed: " + status.ToString());
    }
  }
  return consumed_;
}

void StreamTask::postCommit(const std::map<std::pair<std::string, int32_t>, int64_t>& acked) {
  for (auto& s : stores_) {
    if (s->changelog_topic.empty()) continue;
    auto it = acked.find({s->changelog_topic, id_.partition});
    if (it == acked.end()) continue;
    if (absl::Status status = s->bytes->writeCheckpoint(it->second); !status.ok()) {
      throw StreamsException("task " + id_.toString() + ": checkpointing state store " +
                             s->def->name() + " failed: " + status.ToString());
    }
  }
}

std::vector<StreamTask::StoreInfo> StreamTask::stores() const {
  std::vector<StoreInfo> out;
  for (const auto& s : stores_) {
    StoreInfo info;
    info.name = s->def->name();
    info.store = s->bytes.get();
    info.changelog_topic = s->changelog_topic;
    info.changelog_partition = s->changelog_topic.empty() ? -1 : id_.partition;
    info.timestamped = s->def->timestamped;
    info.persistent = s->persistent;
    out.push_back(std::move(info));
  }
  return out;
}

StateStore* StreamTask::findStateStore(const std::string& name) const {
  auto it = store_by_name_.find(name);
  return it == store_by_name_.end() ? nullptr : it->second->facade.get();
}

std::string StreamTask::changelogToStoreValue(bool timestamped, std::string_view value,
                                              int64_t timestamp) {
  if (!timestamped) return std::string(value);
  std::string out;
  out.reserve(8 + value.size());
  appendTimestamp(out, timestamp);
  out += value;
  return out;
}

state::CacheRecordContext StreamTask::currentCacheContext() const {
  state::CacheRecordContext c;
  c.timestamp = record_timestamp_;
  if (has_metadata_) {
    c.offset = metadata_.offset;
    c.partition = metadata_.partition;
    c.topic = metadata_.topic;
  }
  if (record_headers_ != nullptr && !record_headers_->empty()) {
    c.headers = encodeHeaders(*record_headers_);
  }
  return c;
}

void StreamTask::withCacheContext(const state::CacheRecordContext& context,
                                  const std::function<void()>& fn) {
  const Headers headers = decodeHeaders(context.headers);
  const RecordMetadata saved_metadata = metadata_;
  const bool saved_has_metadata = has_metadata_;
  has_metadata_ = context.offset >= 0;
  metadata_ = RecordMetadata{context.topic, context.partition, context.offset};
  struct Restore {
    StreamTask& task;
    const RecordMetadata& metadata;
    bool has_metadata;
    ~Restore() {
      task.metadata_ = metadata;
      task.has_metadata_ = has_metadata;
    }
  } restore{*this, saved_metadata, saved_has_metadata};
  RecordContextScope scope(*this, context.timestamp, &headers);
  fn();
}

StreamTask::~StreamTask() {
  try {
    close();
  } catch (const std::exception& e) {
    internal::logLine(LogLevel::kError,
                      "task " + id_.toString() + ": exception while closing: " + e.what());
  }
}

void StreamTask::close() {
  if (closed_) return;
  closed_ = true;
  try {
    for (auto& node : nodes_) node->close();
  } catch (...) {
    closeStores();
    throw;
  }
  closeStores();
}

std::string StreamTask::resolveTopic(const std::string& name, bool internal) const {
  return internal ? env_.config->application_id + "-" + name : name;
}

bool StreamTask::process(const RawRecord& raw) {
  if (last_source_ == nullptr || raw.topic != last_topic_) {
    auto it = source_by_topic_.find(raw.topic);
    if (it == source_by_topic_.end()) {
      throw StreamsException("task " + id_.toString() + " has no source for topic " +
                             std::string(raw.topic));
    }
    last_topic_.assign(raw.topic);
    metadata_.topic = last_topic_;
    last_source_ = it->second;
    last_consumed_ = nullptr;
  }
  metadata_.partition = raw.partition;
  metadata_.offset = raw.offset;
  has_metadata_ = true;
  stream_time_before_record_ = stream_time_ms_;
  record_dropped_ = false;
  if (raw.timestamp > stream_time_ms_) stream_time_ms_ = raw.timestamp;
  current_source_ = last_source_;
  RecordContextScope scope(*this, raw.timestamp, &raw.headers);
  auto fail = [&](const char* what) {
    has_metadata_ = false;
    throw StreamsException("Exception caught in process. taskId=" + id_.toString() +
                           ", processor=" + current_source_->name() + ", topic=" + last_topic_ +
                           ", partition=" + std::to_string(raw.partition) +
                           ", offset=" + std::to_string(raw.offset) + ": " + what);
  };
  try {
    last_source_->processRaw(raw);
  } catch (const StreamsException& e) {
    fail(e.what());
  } catch (const std::exception& e) {
    // Thrown by a node that does not apply the processing handler itself (the DSL's operators).
    try {
      onProcessingError(current_source_->name(), e.what());
    } catch (const std::exception& handled) {
      fail(handled.what());
    }
  }
  has_metadata_ = false;
  // Offsets are recorded only after the record went all the way through: a record that threw is
  // not committed and is processed again after a restart.
  // The slot is cached: building the (topic, partition) key per record was ~5% of the
  // per-record instructions (bench/side_by_side profile). Entries are never erased, so the
  // pointer stays valid.
  if (last_consumed_ == nullptr || last_consumed_partition_ != raw.partition) {
    last_consumed_ = &consumed_[{last_topic_, raw.partition}];
    last_consumed_partition_ = raw.partition;
  }
  *last_consumed_ = raw.offset + 1;
  return !record_dropped_;
}

const TimestampExtractor& StreamTask::timestampExtractor(std::string_view topic) const {
  auto it = extractor_by_topic_.find(topic);
  if (it == extractor_by_topic_.end() || it->second == nullptr) {
    throw StreamsException("task " + id_.toString() + " has no source for topic " +
                           std::string(topic));
  }
  return *it->second;
}

int64_t StreamTask::extractTimestamp(const TimestampExtractor& extractor, const RawRecord& raw,
                                     int64_t partition_time) const {
  ConsumerRecord record;
  record.topic = raw.topic;
  record.partition = raw.partition;
  record.offset = raw.offset;
  record.timestamp = raw.timestamp;
  record.key = raw.key;
  record.value = raw.value;
  record.headers = &raw.headers;
  try {
    return extractor.extract(record, partition_time);
  } catch (const StreamsException&) {
    throw;
  } catch (const std::exception& e) {
    throw StreamsException(
        "Fatal user code error in TimestampExtractor callback for record "
        "topic=[" +
        std::string(raw.topic) + "] partition=[" + std::to_string(raw.partition) + "] offset=[" +
        std::to_string(raw.offset) + "] of task " + id_.toString() + ": " + e.what());
  }
}

void StreamTask::skipRecord(const RawRecord& raw, int64_t extracted) {
  ++dropped_records_;
  if (internal::logEnabled(LogLevel::kWarn)) {
    internal::logLine(LogLevel::kWarn,
                      "task " + id_.toString() +
                          ": Skipping record due to negative extracted timestamp. topic=[" +
                          std::string(raw.topic) + "] partition=[" + std::to_string(raw.partition) +
                          "] offset=[" + std::to_string(raw.offset) + "] extractedTimestamp=[" +
                          std::to_string(extracted) + "]");
  }
  int64_t& consumed = consumed_[{std::string(raw.topic), raw.partition}];
  if (consumed < raw.offset + 1) consumed = raw.offset + 1;
}

bool StreamTask::extractAndProcess(RawRecord& raw, int64_t& partition_time) {
  const int64_t ts = extractTimestamp(timestampExtractor(raw.topic), raw, partition_time);
  if (ts < 0) {
    skipRecord(raw, ts);
    return false;
  }
  raw.timestamp = ts;
  if (process(raw) && ts > partition_time) partition_time = ts;
  return true;
}

Cancellable StreamTask::schedule(const std::string& node, std::chrono::milliseconds interval,
                                 PunctuationType type, Punctuator callback) {
  if (interval.count() < 1) {
    throw StreamsException("The minimum supported scheduling interval is 1 millisecond.");
  }
  if (!callback) throw StreamsException("schedule() needs a callback");
  auto p = std::make_unique<Punctuation>();
  p->node = node;
  p->interval = interval.count();
  p->callback = std::move(callback);
  p->cancelled = std::make_shared<bool>(false);
  Cancellable handle(p->cancelled);
  if (type == PunctuationType::STREAM_TIME) {
    // Java aligns stream-time punctuation to 0: it fires as soon as there is data.
    p->next = 0;
    next_stream_punctuation_ms_ = std::min(next_stream_punctuation_ms_, p->next);
    stream_punctuations_.push_back(std::move(p));
  } else {
    p->next = env_.wall_clock_ms() + p->interval;
    next_wall_punctuation_ms_ = std::min(next_wall_punctuation_ms_, p->next);
    wall_punctuations_.push_back(std::move(p));
  }
  return handle;
}

bool StreamTask::maybePunctuateSystemTime() {
  if (next_wall_punctuation_ms_ == INT64_MAX) return false;
  const int64_t now = env_.wall_clock_ms();
  if (now < next_wall_punctuation_ms_) return false;
  return punctuate(wall_punctuations_, now, PunctuationType::WALL_CLOCK_TIME);
}

int64_t StreamTask::earliest(const std::vector<std::unique_ptr<Punctuation>>& queue) {
  int64_t next = INT64_MAX;
  for (const auto& p : queue) {
    if (!*p->cancelled) next = std::min(next, p->next);
  }
  return next;
}

bool StreamTask::punctuate(std::vector<std::unique_ptr<Punctuation>>& queue, int64_t now,
                           PunctuationType type) {
  static const Headers kNoHeaders;
  bool fired = false;
  // Java's PunctuationQueue: the due schedules in due-time order, each once (its next time is
  // after `now`); a schedule made by a callback and already due fires in the same round.
  for (;;) {
    Punctuation* due = nullptr;
    for (const auto& p : queue) {
      if (*p->cancelled || p->next > now) continue;
      if (due == nullptr || p->next < due->next) due = p.get();
    }
    if (due == nullptr) break;
    // Java's PunctuationSchedule#next: missed intervals are skipped, not made up.
    int64_t next = due->next + due->interval;
    if (now >= next) next = due->next + ((now - due->next) / due->interval + 1) * due->interval;
    due->next = next;
    fired = true;
    // The punctuation's record context: its time, no topic/partition/offset, no headers.
    const bool saved_has_metadata = has_metadata_;
    has_metadata_ = false;
    struct Restore {
      StreamTask& task;
      bool has_metadata;
      ~Restore() { task.has_metadata_ = has_metadata; }
    } restore{*this, saved_has_metadata};
    RecordContextScope scope(*this, now, &kNoHeaders);
    // The callback may schedule more (the queue may grow): call a copy's target via the
    // stable Punctuation object.
    const std::string node = due->node;
    try {
      try {
        due->callback(now);
      } catch (const StreamsException&) {
        throw;
      } catch (const std::exception& e) {
        onProcessingError(node, e.what());  // returns to continue, throws on kFail
      }
    } catch (const StreamsException& e) {
      throw StreamsException(
          "Exception caught while punctuating processor '" + node + "'. taskId=" + id_.toString() +
          ", punctuation type=" +
          (type == PunctuationType::STREAM_TIME ? "STREAM_TIME" : "WALL_CLOCK_TIME") +
          ", timestamp=" + std::to_string(now) + ": " + e.what());
    }
  }
  std::erase_if(queue, [](const std::unique_ptr<Punctuation>& p) { return *p->cancelled; });
  const int64_t next = earliest(queue);
  if (type == PunctuationType::STREAM_TIME) {
    next_stream_punctuation_ms_ = next;
  } else {
    next_wall_punctuation_ms_ = next;
  }
  return fired;
}

ErrorContext StreamTask::errorContext(const std::string& node) const {
  ErrorContext c;
  if (has_metadata_) {
    c.topic = metadata_.topic;
    c.partition = metadata_.partition;
    c.offset = metadata_.offset;
  }
  c.task_id = id_;
  c.processor_node = node;
  return c;
}

void StreamTask::onProcessingError(const std::string& node, const std::string& error) {
  const ErrorContext ctx = errorContext(node);
  ProcessingHandlerResponse response = ProcessingHandlerResponse::kFail;
  if (env_.config->processing_handler) {
    try {
      response = env_.config->processing_handler(ctx, error);
    } catch (const std::exception& e) {
      internal::logLine(LogLevel::kError,
                        "processing exception handler threw: " + std::string(e.what()));
    } catch (...) {
      internal::logLine(LogLevel::kError, "processing exception handler threw");
    }
  }
  if (response == ProcessingHandlerResponse::kFail) {
    throw StreamsException(
        "Processing exception handler is set to fail upon a processing error: processor=" + node +
        ": " + error);
  }
}

void StreamTask::onSerializationError(const std::string& node, const std::string& topic,
                                      bool internal_topic, ProductionErrorOrigin origin,
                                      const std::string& error, std::optional<std::string_view> key,
                                      int64_t timestamp) {
  const std::string description =
      std::string("Unable to serialize the ") +
      (origin == ProductionErrorOrigin::kKeySerialization ? "key" : "value") +
      " of a record for topic " + topic + " at sink " + node + ": " + error;
  // As for a failed send (RecordCollector): a record of an internal topic is never skipped.
  if (internal_topic) {
    throw StreamsException(description + "; a record of an internal topic is never skipped");
  }
  ProductionErrorContext ctx;
  ctx.topic = topic;
  ctx.error = error;
  ctx.origin = origin;
  if (key) ctx.key.emplace(*key);
  ctx.timestamp = timestamp;
  ctx.source = errorContext(node);
  ProductionHandlerResponse response = ProductionHandlerResponse::kFail;
  if (env_.config->production_handler) {
    try {
      response = env_.config->production_handler(ctx);
    } catch (const std::exception& e) {
      internal::logLine(LogLevel::kError,
                        "production exception handler threw: " + std::string(e.what()));
    } catch (...) {
      internal::logLine(LogLevel::kError, "production exception handler threw");
    }
  }
  if (response == ProductionHandlerResponse::kFail) {
    throw StreamsException(description + "; the production exception handler chose to fail");
  }
}

void StreamTask::onDeserializationError(const RawRecord& raw, const std::string& reason) {
  const auto& cfg = *env_.config;
  if (!cfg.dead_letter_queue_topic.empty()) {
    Headers headers = raw.headers;
    headers.add(kDlqHeaderExceptionName, "kstreams::SerializationException")
        .add(kDlqHeaderExceptionMessage, reason)
        .add(kDlqHeaderTopic, std::string(raw.topic))
        .add(kDlqHeaderPartition, std::to_string(raw.partition))
        .add(kDlqHeaderOffset, std::to_string(raw.offset));
    env_.sender->send(cfg.dead_letter_queue_topic, -1, raw.key, raw.value, raw.timestamp, headers);
  }
  ErrorContext ctx{std::string(raw.topic), raw.partition, raw.offset, id_,
                   current_source_ ? current_source_->name() : std::string()};
  auto response = cfg.deserialization_handler ? cfg.deserialization_handler(ctx, reason)
                                              : DeserializationHandlerResponse::kFail;
  if (response == DeserializationHandlerResponse::kFail) {
    throw StreamsException(
        "Deserialization exception handler is set to fail upon a deserialization error: topic=" +
        ctx.topic + ", partition=" + std::to_string(ctx.partition) +
        ", offset=" + std::to_string(ctx.offset) + ": " + reason);
  }
  // Java drops such a record before it counts for stream time (RecordQueue deserializes before
  // the record becomes a head); the source deserializes before anything downstream ran, so the
  // stream time it moved to can be taken back.
  stream_time_ms_ = stream_time_before_record_;
  record_dropped_ = true;
}

}  // namespace kstreams::internal
