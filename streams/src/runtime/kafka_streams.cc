// KafkaStreams: configuration checks, internal topics, the client state machine, and the
// handling of stream threads that die. The processing itself is in stream_thread.cc.
#include "kstreams/kafka_streams.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kafka/kafka_handles.h"
#include "kafka/murmur2.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/errors.h"
#include "kstreams/logging.h"
#include "runtime/exception_text.h"
#include "runtime/group_membership.h"
#include "runtime/queryable_stores.h"
#include "runtime/stream_task.h"
#include "runtime/stream_thread.h"

namespace kstreams {

using internal::ClientProperties;
using internal::StreamThread;
using internal::SubtopologyDef;
using State = KafkaStreams::State;

namespace {

// Admin requests of start() (metadata, topic creation).
constexpr absl::Duration kAdminTimeout = absl::Seconds(60);
// How long threads that have committed wait for the others before leaving the group.
constexpr std::chrono::seconds kFinalCommitWait(30);
// Pause between two lag checks of waitUntilCaughtUp().
constexpr std::chrono::milliseconds kCaughtUpPollInterval(100);

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

bool isFinal(State s) { return s == State::kNotRunning || s == State::kError; }

// The client whose state listener or shutdown helper runs on this thread (null: none). close()
// there must neither wait for the shutdown nor join the helper: the shutdown cannot finish while
// that thread is busy with its callback, and the helper cannot join itself.
thread_local const void* t_inside_client = nullptr;

class InsideClient {
 public:
  explicit InsideClient(const void* client) : saved_(t_inside_client) { t_inside_client = client; }
  ~InsideClient() { t_inside_client = saved_; }
  InsideClient(const InsideClient&) = delete;
  InsideClient& operator=(const InsideClient&) = delete;

 private:
  const void* saved_;
};
bool isActive(State s) { return s == State::kRebalancing || s == State::kRunning; }

// librdkafka 2.0.2's consumer-only and producer-only properties (CONFIGURATION.md, C/P column).
const std::set<std::string>& consumerOnlyProperties() {
  static const std::set<std::string> keys = {"auto.commit.enable",
                                             "auto.commit.interval.ms",
                                             "auto.offset.reset",
                                             "check.crcs",
                                             "consume.callback.max.messages",
                                             "coordinator.query.interval.ms",
                                             "enable.auto.commit",
                                             "enable.auto.offset.store",
                                             "enable.partition.eof",
                                             "fetch.error.backoff.ms",
                                             "fetch.max.bytes",
                                             "fetch.message.max.bytes",
                                             "fetch.min.bytes",
                                             "fetch.queue.backoff.ms",
                                             "fetch.wait.max.ms",
                                             "group.id",
                                             "group.instance.id",
                                             "group.protocol.type",
                                             "heartbeat.interval.ms",
                                             "isolation.level",
                                             "max.partition.fetch.bytes",
                                             "max.poll.interval.ms",
                                             "offset.store.method",
                                             "offset.store.path",
                                             "offset.store.sync.interval.ms",
                                             "partition.assignment.strategy",
                                             "queued.max.messages.kbytes",
                                             "queued.min.messages",
                                             "session.timeout.ms"};
  return keys;
}
// True when the producer settings rule out idempotence (Java's KIP-679 rules, in librdkafka's
// names and aliases).
bool idempotenceConflict(const ClientProperties& props) {
  auto value = [&](std::initializer_list<const char*> names) -> const std::string* {
    for (const char* name : names) {
      if (auto it = props.find(name); it != props.end()) return &it->second;
    }
    return nullptr;
  };
  int64_t n = 0;
  if (const std::string* acks = value({"acks", "request.required.acks"});
      acks != nullptr && *acks != "all" && *acks != "-1") {
    return true;
  }
  if (const std::string* retries = value({"retries", "message.send.max.retries"});
      retries != nullptr && absl::SimpleAtoi(*retries, &n) && n == 0) {
    return true;
  }
  const std::string* in_flight = value({"max.in.flight", "max.in.flight.requests.per.connection"});
  return in_flight != nullptr && absl::SimpleAtoi(*in_flight, &n) && n > 5;
}

const std::set<std::string>& producerOnlyProperties() {
  static const std::set<std::string> keys = {"acks",
                                             "batch.num.messages",
                                             "batch.size",
                                             "compression.codec",
                                             "compression.level",
                                             "compression.type",
                                             "delivery.report.only.error",
                                             "delivery.timeout.ms",
                                             "enable.gapless.guarantee",
                                             "enable.idempotence",
                                             "linger.ms",
                                             "message.send.max.retries",
                                             "message.timeout.ms",
                                             "partitioner",
                                             "produce.offset.report",
                                             "queue.buffering.backpressure.threshold",
                                             "queue.buffering.max.kbytes",
                                             "queue.buffering.max.messages",
                                             "queue.buffering.max.ms",
                                             "queuing.strategy",
                                             "request.required.acks",
                                             "request.timeout.ms",
                                             "retries",
                                             "retry.backoff.ms",
                                             "sticky.partitioning.linger.ms",
                                             "transaction.timeout.ms",
                                             "transactional.id"};
  return keys;
}

class NoopSender final : public internal::RecordSender {
 public:
  void send(const std::string&, int32_t, std::optional<std::string_view>,
            std::optional<std::string_view>, int64_t, const Headers&) override {}
};

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

// ---------------------------------------------------------------------------------------------

struct KafkaStreams::Impl final : StreamThread::Listener {
  Impl(const Topology* topology, std::unique_ptr<Topology> owned, const StreamsConfig& config);
  ~Impl() override;

