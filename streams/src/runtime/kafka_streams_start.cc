// KafkaStreams, by concern (see kafka_streams_impl.h): this file holds start() (the internal
// topics, then the stream threads), what happens when a stream thread dies (the handler,
// replacement, the move to ERROR) and the shutdown of the threads (close()).
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kafka/kafka_handles.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/logging.h"
#include "runtime/exception_text.h"
#include "runtime/group_membership.h"
#include "runtime/kafka_streams_impl.h"

namespace kstreams {

using internal::InsideClient;
using internal::isActive;
using internal::stateName;
using internal::StreamThread;
using internal::SubtopologyDef;
using internal::t_inside_client;
using State = KafkaStreams::State;

namespace {

// Admin requests of start() (metadata, topic creation).
constexpr absl::Duration kAdminTimeout = absl::Seconds(60);
// How long threads that have committed wait for the others before leaving the group.
constexpr std::chrono::seconds kFinalCommitWait(30);

bool isFinal(State s) { return s == State::kNotRunning || s == State::kError; }

}  // namespace

StreamThread::Options KafkaStreams::Impl::threadOptions(int index) {
  StreamThread::Options o;
  o.index = index;
  o.name = absl::StrCat(config.client_id, "-StreamThread-", index);
  o.topology = topology;
  o.subtopologies = subtopologies;
  o.config = &config;
  o.consumer_props = consumer_props;
  o.consumer_props.emplace("client.id", o.name + "-consumer");
  // Static membership: each thread's consumer is a member of its own, so the id gets the
  // thread's index (as in Java); one id for all would make them fence each other.
  if (auto it = o.consumer_props.find("group.instance.id");
      it != o.consumer_props.end() && !it->second.empty()) {
    it->second = absl::StrCat(it->second, "-", index);
  }
  // How other instances learn this one's address (see queryMetadataForKey).
  o.consumer_props["client.id"] =
      internal::withApplicationServer(o.consumer_props["client.id"], config.application_server);
  o.producer_props = producer_props;
  o.producer_props.emplace("client.id", o.name + "-producer");
  o.listener = this;
  o.rocksdb_resources = rocksdb_resources;
  o.queryable_stores = queryable;
  return o;
}

// ---- start

absl::Status KafkaStreams::Impl::start() {
  {
    std::lock_guard<std::mutex> lock(mu);
    if (state.load() != State::kCreated || starting) {
      return absl::FailedPreconditionError(
          absl::StrCat("start() needs state CREATED; the client is ", stateName(state.load()),
                       starting ? " (starting)" : ""));
    }
    starting = true;
  }
  struct Reset {
    Impl* impl;
    ~Reset() {
      std::lock_guard<std::mutex> lock(impl->mu);
      impl->starting = false;
    }
  } reset{this};

  if (absl::Status s = prepareTopics(); !s.ok()) return s;
  if (internal::MockClusterRegistry::contains(config.bootstrap_servers) &&
      local_instance.load() == 0) {
    internal::LocalInstances::Instance me;
    me.bootstrap_servers = config.bootstrap_servers;
    me.application_id = config.application_id;
    me.application_server = config.application_server;
    me.assignment = [this] { return localAssignment(); };
    local_instance.store(internal::LocalInstances::add(std::move(me)));
  }

  std::vector<std::unique_ptr<StreamThread>> created;
  for (int i = 0; i < config.num_stream_threads; ++i) {
    int index;
    {
      std::lock_guard<std::mutex> lock(mu);
      index = next_thread_index++;
    }
    absl::StatusOr<std::unique_ptr<StreamThread>> t = StreamThread::create(threadOptions(index));
    if (!t.ok()) return t.status();
    created.push_back(*std::move(t));
  }
  if (!setState(State::kRebalancing)) {
    return absl::FailedPreconditionError("the client was closed while starting");
  }
  std::lock_guard<std::mutex> lock(mu);
  if (!isActive(state.load())) {
    return absl::FailedPreconditionError("the client was closed while starting");
  }
  for (auto& t : created) {
    StreamThread* raw = t.get();
    threads.push_back(std::move(t));
    raw->start();
  }
  return absl::OkStatus();
}

absl::Status KafkaStreams::Impl::prepareTopics() {
  absl::StatusOr<internal::KafkaAdmin> admin = internal::KafkaAdmin::create(admin_props);
  if (!admin.ok()) return admin.status();
  const std::string prefix = config.application_id + "-";

  // Declared internal topics by full name, with the partition count they need (-1: derived).
  std::map<std::string, const internal::InternalTopicDef*> internal_defs;
  std::map<std::string, int> partitions;  // full topic name → partition count
  for (const internal::InternalTopicDef& def : topology->internalTopics()) {
    internal_defs[prefix + def.name] = &def;
  }

  // Source topics the application does not create must exist.
  for (const SubtopologyDef& sub : subtopologies) {
    for (const auto& [topic, internal_topic] : sub.source_topics) {
      const std::string full = internal_topic ? prefix + topic : topic;
      if (internal_defs.count(full) || partitions.count(full)) continue;
      absl::StatusOr<int> count = admin->partitionCount(full, kAdminTimeout);
      if (!count.ok()) {
        if (absl::IsNotFound(count.status())) {
          return absl::NotFoundError(
              absl::StrCat("source topic ", full, " does not exist; create it before start()"));
        }
        return count.status();
      }
      partitions[full] = *count;
    }
  }

  // Partition counts of internal topics: declared, or that of the sub-topology that writes the
  // topic (the largest among its source topics, which may be internal topics themselves, hence
  // the rounds until nothing changes).
  auto writerSourceCount = [&](const std::string& name) -> std::optional<int> {
    int best = -1;
    bool known = true;
    for (const SubtopologyDef& sub : subtopologies) {
      // A sub-topology writes the topic through an internal sink (repartition topics) or
      // through a store whose changelog it is ("<store>-changelog").
      bool writes = false;
      for (const std::string& node : sub.nodes) {
        const internal::NodeDef& def = topology->node(node);
        if (def.kind == internal::NodeDef::Kind::kSink && def.internal_topic &&
            !def.topics.empty() && def.topics[0] == name) {
          writes = true;
        }
        for (const std::string& store : def.stores) writes = writes || name == store + "-changelog";
      }
      if (!writes) continue;
      for (const auto& [topic, internal_topic] : sub.source_topics) {
        auto it = partitions.find(internal_topic ? prefix + topic : topic);
        if (it == partitions.end()) {
          known = false;
        } else {
          best = std::max(best, it->second);
        }
      }
    }
    if (!known || best < 1) return std::nullopt;
    return best;
  };
  for (size_t round = 0; round <= internal_defs.size(); ++round) {
    bool changed = false;
    for (const auto& [full, def] : internal_defs) {
      if (partitions.count(full)) continue;
      std::optional<int> count =
          def->partitions > 0 ? std::optional<int>(def->partitions) : writerSourceCount(def->name);
      if (count) {
        partitions[full] = *count;
        changed = true;
      }
    }
    if (!changed) break;
  }

  std::vector<internal::NewTopic> to_create;
  for (const auto& [full, def] : internal_defs) {
    auto it = partitions.find(full);
    if (it == partitions.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot tell how many partitions internal topic ", full,
                       " needs: no sub-topology with known source topics writes it"));
    }
    absl::StatusOr<int> existing = admin->partitionCount(full, kAdminTimeout);
    if (existing.ok()) {
      if (*existing != it->second) {
        return absl::FailedPreconditionError(
            absl::StrCat("internal topic ", full, " exists with ", *existing,
                         " partitions but the topology needs ", it->second,
                         "; delete it (or reset the application) first"));
      }
      continue;
    }
    if (!absl::IsNotFound(existing.status())) return existing.status();
    internal::NewTopic topic;
    topic.name = full;
    topic.partitions = it->second;
    topic.replication_factor = config.replication_factor;
    topic.configs = def->configs;
    to_create.push_back(std::move(topic));
  }
  if (!to_create.empty()) {
    if (absl::Status s = admin->createTopics(to_create, kAdminTimeout); !s.ok()) return s;
    for (const auto& t : to_create) {
      log(LogLevel::kInfo,
          absl::StrCat("created internal topic ", t.name, " with ", t.partitions, " partitions"));
    }
  }

  // Interactive queries partition keys as the store's input topics are partitioned.
  for (const auto& [name, def] : topology->stores()) {
    for (const std::string& topic : queryable->sourceTopics(name)) {
      auto it = partitions.find(topic);
      if (it != partitions.end()) {
        queryable->setPartitionCount(name, it->second);
        break;
      }
    }
  }

  // Co-partitioning: the tasks of a sub-topology are its partition numbers, and the range
  // assignor aligns partition i across topics only when the counts match.
  for (const SubtopologyDef& sub : subtopologies) {
    std::set<int> counts;
    std::string listing;
    for (const auto& [topic, internal_topic] : sub.source_topics) {
      const std::string full = internal_topic ? prefix + topic : topic;
      counts.insert(partitions[full]);
      absl::StrAppend(&listing, listing.empty() ? "" : ", ", full, " (", partitions[full], ")");
    }
    if (counts.size() <= 1) continue;
    bool stateful = false;
    for (const std::string& node : sub.nodes)
      stateful = stateful || !topology->node(node).stores.empty();
    std::string message = absl::StrCat("source topics of sub-topology ", sub.id,
                                       " have different partition counts: ", listing);
    if (stateful) {
      return absl::InvalidArgumentError(
          absl::StrCat(message, "; its state would be split between tasks (not co-partitioned)"));
    }
    log(LogLevel::kWarn, absl::StrCat(message,
                                      "; records of one partition number may be "
                                      "processed by different threads"));
  }
  return absl::OkStatus();
}

