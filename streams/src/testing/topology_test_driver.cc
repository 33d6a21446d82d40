#include "kstreams/topology_test_driver.h"

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <set>
#include <system_error>

#include "kstreams/logging.h"
#include "runtime/stream_task.h"

namespace kstreams {
namespace internal {

// Owns the tasks and the captured topics. Sends are queued, not processed re-entrantly: a record
// written to a topic the topology reads is processed after the record that wrote it, the order
// Kafka would deliver it in.
class TestDriverCore final : public RecordSender {
 public:
  TestDriverCore(const Topology& topology, const StreamsConfig& config, int64_t wall_clock)
      : wall_clock_ms_(wall_clock) {
    StreamsConfig effective = config;
    if (!effective.get(StreamsConfig::kApplicationId)) {
      effective.set(StreamsConfig::kApplicationId, "topology-test-driver");
    }
    if (!effective.get(StreamsConfig::kStateDir)) {
      std::string dir = (std::filesystem::temp_directory_path() / "kstreams-ttd-XXXXXX").string();
      if (::mkdtemp(dir.data()) == nullptr) {
        throw std::runtime_error("TopologyTestDriver: cannot create a temporary state.dir");
      }
      temp_state_dir_ = dir;
      effective.set(StreamsConfig::kStateDir, dir);
    }
    resolved_ = effective.resolve(/*require_bootstrap=*/false);
    cache_ = std::make_unique<state::ThreadCache>(resolved_.cache_max_bytes);
    TaskEnv env;
    env.config = &resolved_;
    env.sender = this;
    env.wall_clock_ms = [this] { return wall_clock_ms_; };
    // Kafka's TopologyTestDriver sets Java's internal emit intervals to 0 unless configured: a
    // stream-stream outer join scans for closed windows on every record at stream time, and
    // onWindowClose looks for closed windows on every record.
    env.outer_join_emit_interval_ms = resolved_.outer_join_emit_interval_ms.value_or(0);
    env.windowed_aggregation_emit_interval_ms =
        resolved_.windowed_aggregation_emit_interval_ms.value_or(0);
    env.cache = cache_.get();
    // The driver honours the RocksDB memory settings and options hook like KafkaStreams does.
    state::RocksDbMemoryConfig memory;
    memory.block_cache_bytes = resolved_.rocksdb_block_cache_bytes;
    memory.write_buffer_bytes = resolved_.rocksdb_write_buffer_bytes;
    memory.config_setter = resolved_.rocksdb_config_setter;
    auto resources = state::RocksDbResources::create(std::move(memory));
    if (!resources.ok()) {
      throw ConfigException(StreamsConfig::kRocksDbBlockCacheBytes,
                            std::string(resources.status().message()));
    }
    env.rocksdb_resources = *std::move(resources);
    try {
      for (const auto& sub : topology.subtopologies()) {
        auto task = std::make_unique<StreamTask>(TaskId{sub.id, 0}, topology, sub, env);
        for (const auto& t : task->sourceTopics()) task_by_topic_[t] = task.get();
        tasks_.push_back(std::move(task));
      }
    } catch (...) {
      tasks_.clear();
      removeStateDir();
      throw;
    }
  }

  ~TestDriverCore() override {
    tasks_.clear();  // closes the stores
    removeStateDir();
  }

  StateStore* stateStore(const std::string& name) {
    for (const auto& task : tasks_) {
      if (StateStore* s = task->findStateStore(name)) return s;
    }
    return nullptr;
  }

  void send(const std::string& topic, int32_t /*partition*/, std::optional<std::string_view> key,
            std::optional<std::string_view> value, int64_t timestamp,
            const Headers& headers) override {
    CapturedRecord r;
    if (key) r.key.emplace(*key);
    if (value) r.value.emplace(*value);
    r.timestamp = timestamp;
    r.headers = headers;
    if (task_by_topic_.count(topic)) pending_.emplace_back(topic, r);
    output_[topic].push_back(std::move(r));
    acked_[{topic, 0}] = produced_[topic]++;
  }

  void pipe(const std::string& topic, CapturedRecord record) {
    deliver(topic, record);
    while (!pending_.empty()) {
      auto [t, r] = std::move(pending_.front());
      pending_.pop_front();
      deliver(t, r);
    }
  }

  std::optional<CapturedRecord> read(const std::string& topic) {
    auto it = output_.find(topic);
    if (it == output_.end() || it->second.empty()) return std::nullopt;
    CapturedRecord r = std::move(it->second.front());
    it->second.pop_front();
    return r;
  }

  size_t queueSize(const std::string& topic) const {
    auto it = output_.find(topic);
    return it == output_.end() ? 0 : it->second.size();
  }

