// The kstreams stage of `scripts/demo pipeline` (scripts/pipeline-support/pipeline.sh; the
// README's "A real pipeline" section):
//
//   pipeline --bootstrap-servers HOST:PORT --registry-url URL --expect-lines N
//            [--sink-file FILE] [--ready-file FILE] [--application-id ID] [--timeout-s S]
//
//   0. Takes the end offsets of its topics (so that the report covers this run only), then
//      creates --ready-file: the demo starts the log shipper after that.
//   1. Waits until the log shipper (rsyslog's omkafka) has put N lines on topic `access-log`.
//   2. A KafkaStreams application parses each line (the access-log example's parser), keys it by
//      client IP and writes an Avro AccessLogEntry to `access-log-avro` through the schema
//      registry (subject access-log-avro-value); a line that does not parse goes to
//      `access-log-dlq` with the reason in a header.
//   3. When --sink-file is given, waits until Kafka Connect's FileStreamSink has written one line
//      per record of this run to it.
//   4. Prints every record of `access-log-avro` written in this run, decoded through the
//      registry, as one JSON line (the fields of access-log-json), then "N records in the
//      Connect sink file" and "M malformed lines sent to access-log-dlq".
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "access_log.h"
#include "kstreams/avro_serde.h"
#include "kstreams/dsl_options.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/schema_registry.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"

namespace {

using nlohmann::json;

struct Flags {
  std::string bootstrap_servers;
  std::string registry_url;
  std::string sink_file;
  std::string application_id = "pipeline";
  std::string ready_file;
  long expect_lines = -1;
  int timeout_s = 120;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "pipeline: " << error << "\n"
            << "usage: pipeline --bootstrap-servers HOST:PORT --registry-url URL --expect-lines N\n"
            << "                [--sink-file FILE] [--ready-file FILE] [--application-id ID]\n"
            << "                [--timeout-s S]\n";
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
    if (arg == "--bootstrap-servers") {
      f.bootstrap_servers = value();
    } else if (arg == "--registry-url") {
      f.registry_url = value();
    } else if (arg == "--sink-file") {
      f.sink_file = value();
    } else if (arg == "--ready-file") {
      f.ready_file = value();
    } else if (arg == "--application-id") {
      f.application_id = value();
    } else if (arg == "--expect-lines") {
      f.expect_lines = std::atol(value().c_str());
    } else if (arg == "--timeout-s") {
      f.timeout_s = std::atoi(value().c_str());
    } else {
      usage("unknown flag " + arg);
    }
  }
  if (f.bootstrap_servers.empty() || f.registry_url.empty() || f.expect_lines < 0) {
    usage("--bootstrap-servers, --registry-url and --expect-lines are required");
  }
  return f;
}

void check(const absl::Status& s, const std::string& what) {
  if (!s.ok()) {
    std::cerr << "pipeline: " << what << ": " << s << "\n";
    std::exit(1);
  }
}

// AccessLogEntry: the fields the access-log parser gives; referer and user_agent only for
// Combined Log Format lines.
const std::string kAccessLogEntry =
    json({{"type", "record"},
          {"name", "AccessLogEntry"},
          {"namespace", "kstreams.examples"},
          {"fields", json::array({{{"name", "ip"}, {"type", "string"}},
                                  {{"name", "ident"}, {"type", "string"}},
                                  {{"name", "user"}, {"type", "string"}},
                                  {{"name", "time"}, {"type", "string"}},
                                  {{"name", "method"}, {"type", "string"}},
                                  {{"name", "path"}, {"type", "string"}},
                                  {{"name", "protocol"}, {"type", "string"}},
                                  {{"name", "status"}, {"type", "int"}},
                                  {{"name", "bytes"}, {"type", "long"}},
                                  {{"name", "referer"},
                                   {"type", json::array({"null", "string"})},
                                   {"default", nullptr}},
                                  {{"name", "user_agent"},
                                   {"type", json::array({"null", "string"})},
                                   {"default", nullptr}}})}})
        .dump();

int64_t total(const std::map<int32_t, int64_t>& offsets) {
  int64_t n = 0;
  for (const auto& [p, o] : offsets) n += o;
  return n;
}