void KafkaStreams::Impl::onThreadFailure(StreamThread& thread, const std::exception_ptr& error) {
  UncaughtExceptionHandler h;
  {
    std::lock_guard<std::mutex> lock(mu);
    h = handler;
  }
  StreamThreadExceptionResponse response = StreamThreadExceptionResponse::kShutdownClient;
  if (h) {
    try {
      response = h(error);
    } catch (const std::exception& e) {
      log(LogLevel::kError, absl::StrCat("uncaught-exception handler threw: ", e.what()));
    } catch (...) {
      log(LogLevel::kError, "uncaught-exception handler threw");
    }
  }
  log(LogLevel::kError,
      absl::StrCat(thread.name(), " died of: ", internal::describeException(error),
                   "; the handler chose ", std::string(toString(response))));
  switch (response) {
    case StreamThreadExceptionResponse::kReplaceThread:
      if (replaceThread(thread)) return;
      break;
    case StreamThreadExceptionResponse::kShutdownApplication:
      log(LogLevel::kWarn,
          "SHUTDOWN_APPLICATION cannot reach the other instances through librdkafka's group "
          "protocol; only this client shuts down (as SHUTDOWN_CLIENT)");
      break;
    case StreamThreadExceptionResponse::kShutdownClient:
      break;
  }
  closeToError();
}