  // Construction-time checks.
  void prepareClientProps(const StreamsConfig& config);
  void checkSerdes() const;

  absl::Status start();
  absl::Status prepareTopics();
  bool close(std::chrono::milliseconds timeout);
  bool setState(State next);
  void closeToError();
  void startShutdownHelper(State final_state);
  bool replaceThread(const StreamThread& dead);
  StreamThread::Options threadOptions(int index);
  absl::StatusOr<std::vector<PartitionLag>> sourceLag(std::chrono::milliseconds timeout);

  // StreamThread::Listener
  void onThreadStateChange(StreamThread& thread, StreamThread::State new_state,
                           StreamThread::State old_state) override;
  void onThreadFailure(StreamThread& thread, const std::exception_ptr& error) override;
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
  std::vector<SubtopologyDef> subtopologies;
  std::vector<std::string> source_topics;  // full names, all sub-topologies
  ClientProperties consumer_props, producer_props, admin_props;

  std::atomic<State> state{State::kCreated};
  // Serializes state changes with their listener calls, so that the listener sees them one at
  // a time and in order. Recursive: a listener may call close().
  std::recursive_mutex transition_mu;
  StateListener listener;  // guarded by transition_mu

  // Guards what follows and `state` changes; state_cv signals them.
  mutable std::mutex mu;
  std::condition_variable state_cv;
  std::vector<std::unique_ptr<StreamThread>> threads;  // dead ones stay until the end
  int next_thread_index = 1;
  bool starting = false;
  std::thread shutdown_helper;
  UncaughtExceptionHandler handler;

  // A consumer that never joins the group, for sourceLag() and queryMetadataForKey().
  std::mutex lag_mu;
  internal::RdKafkaPtr lag_client;

