// KafkaStreams, by concern (see kafka_streams_impl.h): this file holds the public methods,
// construction, and the client state machine. Start, threads and shutdown are in
// kafka_streams_start.cc, client properties in kafka_streams_client_config.cc, lag and query
// metadata in kafka_streams_queries.cc. The processing itself is in stream_thread.cc.
#include "kstreams/kafka_streams.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kstreams/errors.h"
#include "kstreams/logging.h"
#include "runtime/group_membership.h"
#include "runtime/kafka_streams_impl.h"

namespace kstreams {

using internal::InsideClient;
using internal::isActive;
using internal::stateName;
using internal::StreamThread;
using internal::SubtopologyDef;
using State = KafkaStreams::State;

namespace internal {

const char* stateName(State s) {
  switch (s) {
    case State::kCreated:
      return "CREATED";
    case State::kRebalancing:
      return "REBALANCING";
    case State::kRunning:
      return "RUNNING";
    case State::kPendingShutdown:
      return "PENDING_SHUTDOWN";
    case State::kNotRunning:
      return "NOT_RUNNING";
    case State::kPendingError:
      return "PENDING_ERROR";
    case State::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace internal

namespace {

// Java's KafkaStreams.State#isValidTransition.
bool validTransition(State from, State to) {
  switch (from) {
    case State::kCreated:
      return to == State::kRebalancing || to == State::kPendingShutdown;
    case State::kRebalancing:
      return to == State::kRunning || to == State::kPendingShutdown || to == State::kPendingError;
    case State::kRunning:
      return to == State::kRebalancing || to == State::kPendingShutdown ||
             to == State::kPendingError;
    case State::kPendingShutdown:
      return to == State::kNotRunning;
    case State::kPendingError:
      return to == State::kError;
    case State::kNotRunning:
    case State::kError:
      return false;
  }
  return false;
}

}  // namespace

std::string_view toString(State state) { return stateName(state); }

std::ostream& operator<<(std::ostream& os, State state) { return os << stateName(state); }

std::string_view toString(StreamThreadExceptionResponse response) {
  switch (response) {
    case StreamThreadExceptionResponse::kReplaceThread:
      return "REPLACE_THREAD";
    case StreamThreadExceptionResponse::kShutdownClient:
      return "SHUTDOWN_CLIENT";
    case StreamThreadExceptionResponse::kShutdownApplication:
      return "SHUTDOWN_APPLICATION";
  }
  return "?";
}

KafkaStreams::Impl::Impl(const Topology* t, std::unique_ptr<Topology> owned,
                         const StreamsConfig& streams_config)
    : owned_topology(std::move(owned)), topology(t), config(streams_config.resolve(true)) {
  if (internal::logEnabled(LogLevel::kInfo)) {
    internal::logLine(LogLevel::kInfo,
                      absl::StrCat("StreamsConfig values:\n", streams_config.toString()));
  }
  subtopologies = topology->subtopologies();
  std::set<std::string> seen;
  for (const SubtopologyDef& sub : subtopologies) {
    for (const auto& [topic, internal_topic] : sub.source_topics) {
      std::string full = internal_topic ? config.application_id + "-" + topic : topic;
      if (seen.insert(full).second) source_topics.push_back(full);
    }
  }
  if (source_topics.empty()) {
    throw TopologyException("the topology has no source node, so there is nothing to run");
  }
  prepareClientProps(streams_config);
  checkSerdes();
  state::RocksDbMemoryConfig memory;
  memory.block_cache_bytes = config.rocksdb_block_cache_bytes;
  memory.write_buffer_bytes = config.rocksdb_write_buffer_bytes;
  memory.config_setter = config.rocksdb_config_setter;
  absl::StatusOr<std::shared_ptr<state::RocksDbResources>> resources =
      state::RocksDbResources::create(std::move(memory));
  if (!resources.ok()) {
    throw ConfigException(StreamsConfig::kRocksDbBlockCacheBytes,
                          std::string(resources.status().message()));
  }
  rocksdb_resources = *std::move(resources);
  queryable = std::make_shared<internal::QueryableStores>(*topology, config.application_id);
}

KafkaStreams::Impl::~Impl() {
  if (int64_t h = local_instance.exchange(0)) internal::LocalInstances::remove(h);
  if (shutdown_helper.joinable()) shutdown_helper.join();
  threads.clear();  // joined already; destroys what is left of them
  lag_client.reset();
}

// ---- state machine

bool KafkaStreams::Impl::setState(State next) {
  std::lock_guard<std::recursive_mutex> transition(transition_mu);
  State old;
  {
    std::lock_guard<std::mutex> lock(mu);
    old = state.load();
    if (!validTransition(old, next)) return false;
    state.store(next);
  }
  state_cv.notify_all();
  log(LogLevel::kInfo,
      absl::StrCat("State transition from ", stateName(old), " to ", stateName(next)));
  // A copy: the listener may replace itself (setStateListener) while it runs.
  if (StateListener current = listener) {
    InsideClient inside(this);
    try {
      current(next, old);
    } catch (const std::exception& e) {
      log(LogLevel::kError, absl::StrCat("state listener threw: ", e.what()));
    } catch (...) {
      log(LogLevel::kError, "state listener threw");
    }
  }
  return true;
}

void KafkaStreams::Impl::onThreadStateChange(StreamThread&, StreamThread::State,
                                             StreamThread::State) {
  // Recomputed from every thread's current state (not from this one event), under the
  // transition lock, so that concurrent events from several threads end in the right state.
  std::lock_guard<std::recursive_mutex> transition(transition_mu);
  if (!isActive(state.load())) return;
  bool rebalancing = false;
  bool all_running = true;
  int alive = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (const auto& t : threads) {
      const StreamThread::State s = t->state();
      if (s == StreamThread::State::kDead) continue;
      ++alive;
      if (s == StreamThread::State::kCreated || s == StreamThread::State::kStarting ||
          s == StreamThread::State::kPartitionsRevoked ||
          s == StreamThread::State::kPartitionsAssigned) {
        rebalancing = true;
      }
      if (s != StreamThread::State::kRunning) all_running = false;
    }
  }
  if (rebalancing) {
    if (state.load() == State::kRunning) setState(State::kRebalancing);
  } else if (alive > 0 && all_running && state.load() == State::kRebalancing) {
    setState(State::kRunning);
  }
}

// ---------------------------------------------------------------------------------------------

KafkaStreams::KafkaStreams(const Topology& topology, StreamsConfig config)
    : impl_(std::make_unique<Impl>(&topology, nullptr, config)) {}

KafkaStreams::KafkaStreams(Topology&& topology, StreamsConfig config) {
  auto owned = std::make_unique<Topology>(std::move(topology));
  const Topology* t = owned.get();
  impl_ = std::make_unique<Impl>(t, std::move(owned), config);
}

KafkaStreams::~KafkaStreams() {
  if (impl_ == nullptr) return;
  if (StreamThread::onStreamThread()) {
    internal::logLine(LogLevel::kError,
                      "KafkaStreams destroyed on one of its stream threads: this deadlocks");
  }
  impl_->close(std::chrono::milliseconds::max());
}

absl::Status KafkaStreams::start() { return impl_->start(); }

bool KafkaStreams::close(std::chrono::milliseconds timeout) { return impl_->close(timeout); }

State KafkaStreams::state() const { return impl_->state.load(); }

void KafkaStreams::setStateListener(StateListener listener) {
  std::lock_guard<std::recursive_mutex> transition(impl_->transition_mu);
  impl_->listener = std::move(listener);
}

void KafkaStreams::setUncaughtExceptionHandler(UncaughtExceptionHandler handler) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->handler = std::move(handler);
}

int KafkaStreams::numAliveStreamThreads() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return static_cast<int>(std::count_if(impl_->threads.begin(), impl_->threads.end(),
                                        [](const auto& t) { return t->isAlive(); }));
}

void KafkaStreams::setGlobalStateRestoreListener(std::shared_ptr<StateRestoreListener> listener) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->restore_listener = std::move(listener);
}

}  // namespace kstreams