bool KafkaStreams::Impl::replaceThread(const StreamThread& dead) {
  int index;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!isActive(state.load())) return true;  // shutting down anyway: nothing to replace
    index = next_thread_index++;
  }
  absl::StatusOr<std::unique_ptr<StreamThread>> t = StreamThread::create(threadOptions(index));
  if (!t.ok()) {
    log(LogLevel::kError, absl::StrCat("cannot replace ", dead.name(), ": ", t.status().message()));
    return false;
  }
  std::lock_guard<std::mutex> lock(mu);
  if (!isActive(state.load())) return true;  // the new thread is dropped unstarted
  StreamThread* raw = t->get();
  threads.push_back(*std::move(t));
  log(LogLevel::kInfo, absl::StrCat("replacing ", dead.name(), " with ", raw->name()));
  raw->start();
  return true;
}

void KafkaStreams::Impl::closeToError() {
  if (!setState(State::kPendingError)) return;  // already shutting down
  startShutdownHelper(State::kError);
}

void KafkaStreams::Impl::startShutdownHelper(State final_state) {
  std::lock_guard<std::mutex> lock(mu);
  if (shutdown_helper.joinable()) return;
  // A thread of its own: stream threads may start the shutdown (from a handler or listener)
  // and cannot wait for themselves, and close(timeout) may return before it is done.
  shutdown_helper = std::thread([this, final_state] {
    InsideClient inside(this);
    std::vector<StreamThread*> snapshot;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (const auto& t : threads) snapshot.push_back(t.get());
    }
    // Two phases: every thread commits, then they all leave the group (see
    // StreamThread::requestShutdown).
    for (StreamThread* t : snapshot) t->requestShutdown(/*hold_before_leaving=*/true);
    const auto deadline = std::chrono::steady_clock::now() + kFinalCommitWait;
    for (StreamThread* t : snapshot) {
      if (!t->awaitFinalCommit(deadline)) {
        log(LogLevel::kWarn, absl::StrCat(t->name(),
                                          " has not committed yet; letting the "
                                          "others leave the group anyway"));
      }
    }
    for (StreamThread* t : snapshot) t->allowLeaving();
    for (StreamThread* t : snapshot) t->join();
    setState(final_state);
  });
}

bool KafkaStreams::Impl::close(std::chrono::milliseconds timeout) {
  if (setState(State::kPendingShutdown)) startShutdownHelper(State::kNotRunning);
  if (StreamThread::onStreamThread() || t_inside_client == this) return isFinal(state.load());

  std::unique_lock<std::mutex> lock(mu);
  auto done = [&] { return isFinal(state.load()); };
  const auto now = std::chrono::steady_clock::now();
  if (timeout >= std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::time_point::max() - now)) {
    state_cv.wait(lock, done);
  } else if (!state_cv.wait_until(lock, now + timeout, done)) {
    return false;
  }
  // The helper's last act was the final state change: it ends at once.
  std::thread helper = std::move(shutdown_helper);
  lock.unlock();
  if (helper.joinable()) helper.join();
  return true;
}

}  // namespace kstreams
