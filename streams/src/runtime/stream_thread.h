// Private to kstreams.
//
// A StreamThread is one processing thread of a KafkaStreams client (Kafka Streams'
// StreamThread, with the task manager folded in). It owns one consumer (in the group
// `application.id`, subscribed to every source topic), one producer (its RecordCollector) and
// the StreamTasks of the partitions the group assigned to it. Its loop:
//
//   1. Subscribe to the source topics (full names: internal topics are
//      "<application.id>-<name>").
//   2. Poll a batch of up to kMaxBatch records from the consumer queue
//      (rd_kafka_consume_batch_queue; first without waiting, and only when nothing is there,
//      blocking up to poll.ms for one record). Group rebalances are served inside this call,
//      on this thread, by the rebalance callback:
//        - revoke: process nothing more, flush the producer, commit the offsets of the revoked
//          tasks, close them, unassign;
//        - assign: group the partitions by (sub-topology, partition number) into tasks
//          (TaskId{sub-topology, partition}), create them, assign.
//      Records of partitions this thread no longer owns (fetched before a revocation) are
//      dropped unprocessed: they were not committed, so their new owner processes them.
//   3. Restore: the partition times committed with the new tasks' input offsets (offset
//      metadata in Kafka Streams' format) set their partition and stream times; the stores of
//      tasks created by the assignment are brought up to date from their changelogs
//      (StateRestorer, a consumer of its own; blocking), then made queryable (QueryableStores).
//      When the assignment is complete and restored, the thread is RUNNING.
//   4. Hand each record to the PartitionGroup of its task (partition_group.h: one FIFO per input
//      partition; a partition holding more than buffered.records.per.partition is paused until
//      drained; end-of-partition events mark a partition caught up), then let every task
//      process what it is ready to: the head with the lowest extracted timestamp across its
//      partitions first, waiting per max.task.idle.ms for partitions with nothing buffered.
//      The task runs each record through the sub-topology (output goes to the RecordCollector;
//      deserialization errors go to the handler and the dead-letter queue inside the task) and
//      checks stream-time punctuation after it; then wall-clock punctuation is checked for every
//      task (the poll in step 2 never blocks past the next one, nor past an idle deadline).
//   5. Serve the producer's delivery reports; a failure the production handler turned into
//      kFail kills the thread here, before anything after it is committed.
//   6. Commit when commit.interval.ms has passed or a task asked for it, if anything was
//      processed, or a position moved, since the last commit (an idle thread does not commit
//      more often: each commit flushes the producer and syncs the stores):
//        a. prepareCommit() every task: flush its record caches (downstream, stores, changelogs)
//           and its stores;
//        b. flush the producer until every record sent is acknowledged, check delivery errors;
//        c. commit the tasks' input offsets synchronously: the consumer's position (which also
//           steps over transaction markers) for a partition whose fetched records are all
//           processed, else last processed + 1 (records still buffered in a PartitionGroup, or
//           a revocation or shutdown served inside the poll);
//        d. checkpoint: write into each logged store the offset of the last acknowledged record
//           of its changelog partition (the record collector tracks them from delivery
//           reports), so that a restart replays only the changelog's tail. Only the task's own
//           acknowledgements count (those of an earlier ownership are forgotten when the task is
//           created), and a task still being restored is skipped: its checkpoint never passes
//           what was restored.
//      An input offset is therefore committed only after all output (and changelog records) of
//      the records before it is acknowledged (at-least-once).
//   7. Repeat from 2 until shutdown is requested; then finish the batch, commit (as in 6, which
//      also checkpoints the stores), withdraw the tasks from queries, close them, wait until the
//      client's other threads have committed too (see requestShutdown), close the consumer (leaving
//      the group) and the producer.
//   On an exception (from a processor, a failing handler, a fatal client error) the thread
//   commits nothing more, closes its tasks and clients, becomes DEAD, and reports the exception
//   to its Listener (the KafkaStreams client, which applies the uncaught-exception handler).
//   A revocation commits (6) and then closes the revoked tasks, also withdrawing them from
//   queries first; lost partitions close without committing.
//
// Why the `range` assignor: it gives partition i of every subscribed topic with the same
// partition count to the same member, so a task's co-partitioned inputs (both sides of a join,
// a repartition topic and its peers) meet in one thread. Its rebalances are eager (every
// partition is revoked and re-assigned); cooperative-sticky would avoid that but has known
// bugs in librdkafka 2.0.2 (hangs on close, lost assignments on commit during rebalance).
//
// Why batch consumption is safe here: librdkafka 2.0.x's batch API misbehaved when seek, pause,
// resume or rebalancing ran concurrently with it (fixed in 2.1; kstreams needs 2.8). This thread
// never seeks; it pauses and resumes partitions (PartitionGroup) only between its own batch
// calls, and rebalances are served by its own rebalance callback inside them: sequential use.
//
// Threads: the loop, the rebalance callback, the delivery-report callback, restoration and all
// task code run on the thread itself; no lock is taken per record. start(), requestShutdown(),
// awaitFinalCommit(), allowLeaving(), join(), state(), name() and assignment() may be called
// from any thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "kafka/kafka_handles.h"
#include "kstreams/state/rocksdb_resources.h"
#include "kstreams/state/thread_cache.h"
#include "kstreams/state_restore_listener.h"
#include "kstreams/streams_config.h"
#include "kstreams/topology.h"
#include "runtime/partition_group.h"
#include "runtime/queryable_stores.h"
#include "runtime/record_collector.h"
#include "runtime/state_restorer.h"
#include "runtime/stream_task.h"

