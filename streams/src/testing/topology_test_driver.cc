#include "kstreams/topology_test_driver.h"

#include <deque>
#include <set>

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
    resolved_ = effective.resolve(/*require_bootstrap=*/false);
    TaskEnv env;
    env.config = &resolved_;
    env.sender = this;
    env.wall_clock_ms = [this] { return wall_clock_ms_; };
    for (const auto& sub : topology.subtopologies()) {
      auto task = std::make_unique<StreamTask>(TaskId{sub.id, 0}, topology, sub, env);
      for (const auto& t : task->sourceTopics()) task_by_topic_[t] = task.get();
      tasks_.push_back(std::move(task));
    }
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
    it->second->process(raw);
  }

  StreamsConfig::Resolved resolved_;
  std::vector<std::unique_ptr<StreamTask>> tasks_;
  std::map<std::string, StreamTask*> task_by_topic_;
  std::map<std::string, int64_t> next_offset_;
  std::map<std::string, std::deque<CapturedRecord>> output_;
  std::deque<std::pair<std::string, CapturedRecord>> pending_;
};

}  // namespace internal

TopologyTestDriver::TopologyTestDriver(const Topology& topology, StreamsConfig config,
                                       int64_t initial_wall_clock_ms)
    : core_(std::make_unique<internal::TestDriverCore>(topology, config, initial_wall_clock_ms)) {}

TopologyTestDriver::~TopologyTestDriver() = default;

void TopologyTestDriver::advanceWallClockTime(int64_t ms) { core_->wall_clock_ms_ += ms; }
int64_t TopologyTestDriver::wallClockMs() const { return core_->wall_clock_ms_; }
std::vector<std::string> TopologyTestDriver::producedTopicNames() const {
  return core_->producedTopics();
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