  // State: one RocksDB memory budget for the instance's stores; the directory of queryable
  // stores the threads fill; the restore listener (guarded by mu).
  std::shared_ptr<state::RocksDbResources> rocksdb_resources;
  std::shared_ptr<internal::QueryableStores> queryable;
  std::shared_ptr<StateRestoreListener> restore_listener;
  // Registration in internal::LocalInstances (embedded clusters only; 0: none).
  std::atomic<int64_t> local_instance{0};
};

KafkaStreams::Impl::Impl(const Topology* t, std::unique_ptr<Topology> owned,
                         const StreamsConfig& streams_config)
    : owned_topology(std::move(owned)), topology(t), config(streams_config.resolve(true)) {
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

void KafkaStreams::Impl::prepareClientProps(const StreamsConfig& user) {
  // Settings the processing guarantee depends on: the user may not change them.
  auto forced = [&](const std::string& key, const std::string& value, const char* why) {
    for (const std::string& shown : {"consumer." + key, key}) {
      std::optional<std::string> v = user.get(shown);
      if (v && *v != value) throw ConfigException(shown, "must be " + value + ": " + why);
    }
  };
  forced("group.id", config.application_id,
         "the consumer group of a Kafka Streams application is its application.id");
  forced("enable.auto.commit", "false",
         "kstreams commits an offset only after the output of the records before it is "
         "acknowledged");
  forced("enable.auto.offset.store", "false", "kstreams commits explicit offsets");
  forced("partition.assignment.strategy", "range",
         "it puts partition i of co-partitioned topics on one stream thread (the other "
         "assignors of librdkafka do not)");

  consumer_props = config.consumer_props;
  producer_props = config.producer_props;
  admin_props = config.admin_props;
  // resolve() hands every unprefixed librdkafka setting to every kind of client, and librdkafka
  // logs a CONFWARN for each one that does not apply (say session.timeout.ms on a producer), so
  // drop those, unless the user addressed that client with its prefix. (The admin client is a
  // producer handle.) Java's StreamsConfig filters by client the same way.
  auto drop = [&](ClientProperties& props, const std::set<std::string>& keys,
                  const std::string& prefix) {
    for (const std::string& key : keys) {
      if (!user.get(prefix + key)) props.erase(key);
    }
  };
  drop(producer_props, consumerOnlyProperties(), "producer.");
  drop(admin_props, consumerOnlyProperties(), "admin.");
  drop(consumer_props, producerOnlyProperties(), "consumer.");
  for (ClientProperties* p : {&consumer_props, &producer_props, &admin_props}) {
    (*p)["bootstrap.servers"] = config.bootstrap_servers;
  }
  consumer_props["group.id"] = config.application_id;
  consumer_props["enable.auto.commit"] = "false";
  consumer_props["enable.auto.offset.store"] = "false";
  consumer_props["partition.assignment.strategy"] = "range";
  // Defaults; the user's settings (already in the maps) win.
  consumer_props.emplace("auto.offset.reset", "earliest");
  consumer_props.emplace("socket.nagle.disable", "true");
  // A small prefetch: each queued record costs its value plus ~250 B of librdkafka op and
  // pins its fetch buffer, so the queue is most of a thread's memory. When the queue reaches
  // either limit librdkafka stops fetching and looks again after fetch.queue.backoff.ms (1 s
  // by default, long enough for a stream thread to drain the queue and idle): a short backoff
  // keeps a small queue refilled.
  consumer_props.emplace("queued.min.messages", "50000");
  consumer_props.emplace("queued.max.messages.kbytes", "4096");
  consumer_props.emplace("fetch.queue.backoff.ms", "10");
  // Java's default partitioner (murmur2 of the key; random for null keys), so keys land where
  // a Java producer would put them: co-partitioning holds across languages.
  producer_props.emplace("partitioner", "murmur2_random");
  producer_props.emplace("linger.ms", "5");
  producer_props.emplace("batch.num.messages", "10000");
  // Bounds the producer's memory (~65 MB peak measured) at full throughput.
  producer_props.emplace("queue.buffering.max.messages", "100000");
  producer_props.emplace("socket.nagle.disable", "true");
  // Idempotence (librdkafka's default is off, Java's on since 3.0): without it a retried
  // batch can land after a later one, and a changelog whose last two updates of a key swap
  // restores the older value. As Java's producer does, a user setting that idempotence cannot
  // honour (acks other than all, no retries, more than 5 requests in flight) turns it off when
  // enable.idempotence was not set explicitly; set explicitly, librdkafka rejects the conflict.
  if (!producer_props.contains("enable.idempotence")) {
    producer_props["enable.idempotence"] = idempotenceConflict(producer_props) ? "false" : "true";
  } else if (producer_props.at("enable.idempotence") == "true" &&
             idempotenceConflict(producer_props)) {
    throw ConfigException("enable.idempotence",
                          "true, but acks is not all, retries is 0 or max.in.flight exceeds 5");
  }
  admin_props.emplace("client.id", config.client_id + "-admin");

  if (internal::MockClusterRegistry::contains(config.bootstrap_servers)) {
    // The embedded mock needs short fetch waits and a session timeout it converges with.
    for (const auto& [key, value] : EmbeddedKafkaCluster::recommendedClientConfig()) {
      consumer_props.emplace(key, value);
    }
    admin_props.emplace("socket.nagle.disable", "true");
  }
  // Whole configs (not just single keys, which resolve() checked) must be acceptable too.
  for (const ClientProperties* p : {&consumer_props, &producer_props, &admin_props}) {
    absl::StatusOr<internal::RdKafkaConfPtr> conf = internal::makeConf(*p);
    if (!conf.ok())
      throw ConfigException("(client settings)", std::string(conf.status().message()));
  }
}

void KafkaStreams::Impl::checkSerdes() const {
  // Building a task wires and initializes every node, which resolves the default serdes of
  // sources and sinks against the types they need. These throwaway tasks never see a record.
  // (When nodes get state stores, this check must not open them.)
  NoopSender sender;
  internal::TaskEnv env;
  env.config = &config;
  env.sender = &sender;
  env.wall_clock_ms = [] { return int64_t{0}; };
  env.validate_only = true;  // in-memory stand-ins: no store directory, no changelog
  for (const SubtopologyDef& sub : subtopologies) {
    internal::StreamTask task(TaskId{sub.id, 0}, *topology, sub, env);
    task.close();
  }
}

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

// ---- lag

absl::StatusOr<std::vector<PartitionLag>> KafkaStreams::Impl::sourceLag(
    std::chrono::milliseconds timeout) {
  const absl::Time deadline = absl::Now() + absl::FromChrono(timeout);
  auto remaining = [&] { return internal::toTimeoutMs(deadline - absl::Now()); };
  std::lock_guard<std::mutex> lock(lag_mu);
  if (lag_client == nullptr) {
    ClientProperties props = consumer_props;
    props["client.id"] = config.client_id + "-lag";
    absl::StatusOr<internal::RdKafkaPtr> rk = internal::makeHandle(RD_KAFKA_CONSUMER, props);
    if (!rk.ok()) return rk.status();
    lag_client = *std::move(rk);
  }
  rd_kafka_t* rk = lag_client.get();

  const rd_kafka_metadata_t* raw_metadata = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &raw_metadata, remaining())) {
    return internal::toStatus(err, "metadata request");
  }
  internal::RdKafkaMetadataPtr metadata(raw_metadata);
  internal::RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(16));
  for (const std::string& topic : source_topics) {
    const rd_kafka_metadata_topic_t* found = nullptr;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
      if (topic == metadata->topics[i].topic) found = &metadata->topics[i];
    }
    if (found == nullptr || found->partition_cnt == 0) {
      return absl::NotFoundError(absl::StrCat("source topic ", topic, " does not exist"));
    }
    for (int p = 0; p < found->partition_cnt; ++p) {
      rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), found->partitions[p].id);
    }
  }
  if (rd_kafka_resp_err_t err = rd_kafka_committed(rk, list.get(), remaining())) {
    return internal::toStatus(err, "fetching committed offsets");
  }
  std::vector<PartitionLag> out;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    int64_t low = 0, high = 0;
    if (rd_kafka_resp_err_t err =
            rd_kafka_query_watermark_offsets(rk, p.topic, p.partition, &low, &high, remaining())) {
      return internal::toStatus(err, absl::StrCat("end offset of ", p.topic, "-", p.partition));
    }
    PartitionLag lag;
    lag.topic = p.topic;
    lag.partition = p.partition;
    lag.committed_offset = p.err == RD_KAFKA_RESP_ERR_NO_ERROR && p.offset >= 0 ? p.offset : -1;
    lag.end_offset = high;
    lag.lag = lag.committed_offset >= 0 ? std::max<int64_t>(0, high - lag.committed_offset)
                                        : std::max<int64_t>(0, high - low);
    out.push_back(std::move(lag));
  }
  return out;
}

