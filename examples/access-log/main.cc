// The main example: an HTTP server's access log, shipped into Kafka line by line, parsed and
// routed by a kstreams topology.
//
//   access-log [--input FILE] [--bootstrap-servers HOST:PORT] [--application-id ID] [--threads N]
//
//   1. Every line of FILE (default: the bundled sample.log) is produced to topic `access-log`,
//      as a log shipper would.
//   2. The topology reads `access-log` with a serde that parses Common/Combined Log Format
//      lines into JSON. Lines that do not parse fail deserialization: the handler
//      (LogAndContinue) skips them and the dead-letter queue `access-log-dlq` receives the raw
//      line, with the reason in the `__streams.errors.message` header.
//   3. Parsed entries, keyed by client IP, go to `access-log-json`; those with status >= 500
//      also go to `access-log-errors`.
//   4. When everything is processed, the records of `access-log-errors` are printed as JSON
//      lines, then "N malformed lines sent to access-log-dlq".
// Without --bootstrap-servers it runs on an in-process embedded Kafka cluster. On a real broker
// the topics outlive the run; the application id (default "access-log") keeps its committed
// offsets, so a second run processes only the lines it adds, and the report shows only the
// records this run wrote.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "access_log.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/json_serde.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"

namespace {

using nlohmann::json;

struct Flags {
  std::string input = KSTREAMS_ACCESS_LOG_SAMPLE;
  std::string bootstrap_servers;
  std::string application_id = "access-log";
  int threads = 2;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "access-log: " << error << "\n"
            << "usage: access-log [--input FILE] [--bootstrap-servers HOST:PORT]\n"
            << "                  [--application-id ID] [--threads N]\n";
  std::exit(2);
}

Flags parseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--input") {
      f.input = value();
    } else if (arg == "--bootstrap-servers") {
      f.bootstrap_servers = value();
    } else if (arg == "--application-id") {
      f.application_id = value();
    } else if (arg == "--threads") {
      f.threads = std::atoi(value().c_str());
      if (f.threads < 1) usage("--threads must be at least 1");
    } else if (arg == "--help" || arg == "-h") {
      usage("help");
    } else {
      usage("unknown flag " + arg);
    }
  }
  return f;
}

void check(const absl::Status& s, const std::string& what) {
  if (!s.ok()) {
    std::cerr << "access-log: " << what << ": " << s << "\n";
    std::exit(1);
  }
}

kstreams::Topology buildTopology() {
  using kstreams::Serdes::String;
  kstreams::StreamsBuilder builder;
  auto entries =
      builder
          .stream("access-log", kstreams::Consumed<std::optional<std::string>, json>(
                                    kstreams::Serdes::Optional(String()),
                                    std::make_shared<const access_log::AccessLogLineSerde>())
                                    .withName("access-log-source"))
          .selectKey([](const std::optional<std::string>&,
                        const json& entry) { return entry["ip"].get<std::string>(); },
                     kstreams::Named::as("key-by-client-ip"));
  auto json_serde = kstreams::Serdes::Json<json>();
  entries.to(
      "access-log-json",
      kstreams::Produced<std::string, json>(String(), json_serde).withName("access-log-json-sink"));
  entries
      .filter(
          [](const std::string&, const json& entry) { return entry["status"].get<int>() >= 500; },
          kstreams::Named::as("server-errors"))
      .to("access-log-errors", kstreams::Produced<std::string, json>(String(), json_serde)
                                   .withName("access-log-errors-sink"));
  return builder.build();
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parseFlags(argc, argv);
  std::ifstream input(flags.input);
  if (!input) usage("cannot read " + flags.input);

  std::unique_ptr<kstreams::EmbeddedKafkaCluster> cluster;
  std::string bootstrap = flags.bootstrap_servers;
  if (bootstrap.empty()) {
    cluster = std::make_unique<kstreams::EmbeddedKafkaCluster>(1);
    bootstrap = cluster->bootstrapServers();
    std::cerr << "access-log: embedded Kafka cluster at " << bootstrap << "\n";
  }
  check(kstreams::createTopics(bootstrap, {{"access-log", 4},
                                           {"access-log-json", 4},
                                           {"access-log-errors", 1},
                                           {"access-log-dlq", 1}}),
        "creating topics");

  auto errors_start = kstreams::endOffsets(bootstrap, "access-log-errors");
  check(errors_start.status(), "reading offsets of access-log-errors");
  auto dlq_start = kstreams::endOffsets(bootstrap, "access-log-dlq");
  check(dlq_start.status(), "reading offsets of access-log-dlq");

  // 1. Ship the log into Kafka.
  size_t lines = 0;
  {
    kstreams::SimpleProducer producer(bootstrap);
    std::string line;
    while (std::getline(input, line)) {
      producer.send("access-log", std::nullopt, line);
      ++lines;
    }
    check(producer.flush(), "producing the log");
  }
  std::cerr << "access-log: produced " << lines << " lines from " << flags.input << "\n";

  // 2.-3. Process it.
  kstreams::Topology topology = buildTopology();
  kstreams::KafkaStreams streams(topology,
                                 kstreams::StreamsConfig{
                                     {"application.id", flags.application_id},
                                     {"bootstrap.servers", bootstrap},
                                     {"num.stream.threads", std::to_string(flags.threads)},
                                     {"commit.interval.ms", "200"},
                                     {"deserialization.exception.handler", "LogAndContinue"},
                                     {"errors.dead.letter.queue.topic.name", "access-log-dlq"},
                                 });
  check(streams.start(), "starting kstreams");
  if (!streams.waitUntilCaughtUp(std::chrono::minutes(2))) {
    std::cerr << "access-log: processing did not finish in time (state "
              << kstreams::toString(streams.state()) << ")\n";
    return 1;
  }
  streams.close(std::chrono::seconds(30));

  // 4. Report.
  auto errors = kstreams::readTopic(bootstrap, "access-log-errors", *errors_start);
  check(errors.status(), "reading access-log-errors");
  for (const auto& r : *errors) std::cout << r.value.value_or("null") << "\n";
  auto dlq = kstreams::readTopic(bootstrap, "access-log-dlq", *dlq_start);
  check(dlq.status(), "reading access-log-dlq");
  for (const auto& r : *dlq) {
    auto header = [&](const char* key) {
      const auto* h = r.headers.lastHeader(key);
      return h && h->value ? *h->value : std::string("?");
    };
    std::cerr << "access-log: dead letter from " << header(kstreams::kDlqHeaderTopic) << "-"
              << header(kstreams::kDlqHeaderPartition) << "@" << header(kstreams::kDlqHeaderOffset)
              << ": " << header(kstreams::kDlqHeaderExceptionMessage) << "\n";
  }
  std::cout << dlq->size() << " malformed lines sent to access-log-dlq" << std::endl;
  return 0;
}
