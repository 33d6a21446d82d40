// KafkaStreams, by concern (see kafka_streams_impl.h): this file holds the librdkafka
// properties of the client's consumers, producers and admin client (which keys apply to which
// client, the settings the processing guarantee forces, kstreams' defaults) and the
// construction-time check that the default serdes fit the topology.
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "absl/strings/numbers.h"
#include "kafka/kafka_handles.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/errors.h"
#include "kstreams/kafka_streams.h"
#include "runtime/kafka_streams_impl.h"
#include "runtime/stream_task.h"

namespace kstreams {

using internal::ClientProperties;
using internal::SubtopologyDef;

namespace {

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
  std::vector<internal::StreamTask::TopicSerdes> uses;
  for (const SubtopologyDef& sub : subtopologies) {
    internal::StreamTask task(TaskId{sub.id, 0}, *topology, sub, env);
    for (auto& use : task.topicSerdes()) uses.push_back(std::move(use));
    task.close();
  }
  checkSchemas(uses);
}

void KafkaStreams::Impl::checkSchemas(
    const std::vector<internal::StreamTask::TopicSerdes>& uses) const {
  // Serdes with a schema registry behind them (SchemaCheckedSerde) are asked whether they can
  // read their source topics and write their sink topics; others are skipped. Each (serde,
  // topic, direction) once: a serde shared by several nodes is asked once per topic.
  std::set<std::tuple<const void*, std::string, bool>> asked;
  std::string problems;
  for (const auto& use : uses) {
    for (bool is_key : {true, false}) {
      const SerdeBase* serde = is_key ? use.serdes.key.get() : use.serdes.value.get();
      const auto* checked = dynamic_cast<const SchemaCheckedSerde*>(serde);
      if (checked == nullptr || !asked.emplace(serde, use.topic, use.sink).second) continue;
      const auto how = use.sink ? SchemaCheckedSerde::Use::kWrite : SchemaCheckedSerde::Use::kRead;
      std::string problem;
      try {
        problem = checked->checkSchema(use.topic, how);
      } catch (const std::exception& e) {
        problem = std::string("the check failed: ") + e.what();
      }
      if (problem.empty()) continue;
      problems += absl::StrCat("\n  ", use.sink ? "sink " : "source ", use.node,
                               use.sink ? " writes " : " reads ", is_key ? "keys" : "values",
                               use.sink ? " to" : " of", " topic \"", use.topic, "\" with ",
                               serde->name(), ": ", problem);
    }
  }
  if (!problems.empty()) {
    throw IncompatibleSchemaException(
        "the topology's schemas do not match the schema registry; refusing to start:" + problems);
  }
}

}  // namespace kstreams