// ---- interactive queries

std::vector<TopicPartition> KafkaStreams::Impl::localAssignment() const {
  std::vector<TopicPartition> out;
  std::lock_guard<std::mutex> lock(mu);
  for (const auto& t : threads) {
    if (!t->isAlive()) continue;
    for (TopicPartition& tp : t->assignment()) out.push_back(std::move(tp));
  }
  return out;
}

namespace {

// "host:port" → HostInfo; InvalidArgument otherwise.
absl::StatusOr<HostInfo> parseHostInfo(const std::string& server) {
  const size_t colon = server.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(absl::StrCat("'", server, "' is not host:port"));
  }
  HostInfo h;
  h.host = server.substr(0, colon);
  try {
    size_t used = 0;
    h.port = std::stoi(server.substr(colon + 1), &used);
    if (used != server.size() - colon - 1) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat("'", server, "' is not host:port"));
  }
  return h;
}

}  // namespace

absl::StatusOr<KeyQueryMetadata> KafkaStreams::Impl::queryMetadataForKey(
    const std::string& store, std::string_view key, std::chrono::milliseconds timeout) {
  if (config.application_server.empty()) {
    return absl::FailedPreconditionError(
        "queryMetadataForKey needs application.server (host:port) in the config of every "
        "instance");
  }
  if (!queryable->hasStore(store)) {
    return absl::NotFoundError(absl::StrCat("the topology has no state store named ", store));
  }
  const int32_t partitions = queryable->partitionCount(store);
  if (partitions <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the partitions of state store ", store, " are known once start() ran"));
  }
  KeyQueryMetadata result;
  result.partition = internal::partitionForKey(key, partitions);
  // This instance first: no round trip when it runs the task itself.
  if (queryable->hasLocalPartition(store, result.partition)) {
    absl::StatusOr<HostInfo> me = parseHostInfo(config.application_server);
    if (!me.ok()) return me.status();
    result.active_host = *me;
    return result;
  }
  std::vector<internal::GroupMember> members;
  if (internal::MockClusterRegistry::contains(config.bootstrap_servers)) {
    members = internal::LocalInstances::members(config.bootstrap_servers, config.application_id);
  } else {
    std::lock_guard<std::mutex> lock(lag_mu);
    if (lag_client == nullptr) {
      ClientProperties props = consumer_props;
      props["client.id"] = config.client_id + "-lag";
      absl::StatusOr<internal::RdKafkaPtr> rk = internal::makeHandle(RD_KAFKA_CONSUMER, props);
      if (!rk.ok()) return rk.status();
      lag_client = *std::move(rk);
    }
    absl::StatusOr<std::vector<internal::GroupMember>> described =
        internal::describeGroup(lag_client.get(), config.application_id, absl::FromChrono(timeout));
    if (!described.ok()) return described.status();
    members = *std::move(described);
  }
  const std::vector<std::string> topics = queryable->sourceTopics(store);
  for (const internal::GroupMember& m : members) {
    for (const TopicPartition& tp : m.assignment) {
      if (tp.partition != result.partition ||
          std::find(topics.begin(), topics.end(), tp.topic) == topics.end()) {
        continue;
      }
      if (m.application_server.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "partition ", result.partition, " of state store ", store,
            " belongs to a member without application.server (client.id ", m.client_id, ")"));
      }
      absl::StatusOr<HostInfo> host = parseHostInfo(m.application_server);
      if (!host.ok()) return host.status();
      result.active_host = *host;
      return result;
    }
  }
  return absl::UnavailableError(absl::StrCat("partition ", result.partition, " of state store ",
                                             store,
                                             " has no owner now (rebalancing?); retry later"));
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