namespace kstreams::internal {

class StreamThread {
 public:
  // Java's StreamThread.State. kCreated → kStarting → (kPartitionsRevoked |
  // kPartitionsAssigned)* ↔ kRunning → kPendingShutdown → kDead.
  enum class State {
    kCreated,
    kStarting,
    kPartitionsRevoked,
    kPartitionsAssigned,
    kRunning,
    kPendingShutdown,
    kDead,
  };

  // Implemented by the KafkaStreams client. Both calls run on the stream thread.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onThreadStateChange(StreamThread& thread, State new_state, State old_state) = 0;
    // The thread has died of `error` (it is DEAD, its clients are closed).
    virtual void onThreadFailure(StreamThread& thread, const std::exception_ptr& error) = 0;
    // The listener to report restoration to (null: none), asked before each restoration.
    virtual std::shared_ptr<StateRestoreListener> restoreListener() { return nullptr; }
  };

  struct Options {
    int index = 1;
    std::string name;  // e.g. "<client.id>-StreamThread-1", used in logs and client ids
    const Topology* topology = nullptr;
    std::vector<SubtopologyDef> subtopologies;
    const StreamsConfig::Resolved* config = nullptr;
    // Complete librdkafka settings (group.id, assignor, callbacks excepted: set here).
    ClientProperties consumer_props;
    ClientProperties producer_props;
    Listener* listener = nullptr;
    // The client's RocksDB memory budget (null: the process default) and query directory
    // (null: stores are not queryable), shared by its threads.
    std::shared_ptr<state::RocksDbResources> rocksdb_resources;
    std::shared_ptr<QueryableStores> queryable_stores;
  };

  static constexpr int kMaxBatch = 1000;
  // Longest wait of a held thread for allowLeaving() (a safety net: the client allows it).
  static constexpr std::chrono::seconds kLeaveHoldLimit{60};

  // Creates the consumer and the producer (not connected to anything yet: librdkafka connects
  // lazily). InvalidArgument when librdkafka rejects the settings.
  static absl::StatusOr<std::unique_ptr<StreamThread>> create(Options options);

  // Requests shutdown and joins.
  ~StreamThread();

  StreamThread(const StreamThread&) = delete;
  StreamThread& operator=(const StreamThread&) = delete;

  // Starts the OS thread. Once.
  void start();
  // Asks the loop to stop after its current batch and wakes it up if it is waiting for
  // records. Non-blocking; any thread.
  //
  // With `hold_before_leaving`, the shutdown runs in two phases: after its final commit the
  // thread waits (up to kLeaveHoldLimit) for allowLeaving() before it closes its consumer. The
  // client uses this to let every thread commit before any leaves the group: a member leaving
  // starts a rebalance, during which the others' commits may be rejected (the embedded mock
  // rejects them for the whole rebalance, a broker once members must re-join), which would make
  // them reprocess everything since their previous commit.
  void requestShutdown(bool hold_before_leaving = false);
  // Waits until the thread has made its final commit (or died, or failed to), or `deadline`.
  bool awaitFinalCommit(std::chrono::steady_clock::time_point deadline);
  // Lets a thread held by requestShutdown(true) close its consumer.
  void allowLeaving();
  // Waits for the OS thread to end. Not from the thread itself.
  void join();

  // The partitions the group assigned to this thread now (empty between a revocation and the
  // next assignment). Any thread.
  std::vector<TopicPartition> assignment() const;

  State state() const { return state_.load(std::memory_order_acquire); }
  bool isAlive() const { return state() != State::kDead; }
  const std::string& name() const { return options_.name; }
  int index() const { return options_.index; }

  // Whether the calling thread is a stream thread (of any client).
  static bool onStreamThread();

 private:
  explicit StreamThread(Options options);