long countLines(const std::string& path) {
  std::ifstream in(path);
  long n = 0;
  for (std::string line; std::getline(in, line);) n += !line.empty();
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parseFlags(argc, argv);
  const std::string& bootstrap = flags.bootstrap_servers;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(flags.timeout_s);
  auto registry =
      std::make_shared<kstreams::SchemaRegistryClient>(flags.registry_url + "/apis/ccompat/v7");

  check(kstreams::createTopics(bootstrap,
                               {{"access-log", 1}, {"access-log-avro", 1}, {"access-log-dlq", 1}}),
        "creating topics");
  auto avro_start = kstreams::endOffsets(bootstrap, "access-log-avro");
  check(avro_start.status(), "reading offsets of access-log-avro");
  auto dlq_start = kstreams::endOffsets(bootstrap, "access-log-dlq");
  check(dlq_start.status(), "reading offsets of access-log-dlq");

  auto input_start = kstreams::endOffsets(bootstrap, "access-log");
  check(input_start.status(), "reading offsets of access-log");
  if (!flags.ready_file.empty()) std::ofstream(flags.ready_file) << "ready\n";

  auto value_serde = kstreams::Serdes::Avro(registry, kAccessLogEntry);
  kstreams::StreamsBuilder builder;
  builder
      .stream("access-log", kstreams::Consumed<std::optional<std::string>, json>(
                                kstreams::Serdes::Optional(kstreams::Serdes::String()),
                                std::make_shared<const access_log::AccessLogLineSerde>())
                                .withName("access-log-source"))
      .selectKey([](const std::optional<std::string>&,
                    const json& entry) { return entry["ip"].get<std::string>(); },
                 kstreams::Named::as("key-by-client-ip"))
      .to("access-log-avro",
          kstreams::Produced<std::string, json>(kstreams::Serdes::String(), value_serde)
              .withName("access-log-avro-sink"));
  // Constructing checks the sink's AccessLogEntry against the subject's registered versions.
  kstreams::KafkaStreams streams(builder.build(),
                                 kstreams::StreamsConfig{
                                     {"application.id", flags.application_id},
                                     {"bootstrap.servers", bootstrap},
                                     {"commit.interval.ms", "200"},
                                     {"deserialization.exception.handler", "LogAndContinue"},
                                     {"errors.dead.letter.queue.topic.name", "access-log-dlq"},
                                 });
  check(streams.start(), "starting kstreams");

  // 1. All lines shipped?
  int64_t shipped = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    auto end = kstreams::endOffsets(bootstrap, "access-log");
    check(end.status(), "reading offsets of access-log");
    shipped = total(*end) - total(*input_start);
    if (shipped >= flags.expect_lines) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cerr << "pipeline: " << shipped << " lines on access-log (expected " << flags.expect_lines
            << ")\n";
  // 2. All processed?
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (!streams.waitUntilCaughtUp(std::max(left, std::chrono::milliseconds(1000)))) {
    std::cerr << "pipeline: processing did not finish in time\n";
    return 1;
  }
  streams.close(std::chrono::seconds(30));

  auto avro = kstreams::readTopic(bootstrap, "access-log-avro", *avro_start);
  check(avro.status(), "reading access-log-avro");
  auto dlq = kstreams::readTopic(bootstrap, "access-log-dlq", *dlq_start);
  check(dlq.status(), "reading access-log-dlq");

  // 3. Connect's sink file.
  long in_sink = 0;
  if (!flags.sink_file.empty()) {
    while (std::chrono::steady_clock::now() < deadline) {
      in_sink = countLines(flags.sink_file);
      if (in_sink >= static_cast<long>(avro->size())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // 4. Report.
  auto reader = kstreams::Serdes::AvroReader(registry);
  for (const auto& r : *avro) {
    json entry = reader->deserialize("access-log-avro", r.value);
    for (const char* optional : {"referer", "user_agent"}) {
      if (entry.contains(optional) && entry[optional].is_null()) entry.erase(optional);
    }
    std::cout << entry.dump() << "\n";
  }
  if (!flags.sink_file.empty()) std::cout << in_sink << " records in the Connect sink file\n";
  std::cout << dlq->size() << " malformed lines sent to access-log-dlq" << std::endl;
  return 0;
}