absl::StatusOr<std::vector<PartitionLag>> KafkaStreams::sourceLag(
    std::chrono::milliseconds timeout) const {
  return impl_->sourceLag(timeout);
}

bool KafkaStreams::waitUntilCaughtUp(std::chrono::milliseconds timeout) const {
  // Bounded so that milliseconds::max() does not overflow the clock.
  timeout = std::min<std::chrono::milliseconds>(timeout, std::chrono::hours(24 * 365));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const State s = state();
    if (s != State::kCreated && !isActive(s)) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) return false;
    absl::StatusOr<std::vector<PartitionLag>> lag =
        s == State::kRunning
            ? impl_->sourceLag(left)
            : absl::StatusOr<std::vector<PartitionLag>>(absl::UnavailableError("not running"));
    if (lag.ok() &&
        std::all_of(lag->begin(), lag->end(), [](const PartitionLag& p) { return p.lag == 0; })) {
      return true;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        kCaughtUpPollInterval, deadline - std::chrono::steady_clock::now()));
  }
}

int KafkaStreams::numAliveStreamThreads() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return static_cast<int>(std::count_if(impl_->threads.begin(), impl_->threads.end(),
                                        [](const auto& t) { return t->isAlive(); }));
}

}  // namespace kstreams

namespace kstreams {

void KafkaStreams::setGlobalStateRestoreListener(std::shared_ptr<StateRestoreListener> listener) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->restore_listener = std::move(listener);
}

absl::StatusOr<KeyQueryMetadata> KafkaStreams::queryMetadataForKeyBytes(
    const std::string& store_name, std::string_view serialized_key,
    std::chrono::milliseconds timeout) const {
  return impl_->queryMetadataForKey(store_name, serialized_key, timeout);
}

std::shared_ptr<const internal::QueryableStoreProvider> KafkaStreams::queryableStoreProvider()
    const {
  return impl_->queryable;
}

std::shared_ptr<const SerdeBase> KafkaStreams::defaultKeySerde() const {
  return impl_->config.default_key_serde;
}

}  // namespace kstreams