  std::vector<std::string> producedTopics() const {
    std::vector<std::string> out;
    for (const auto& [t, q] : output_) out.push_back(t);
    return out;
  }

  int64_t wall_clock_ms_;

 private:
  void deliver(const std::string& topic, const CapturedRecord& r) {
    auto it = task_by_topic_.find(topic);
    if (it == task_by_topic_.end()) {
      throw std::invalid_argument("Unknown topic: " + topic +
                                  " (no source of the topology reads it)");
    }
    RawRecord raw;
    raw.topic = topic;
    raw.partition = 0;
    raw.offset = next_offset_[topic]++;
    raw.timestamp = r.timestamp;
    if (r.key) raw.key = *r.key;
    if (r.value) raw.value = *r.value;
    raw.headers = r.headers;
    // The source's timestamp extractor runs first (a negative result skips the record); as in
    // Kafka's driver, stream-time punctuation is checked after each record.
    it->second->extractAndProcess(raw, partition_time_.try_emplace(topic, -1).first->second);
    it->second->maybePunctuateStreamTime();
    // Kafka's driver commits after every record: the record caches flush (which may send more
    // records to pending_), then the checkpoints take the changelog offsets "acknowledged".
    commit(*it->second);
  }

  void commit(StreamTask& task) {
    task.prepareCommit();
    task.postCommit(acked_);
  }

 public:
  // Kafka's advanceWallClockTime: wall-clock punctuation, a commit, then whatever that sent to
  // topics the topology reads.
  void advanceWallClock(int64_t ms) {
    wall_clock_ms_ += ms;
    for (const auto& task : tasks_) {
      task->maybePunctuateSystemTime();
      commit(*task);
    }
    while (!pending_.empty()) {
      auto [t, r] = std::move(pending_.front());
      pending_.pop_front();
      deliver(t, r);
    }
  }

 private:
  void removeStateDir() {
    std::error_code ec;
    if (!temp_state_dir_.empty()) {
      std::filesystem::remove_all(temp_state_dir_, ec);
    } else if (!resolved_.state_dir.empty()) {
      std::filesystem::remove_all(
          std::filesystem::path(resolved_.state_dir) / resolved_.application_id, ec);
    }
    if (ec) {
      internal::logLine(LogLevel::kWarn,
                        "TopologyTestDriver: cannot remove its state directory: " + ec.message());
    }
  }

  StreamsConfig::Resolved resolved_;
  std::string temp_state_dir_;
  std::unique_ptr<state::ThreadCache> cache_;
  std::vector<std::unique_ptr<StreamTask>> tasks_;
  std::map<std::string, StreamTask*> task_by_topic_;
  std::map<std::string, int64_t> next_offset_;
  // Largest extracted timestamp per input topic (partition 0), for the extractors.
  std::map<std::string, int64_t> partition_time_{};
  std::map<std::string, std::deque<CapturedRecord>> output_;
  std::deque<std::pair<std::string, CapturedRecord>> pending_;
  std::map<std::string, int64_t> produced_;
  // Offset of the last record per (topic, partition 0), as a producer's acknowledgements say.
  std::map<std::pair<std::string, int32_t>, int64_t> acked_;
};

}  // namespace internal

TopologyTestDriver::TopologyTestDriver(const Topology& topology, StreamsConfig config,
                                       int64_t initial_wall_clock_ms)
    : core_(std::make_unique<internal::TestDriverCore>(topology, config, initial_wall_clock_ms)) {}

TopologyTestDriver::~TopologyTestDriver() = default;

void TopologyTestDriver::advanceWallClockTime(int64_t ms) { core_->advanceWallClock(ms); }
int64_t TopologyTestDriver::wallClockMs() const { return core_->wall_clock_ms_; }
std::vector<std::string> TopologyTestDriver::producedTopicNames() const {
  return core_->producedTopics();
}

StateStore* TopologyTestDriver::stateStore(const std::string& name) {
  return core_->stateStore(name);
}

void TopologyTestDriver::pipeRaw(const std::string& topic, std::optional<std::string> key,
                                 std::optional<std::string> value, int64_t timestamp,
                                 Headers headers) {
  core_->pipe(topic, internal::CapturedRecord{std::move(key), std::move(value), timestamp,
                                              std::move(headers)});
}

std::optional<internal::CapturedRecord> TopologyTestDriver::readRaw(const std::string& topic) {
  return core_->read(topic);
}

size_t TopologyTestDriver::queueSize(const std::string& topic) const {
  return core_->queueSize(topic);
}

}  // namespace kstreams
