#include "runtime/stream_task.h"

#include "kstreams/errors.h"
#include "kstreams/logging.h"

namespace kstreams::internal {

StreamTask::StreamTask(TaskId id, const Topology& topology, const SubtopologyDef& sub, TaskEnv env)
    : id_(id), env_(std::move(env)) {
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
      }
    }
  }
  for (const auto& name : sub.nodes) {
    for (const auto& child : topology.node(name).children) {
      by_name.at(name)->addChild(by_name.at(child));
    }
  }
  // Children before parents, so that a processor's init() may already forward.
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) (*it)->init(*this);
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
  for (auto& node : nodes_) node->close();
}

std::string StreamTask::resolveTopic(const std::string& name, bool internal) const {
  return internal ? env_.config->application_id + "-" + name : name;
}

void StreamTask::process(const RawRecord& raw) {
  if (last_source_ == nullptr || raw.topic != last_topic_) {
    auto it = source_by_topic_.find(raw.topic);
    if (it == source_by_topic_.end()) {
      throw StreamsException("task " + id_.toString() + " has no source for topic " +
                             std::string(raw.topic));
    }
    last_topic_.assign(raw.topic);
    last_source_ = it->second;
  }
  metadata_.topic = last_topic_;
  metadata_.partition = raw.partition;
  metadata_.offset = raw.offset;
  has_metadata_ = true;
  if (raw.timestamp > stream_time_ms_) stream_time_ms_ = raw.timestamp;
  current_source_ = last_source_;
  try {
    last_source_->processRaw(raw);
  } catch (const std::exception& e) {
    has_metadata_ = false;
    throw StreamsException("Exception caught in process. taskId=" + id_.toString() +
                           ", processor=" + current_source_->name() + ", topic=" + last_topic_ +
                           ", partition=" + std::to_string(raw.partition) +
                           ", offset=" + std::to_string(raw.offset) + ": " + e.what());
  }
  has_metadata_ = false;
  // Offsets are recorded only after the record went all the way through: a record that threw is
  // not committed and is processed again after a restart.
  consumed_[{last_topic_, raw.partition}] = raw.offset + 1;
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
}

}  // namespace kstreams::internal