  void run();
  void runLoop();
  int pollBatch(rd_kafka_message_t** batch, int timeout_ms);
  // poll.ms, or less when a wall-clock punctuation or a max.task.idle.ms deadline comes sooner.
  int pollTimeoutMs() const;
  // The partition queue a record (or an end-of-partition event) belongs to; null: not ours.
  PartitionGroup::Queue* route(const rd_kafka_message_t* message);
  // Takes `message`: hands a fetched record to its task's PartitionGroup, notes an
  // end-of-partition event, or deals with a consumer error (destroying the message).
  void enqueue(rd_kafka_message_t* message);
  // Processes what every task is ready to process, then wall-clock punctuation.
  void processTasks();
  void maybeCommit();
  // Step 6: prepare the tasks, flush, check delivery errors, commit synchronously, checkpoint.
  // Throws StreamsException on a production or store failure (nothing is committed then).
  void commit();
  // The input offsets to commit, of every partition whose offset moved since this thread's
  // last commit: the consumer's position once the batch is processed, else last processed + 1.
  RdKafkaPartitionListPtr committableOffsets();
  // Step 6c: commits `offsets` synchronously; a failure is logged and leaves the thread dirty,
  // so that the next commit (at the latest after the next commit.interval.ms) tries again.
  void commitOffsets(rd_kafka_topic_partition_list_t* offsets);
  // Step 6d. Skips tasks still being restored.
  void checkpointStores();
  bool isRestoring(TaskId id) const {
    return std::find(restoring_.begin(), restoring_.end(), id) != restoring_.end();
  }
  // Step 3: restores the tasks in restoring_ and makes them queryable. False when shutdown
  // interrupted it (the loop then ends; the tasks never process a record).
  bool restoreTasks();
  // Step 3, first: the partition times committed with the new tasks' input offsets.
  void initializePartitionTimes();
  void completeShutdown(bool clean);
  void setState(State state);

  void onRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  void createTasks(const rd_kafka_topic_partition_list_t* partitions);
  void closeTasks();
  void onConsumerError(int err, const char* reason);
  static void rebalanceTrampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* partitions, void* opaque);
  static void errorTrampoline(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  Options options_;
  std::atomic<State> state_{State::kCreated};
  std::atomic<bool> stop_requested_{false};
  std::thread thread_;

  // Clients. The consumer queue is also used by requestShutdown() to wake the loop, under
  // wake_mu_ (it is destroyed at shutdown, possibly while another thread asks to stop).
  RdKafkaPtr consumer_;
  std::mutex wake_mu_;
  RdKafkaQueuePtr consumer_queue_;
  // The two-phase shutdown (requestShutdown(true)).
  std::mutex phase_mu_;
  std::condition_variable phase_cv_;
  bool hold_before_leaving_ = false;  // guarded by phase_mu_
  bool final_commit_done_ = false;    // guarded by phase_mu_
  bool leaving_allowed_ = false;      // guarded by phase_mu_
  std::unique_ptr<RecordCollector> collector_;
  mutable std::mutex assignment_mu_;
  std::vector<TopicPartition> assignment_;  // guarded by assignment_mu_

  // Everything below belongs to the stream thread.
  // Resolved source topic → index into options_.subtopologies.
  std::map<std::string, size_t, std::less<>> topic_to_subtopology_;
  std::vector<std::string> source_topics_;
  // The record cache the thread's tasks share (statestore.cache.max.bytes / threads); declared
  // before tasks_ so that it outlives them.
  std::unique_ptr<state::ThreadCache> cache_;
  std::map<TaskId, std::unique_ptr<StreamTask>> tasks_;
  // Tasks created by the last assignment whose stores are not restored yet.
  std::vector<TaskId> restoring_;
  std::unique_ptr<StateRestorer> restorer_;
  // Records processed since the last successful commit: without any, a commit has nothing to
  // do (it would only sync the stores again).
  bool dirty_ = false;
  // From the start of a poll until every record it returned is processed: the consumer's
  // position then counts records not processed yet (see committableOffsets).
  bool batch_pending_ = false;
  // Per task: its fetched, not yet processed records (declared after tasks_: destroyed first).
  std::map<TaskId, std::unique_ptr<PartitionGroup>> groups_;
  // Routing: topic → partition queue per partition number (nullptr: not ours).
  std::map<std::string, std::vector<PartitionGroup::Queue*>, std::less<>> routes_;
  // One-entry routing cache keyed by librdkafka's topic handle (records of one topic come in
  // runs); reset on every rebalance.
  const rd_kafka_topic_t* last_rkt_ = nullptr;
  std::vector<PartitionGroup::Queue*>* last_route_ = nullptr;
  // Offsets this thread committed last, to commit only what moved.
  std::map<std::pair<std::string, int32_t>, int64_t> committed_;
  std::chrono::steady_clock::time_point last_commit_;
  // Set once the thread is failing: nothing may be committed after that.
  bool failed_ = false;
  // An exception thrown inside a librdkafka callback, rethrown by the loop.
  std::exception_ptr callback_error_;
  int64_t dropped_ = 0;  // records of partitions no longer owned
};

const char* toString(StreamThread::State state);

}  // namespace kstreams::internal
