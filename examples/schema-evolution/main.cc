// Schema evolution end to end, with a real schema registry:
//
//   schema-evolution [--registry-url URL] [--input FILE] [--bootstrap-servers HOST:PORT]
//
//   1. AccessLogEntry v1 is registered under the subject of topic `access-log-evolution`, whose
//      compatibility rule is set to BACKWARD; the first half of the access log (FILE, default
//      the bundled sample) is parsed and written with v1.
//   2. v2 adds an optional field (`user_agent`, default null): the registry accepts it, and the
//      rest of the log is written with v2.
//   3. An old reader (v1) reads every record, v2 ones included (the new field is skipped), and a
//      new reader (v2, a kstreams application) reads every record, v1 ones included (the field
//      takes its default).
//   4. v3 changes `status` from int to string: the registry refuses it (HTTP 409), and kstreams
//      refuses to start a topology that would write v3 or read with it, with the message a user
//      sees.
// The registry's base URL comes from --registry-url or KSTREAMS_REGISTRY_URL (scripts/demo
// schema-evolution starts a registry when none runs). Without --bootstrap-servers it runs on an
// in-process embedded Kafka cluster. The subject is deleted first, so every run starts afresh.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "access_log.h"
#include "kstreams/avro_serde.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/errors.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/schema_registry.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/wire_format.h"

namespace {

using nlohmann::json;

constexpr const char* kTopic = "access-log-evolution";

struct Flags {
  std::string input = KSTREAMS_ACCESS_LOG_SAMPLE;
  std::string bootstrap_servers;
  std::string registry_url;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "schema-evolution: " << error << "\n"
            << "usage: schema-evolution [--registry-url URL] [--input FILE]\n"
            << "                        [--bootstrap-servers HOST:PORT]\n";
  std::exit(2);
}

Flags parseFlags(int argc, char** argv) {
  Flags f;
  if (const char* url = std::getenv("KSTREAMS_REGISTRY_URL")) f.registry_url = url;
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
    } else if (arg == "--registry-url") {
      f.registry_url = value();
    } else {
      usage(arg == "--help" || arg == "-h" ? "help" : "unknown flag " + arg);
    }
  }
  if (f.registry_url.empty())
    usage("no schema registry: give --registry-url or KSTREAMS_REGISTRY_URL");
  return f;
}

void check(const absl::Status& s, const std::string& what) {
  if (!s.ok()) {
    std::cerr << "schema-evolution: " << what << ": " << s << "\n";
    std::exit(1);
  }
}

// AccessLogEntry, version by version.
json fieldsV1() {
  return json::array({{{"name", "ip"}, {"type", "string"}},
                      {{"name", "time"}, {"type", "string"}},
                      {{"name", "method"}, {"type", "string"}},
                      {{"name", "path"}, {"type", "string"}},
                      {{"name", "status"}, {"type", "int"}},
                      {{"name", "bytes"}, {"type", "long"}}});
}
std::string schema(const json& fields) {
  return json({{"type", "record"},
               {"name", "AccessLogEntry"},
               {"namespace", "kstreams.examples"},
               {"fields", fields}})
      .dump();
}
const json kUserAgent = {
    {"name", "user_agent"}, {"type", json::array({"null", "string"})}, {"default", nullptr}};
std::string schemaV1() { return schema(fieldsV1()); }
std::string schemaV2() {
  json f = fieldsV1();
  f.push_back(kUserAgent);
  return schema(f);
}
std::string schemaV3() {
  json f = fieldsV1();
  f[4]["type"] = "string";  // status: int -> string, which no Avro reader of int data accepts
  f.push_back(kUserAgent);
  return schema(f);
}

json entry(const json& parsed, bool with_user_agent) {
  json e = {{"ip", parsed["ip"]},     {"time", parsed["time"]},     {"method", parsed["method"]},
            {"path", parsed["path"]}, {"status", parsed["status"]}, {"bytes", parsed["bytes"]}};
  if (with_user_agent) e["user_agent"] = parsed.value("user_agent", json(nullptr));
  return e;
}

