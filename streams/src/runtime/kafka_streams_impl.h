// Private to kstreams.
//
// KafkaStreams::Impl, the body of the public KafkaStreams (kstreams/kafka_streams.h). The class
// is large, so, as RocksDB does with DBImpl, its member functions are split across several .cc
// files, one concern each:
//
//   kafka_streams.cc                the public KafkaStreams methods, construction, and the
//                                   client state machine (setState, thread state → client state)
//   kafka_streams_client_config.cc  librdkafka property tables, the consumer/producer/admin
//                                   properties, the construction-time serde check
//   kafka_streams_start.cc          start(): internal topics, then the stream threads; thread
//                                   failure and replacement; shutdown (close())
//   kafka_streams_queries.cc        source lag, waitUntilCaughtUp, interactive-query metadata
//
// Threads:
//   - Application threads call the public methods, concurrently: start(), close(), the setters,
//     sourceLag(), queryMetadataForKey(), ...
//   - Stream threads call the StreamThread::Listener methods (onThreadStateChange,
//     onThreadFailure, restoreListener); a dying thread runs the uncaught-exception handler and
//     replaceThread() or closeToError() from onThreadFailure, and any of them may call close()
//     from a state listener, handler or processor.
//   - The shutdown helper (startShutdownHelper) stops and joins the stream threads, then makes
//     the final state change.
//   - Other instances on the same embedded cluster call localAssignment() through
//     internal::LocalInstances.
// Members, by who may touch them:
//   - Set by the constructor and read-only afterwards (any thread, no lock): owned_topology,
//     topology, config, subtopologies, source_topics, the three property maps,
//     rocksdb_resources, queryable (the object it points to is thread-safe itself).
//   - state: read lock-free anywhere; changed only by setState, under transition_mu and mu.
//   - listener: transition_mu.
//   - threads, next_thread_index, starting, shutdown_helper, handler, restore_listener: mu.
//   - lag_client: lag_mu.
//   - local_instance: atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kafka/kafka_handles.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/logging.h"
#include "kstreams/state/rocksdb_resources.h"
#include "runtime/queryable_stores.h"
#include "runtime/stream_thread.h"

namespace kstreams {

namespace internal {

// Shared by the files of KafkaStreams::Impl.

// Java's State.name() (defined in kafka_streams.cc).
const char* stateName(KafkaStreams::State s);

inline bool isActive(KafkaStreams::State s) {
  return s == KafkaStreams::State::kRebalancing || s == KafkaStreams::State::kRunning;
}

// The client whose state listener or shutdown helper runs on this thread (null: none). close()
// there must neither wait for the shutdown nor join the helper: the shutdown cannot finish while
// that thread is busy with its callback, and the helper cannot join itself.
inline thread_local const void* t_inside_client = nullptr;

class InsideClient {
 public:
  explicit InsideClient(const void* client) : saved_(t_inside_client) { t_inside_client = client; }
  ~InsideClient() { t_inside_client = saved_; }
  InsideClient(const InsideClient&) = delete;
  InsideClient& operator=(const InsideClient&) = delete;

 private:
  const void* saved_;
};

}  // namespace internal

struct KafkaStreams::Impl final : internal::StreamThread::Listener {
  Impl(const Topology* topology, std::unique_ptr<Topology> owned, const StreamsConfig& config);
  ~Impl() override;

  // Construction-time checks.
  void prepareClientProps(const StreamsConfig& config);
  void checkSerdes() const;
  // Asks every SchemaCheckedSerde of a source or sink about its topic; throws
  // IncompatibleSchemaException listing every problem.
  void checkSchemas(const std::vector<internal::StreamTask::TopicSerdes>& uses) const;

  absl::Status start();
  absl::Status prepareTopics();
  bool close(std::chrono::milliseconds timeout);
  bool setState(State next);
  void closeToError();
  void startShutdownHelper(State final_state);
  bool replaceThread(const internal::StreamThread& dead);
  internal::StreamThread::Options threadOptions(int index);
  absl::StatusOr<std::vector<PartitionLag>> sourceLag(std::chrono::milliseconds timeout);

  // StreamThread::Listener
  void onThreadStateChange(internal::StreamThread& thread, internal::StreamThread::State new_state,
                           internal::StreamThread::State old_state) override;
  void onThreadFailure(internal::StreamThread& thread, const std::exception_ptr& error) override;
  std::shared_ptr<StateRestoreListener> restoreListener() override {
    std::lock_guard<std::mutex> lock(mu);
    return restore_listener;
  }

  absl::StatusOr<KeyQueryMetadata> queryMetadataForKey(const std::string& store,
                                                       std::string_view key,
                                                       std::chrono::milliseconds timeout);
  // The partitions this client's live threads own now.
  std::vector<TopicPartition> localAssignment() const;

  void log(LogLevel level, absl::string_view message) const {
    if (!internal::logEnabled(level)) return;
    internal::logLine(level, absl::StrCat("stream-client [", config.client_id, "] ", message));
  }

  std::unique_ptr<Topology> owned_topology;
  const Topology* topology;
  StreamsConfig::Resolved config;
  std::vector<internal::SubtopologyDef> subtopologies;
  std::vector<std::string> source_topics;  // full names, all sub-topologies
  internal::ClientProperties consumer_props, producer_props, admin_props;

  std::atomic<State> state{State::kCreated};
  // Serializes state changes with their listener calls, so that the listener sees them one at
  // a time and in order. Recursive: a listener may call close().
  std::recursive_mutex transition_mu;
  StateListener listener;  // guarded by transition_mu

  // Guards what follows and `state` changes; state_cv signals them.
  mutable std::mutex mu;
  std::condition_variable state_cv;
  std::vector<std::unique_ptr<internal::StreamThread>> threads;  // dead ones stay until the end
  int next_thread_index = 1;
  bool starting = false;
  std::thread shutdown_helper;
  UncaughtExceptionHandler handler;

  // A consumer that never joins the group, for sourceLag() and queryMetadataForKey().
  std::mutex lag_mu;
  internal::RdKafkaPtr lag_client;
  absl::StatusOr<rd_kafka_t*> lagClientLocked();  // lag_mu held

  // State: one RocksDB memory budget for the instance's stores; the directory of queryable
  // stores the threads fill; the restore listener (guarded by mu).
  std::shared_ptr<state::RocksDbResources> rocksdb_resources;
  std::shared_ptr<internal::QueryableStores> queryable;
  std::shared_ptr<StateRestoreListener> restore_listener;
  // Registration in internal::LocalInstances (embedded clusters only; 0: none).
  std::atomic<int64_t> local_instance{0};
};

}  // namespace kstreams