void indent(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::cout << "     " << text.substr(start, end - start) << "\n";
    start = end + 1;
  }
}

// A topology that parses raw log lines from `access-log` and writes them with `writer`.
kstreams::Topology writerTopology(const kstreams::SerdePtr<json>& writer) {
  kstreams::StreamsBuilder builder;
  builder
      .stream("access-log", kstreams::Consumed<std::string, json>(
                                kstreams::Serdes::String(),
                                std::make_shared<const access_log::AccessLogLineSerde>()))
      .to(kTopic, kstreams::Produced<std::string, json>(kstreams::Serdes::String(), writer));
  return builder.build();
}

// A topology that reads `kTopic` with `reader` and hands each value to `sink`.
template <typename F>
kstreams::Topology readerTopology(const kstreams::SerdePtr<json>& reader, F sink) {
  kstreams::StreamsBuilder builder;
  builder.stream(kTopic, kstreams::Consumed<std::string, json>(kstreams::Serdes::String(), reader))
      .foreach ([sink](const std::string&, const json& value) { sink(value); });
  return builder.build();
}

kstreams::StreamsConfig appConfig(const std::string& bootstrap, const std::string& id) {
  return kstreams::StreamsConfig{{"application.id", id},
                                 {"bootstrap.servers", bootstrap},
                                 {"commit.interval.ms", "200"},
                                 {"poll.ms", "50"},
                                 {"deserialization.exception.handler", "LogAndContinue"}};
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = parseFlags(argc, argv);
  std::ifstream input(flags.input);
  if (!input) usage("cannot read " + flags.input);
  std::vector<json> parsed;
  size_t malformed = 0;
  for (std::string line; std::getline(input, line);) {
    std::string error;
    if (auto e = access_log::parseLine(line, &error)) {
      parsed.push_back(*e);
    } else {
      ++malformed;
    }
  }

  std::unique_ptr<kstreams::EmbeddedKafkaCluster> cluster;
  std::string bootstrap = flags.bootstrap_servers;
  if (bootstrap.empty()) {
    cluster = std::make_unique<kstreams::EmbeddedKafkaCluster>(1);
    bootstrap = cluster->bootstrapServers();
    std::cerr << "schema-evolution: embedded Kafka cluster at " << bootstrap << "\n";
  }
  check(kstreams::createTopics(bootstrap, {{kTopic, 1}, {"access-log", 1}}), "creating topics");
  auto start = kstreams::endOffsets(bootstrap, kTopic);
  check(start.status(), "reading offsets");

  const std::string api = flags.registry_url + "/apis/ccompat/v7";
  auto registry = std::make_shared<kstreams::SchemaRegistryClient>(api);
  const std::string subject = std::string(kTopic) + "-value";
  std::cerr << "schema-evolution: schema registry at " << api << "\n";
  registry->deleteSubject(subject);
  registry->setCompatibility(subject, "BACKWARD");

  // 1. v1.
  const int32_t v1_id = registry->registerSchema(subject, {schemaV1()});
  std::cout << "1. Subject " << subject << ", compatibility BACKWARD. AccessLogEntry v1 "
            << "registered as version " << registry->getLatestSchema(subject).version << " (id "
            << v1_id << "):\n";
  indent(schemaV1());
  auto v1 = kstreams::Serdes::Avro(registry, schemaV1());
  auto v2 = kstreams::Serdes::Avro(registry, schemaV2());
  const size_t half = parsed.size() / 2;
  kstreams::SimpleProducer producer(bootstrap);
  for (size_t i = 0; i < half; ++i) {
    std::string value;
    v1->serialize(kTopic, entry(parsed[i], false), value);
    producer.send(kTopic, parsed[i]["ip"].get<std::string>(), value);
  }
  check(producer.flush(), "producing v1 records");
  std::cout << "   Wrote " << half << " records with v1 (" << malformed
            << " malformed lines of the log skipped).\n\n";

  // 2. v2, compatible.
  const kstreams::CompatibilityResult ok = registry->testCompatibility(subject, {schemaV2()});
  const int32_t v2_id = registry->registerSchema(subject, {schemaV2()});
  std::cout << "2. AccessLogEntry v2 adds " << kUserAgent.dump() << ".\n"
            << "   The registry " << (ok.compatible ? "accepts" : "REFUSES")
            << " it under BACKWARD: version " << registry->getLatestSchema(subject).version
            << " (id " << v2_id << ").\n";
  for (size_t i = half; i < parsed.size(); ++i) {
    std::string value;
    v2->serialize(kTopic, entry(parsed[i], true), value);
    producer.send(kTopic, parsed[i]["ip"].get<std::string>(), value);
  }
  check(producer.flush(), "producing v2 records");
  std::cout << "   Wrote " << parsed.size() - half << " records with v2.\n\n";

  // 3. Old reader of new records, new reader of old ones.
  auto records = kstreams::readTopic(bootstrap, kTopic, *start);
  check(records.status(), "reading " + std::string(kTopic));
  size_t by_v1 = 0, by_v2 = 0;
  std::optional<json> v1_reads_v2;
  for (const auto& r : *records) {
    const int32_t id = kstreams::wire::parse(*r.value).schema_id;
    json value = v1->deserialize(kTopic, r.value);  // throws if it could not
    (id == v1_id ? by_v1 : by_v2)++;
    if (id == v2_id && !v1_reads_v2) v1_reads_v2 = value;
  }
  std::cout << "3. An old reader (v1) reads all " << records->size() << " records: " << by_v1
            << " written with v1, " << by_v2 << " with v2 (user_agent skipped), e.g.\n"
            << "     " << (v1_reads_v2 ? v1_reads_v2->dump() : "-") << "\n";

  std::mutex mu;
  std::vector<json> read_by_v2;
  {
    kstreams::KafkaStreams streams(
        readerTopology(v2,
                       [&](const json& value) {
                         std::lock_guard<std::mutex> lock(mu);
                         read_by_v2.push_back(value);
                       }),
        appConfig(bootstrap, "schema-evolution-v2-reader-" + std::to_string(::getpid())));
    check(streams.start(), "starting the v2 reader");
    if (!streams.waitUntilCaughtUp(std::chrono::minutes(1))) {
      std::cerr << "schema-evolution: the v2 reader did not catch up\n";
      return 1;
    }
    streams.close(std::chrono::seconds(30));
  }
  std::cout << "   A new reader (v2, a kstreams application) reads all " << read_by_v2.size()
            << " records; those written with v1 get user_agent's default, e.g.\n"
            << "     " << (read_by_v2.empty() ? "-" : read_by_v2.front().dump()) << "\n\n";

  // 4. v3, incompatible.
  std::cout << "4. AccessLogEntry v3 changes \"status\" from int to string.\n";
  try {
    registry->registerSchema(subject, {schemaV3()});
    std::cout << "   The registry accepted it (unexpected).\n";
  } catch (const kstreams::SchemaRegistryException& e) {
    std::cout << "   The registry refuses it (HTTP " << e.httpStatus() << "):\n";
    indent(e.what());
  }
  auto v3 = kstreams::Serdes::Avro(registry, schemaV3());
  std::cout << "   kstreams refuses to start a topology that would write v3:\n";
  try {
    kstreams::KafkaStreams streams(writerTopology(v3),
                                   appConfig(bootstrap, "schema-evolution-v3-writer"));
    std::cout << "     (it started: unexpected)\n";
  } catch (const kstreams::IncompatibleSchemaException& e) {
    indent(e.what());
  }
  std::cout << "   and one that would read with v3:\n";
  try {
    kstreams::KafkaStreams streams(readerTopology(v3, [](const json&) {}),
                                   appConfig(bootstrap, "schema-evolution-v3-reader"));
    std::cout << "     (it started: unexpected)\n";
  } catch (const kstreams::IncompatibleSchemaException& e) {
    indent(e.what());
  }
  return 0;
}
