// The access log on event time: requests and server errors per minute, and sessions per client.
//
//   access-log-windows [--input FILE] [--bootstrap-servers HOST:PORT] [--grace-seconds N]
//                      [--application-id ID] [--threads N]
//
//   1. Every line of FILE (default: the bundled sample.log) is produced to topic
//      `access-log-windows-input`, as a log shipper would (in file order, which need not be time
//      order).
//   2. A custom TimestampExtractor takes each record's event time from the line's `[time]` field
//      (any UTC offset), so the windows below are about when requests happened, not when they
//      were shipped. Lines that do not parse keep their Kafka timestamp here and then fail
//      deserialization: the dead-letter topic `access-log-windows-dlq` receives them.
//   3. Per 1-minute tumbling window (grace --grace-seconds, default 24 h, so a historical log
//      loads in any order): the number of requests and of server errors (status >= 500), in the
//      window store "requests-per-minute". Per client IP, sessions with a 5-minute inactivity gap
//      (same grace), counted in the session store "sessions-per-ip".
//   4. When all input is processed, both stores are read through interactive queries and
//      printed: `minute <start> <requests> <errors>` sorted by window start, then
//      `session <ip> <first request> <last request> <requests>` sorted by IP and start, then
//      `N malformed lines sent to access-log-windows-dlq`. Times are UTC, e.g. 2026-11-25T09:00Z.
// Without --bootstrap-servers it runs on an in-process embedded Kafka cluster.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "access_log.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/json_serde.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/serdes.h"
#include "kstreams/session_windowed_kstream.h"
#include "kstreams/session_windows.h"
#include "kstreams/streams_builder.h"
#include "kstreams/time_windowed_kstream.h"
#include "kstreams/time_windows.h"
#include "kstreams/timestamp_extractor.h"
#include "kstreams/window_query.h"
#include "kstreams/windowed.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kInput = "access-log-windows-input";
constexpr const char* kDlq = "access-log-windows-dlq";
constexpr const char* kMinuteStore = "requests-per-minute";
constexpr const char* kSessionStore = "sessions-per-ip";

struct Flags {
  std::string input = KSTREAMS_ACCESS_LOG_WINDOWS_SAMPLE;
  std::string bootstrap_servers;
  std::string application_id = "access-log-windows";
  int64_t grace_seconds = 24 * 3600;
  int threads = 2;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr
      << "access-log-windows: " << error << "\n"
      << "usage: access-log-windows [--input FILE] [--bootstrap-servers HOST:PORT]\n"
      << "                          [--grace-seconds N] [--application-id ID] [--threads N]\n";
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
    } else if (arg == "--grace-seconds") {
      char* end = nullptr;
      const std::string v = value();
      f.grace_seconds = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || f.grace_seconds < 0) {
        usage("--grace-seconds must be a whole number >= 0");
      }
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
    std::cerr << "access-log-windows: " << what << ": " << s << "\n";
    std::exit(1);
  }
}

// "25/Nov/2026:10:00:21 +0100" → milliseconds since the epoch (UTC); nullopt when it is not that.
std::optional<int64_t> parseLogTime(std::string_view t) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto digits = [&](size_t pos, size_t n, int* out) {
    if (pos + n > t.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      v = v * 10 + (t[i] - '0');
    }
    *out = v;
    return true;
  };
  // dd/Mon/yyyy:HH:MM:SS ±hhmm
  if (t.size() != 26 || t[2] != '/' || t[6] != '/' || t[11] != ':' || t[14] != ':' ||
      t[17] != ':' || t[20] != ' ' || (t[21] != '+' && t[21] != '-')) {
    return std::nullopt;
  }
  int day, year, hour, minute, second, off_h, off_m;
  if (!digits(0, 2, &day) || !digits(7, 4, &year) || !digits(12, 2, &hour) ||
      !digits(15, 2, &minute) || !digits(18, 2, &second) || !digits(22, 2, &off_h) ||
      !digits(24, 2, &off_m)) {
    return std::nullopt;
  }
  const auto month_it = std::find(std::begin(kMonths), std::end(kMonths), t.substr(3, 3));
  if (month_it == std::end(kMonths)) return std::nullopt;
  const auto ymd = std::chrono::year(year) /
                   std::chrono::month(static_cast<unsigned>(month_it - std::begin(kMonths) + 1)) /
                   std::chrono::day(static_cast<unsigned>(day));
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60 || off_m > 59) return std::nullopt;
  const int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  const int64_t offset_s = (t[21] == '-' ? -1 : 1) * (off_h * 3600 + off_m * 60);
  return (days * 86400 + hour * 3600 + minute * 60 + second - offset_s) * 1000;
}

// Event time from the raw line: the text between '[' and ']'. A line without one keeps the
// record's Kafka timestamp (deserialization rejects it next, and the handler parks it).
std::shared_ptr<const kstreams::TimestampExtractor> logTimeExtractor() {
  return kstreams::TimestampExtractor::from(
      [](const kstreams::ConsumerRecord& record, int64_t) -> int64_t {
        if (!record.value) return record.timestamp;
        const std::string_view line = *record.value;
        const size_t open = line.find('[');
        const size_t close = open == std::string_view::npos ? open : line.find(']', open);
        if (close == std::string_view::npos) return record.timestamp;
        return parseLogTime(line.substr(open + 1, close - open - 1)).value_or(record.timestamp);
      });
}

kstreams::Topology buildTopology(const Flags& flags) {
  using kstreams::Serdes::String;
  kstreams::StreamsBuilder builder;
  const auto json_serde = kstreams::Serdes::Json<json>();
  const milliseconds grace(flags.grace_seconds * 1000);
  auto entries = builder
                     .stream(kInput, kstreams::Consumed<std::optional<std::string>, json>(
                                         kstreams::Serdes::Optional(String()),
                                         std::make_shared<const access_log::AccessLogLineSerde>())
                                         .withTimestampExtractor(logTimeExtractor())
                                         .withName("access-log-source"))
                     .selectKey([](const std::optional<std::string>&,
                                   const json& entry) { return entry["ip"].get<std::string>(); },
                                kstreams::Named::as("key-by-client-ip"));

  // Requests and server errors per minute, over all clients: one key ("all") for the whole log.
  entries
      .groupBy([](const std::string&, const json&) { return std::string("all"); },
               kstreams::Grouped<std::string, json>(String(), json_serde).withName("all-requests"))
      .windowedBy(kstreams::TimeWindows::ofSizeAndGrace(std::chrono::minutes(1), grace))
      .aggregate(
          [] {
            return json{{"requests", 0}, {"errors", 0}};
          },
          [](const std::string&, const json& entry, json stats) {
            stats["requests"] = stats["requests"].get<int64_t>() + 1;
            if (entry["status"].get<int>() >= 500) {
              stats["errors"] = stats["errors"].get<int64_t>() + 1;
            }
            return stats;
          },
          kstreams::Materialized<std::string, json>::as(kMinuteStore)
              .withKeySerde(String())
              .withValueSerde(json_serde));

  // Sessions per client: requests closer than 5 minutes to each other belong together.
  entries.groupByKey(kstreams::Grouped<std::string, json>(String(), json_serde))
      .windowedBy(kstreams::SessionWindows::ofInactivityGapAndGrace(std::chrono::minutes(5), grace))
      .count(kstreams::Materialized<std::string, int64_t>::as(kSessionStore)
                 .withKeySerde(String())
                 .withValueSerde(kstreams::Serdes::Int64()));
  return builder.build();
}

// 2026-11-25T09:00Z (minutes) or 2026-11-25T09:00:13Z (seconds), UTC.
std::string utc(int64_t ms, bool seconds) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, seconds ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%MZ", &tm);
  return buf;
}

// Reads every entry of an interactive-query iterator; exits on an error.
template <typename It>
auto drain(absl::StatusOr<It> it, const std::string& what) {
  check(it.status(), what);
  std::vector<decltype(it->next())> out;
  while (it->hasNext()) out.push_back(it->next());
  check(it->status(), what);
  return out;
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
    std::cerr << "access-log-windows: embedded Kafka cluster at " << bootstrap << "\n";
  }
  check(kstreams::createTopics(bootstrap, {{kInput, 4}, {kDlq, 1}}), "creating topics");
  auto dlq_start = kstreams::endOffsets(bootstrap, kDlq);
  check(dlq_start.status(), "reading offsets of " + std::string(kDlq));

  // 1. Ship the log into Kafka.
  size_t lines = 0;
  {
    kstreams::SimpleProducer producer(bootstrap);
    std::string line;
    while (std::getline(input, line)) {
      producer.send(kInput, std::nullopt, line);
      ++lines;
    }
    check(producer.flush(), "producing the log");
  }
  std::cerr << "access-log-windows: produced " << lines << " lines from " << flags.input << "\n";

  // 2.-3. Process it.
  kstreams::KafkaStreams streams(buildTopology(flags),
                                 kstreams::StreamsConfig{
                                     {"application.id", flags.application_id},
                                     {"bootstrap.servers", bootstrap},
                                     {"num.stream.threads", std::to_string(flags.threads)},
                                     {"commit.interval.ms", "200"},
                                     {"deserialization.exception.handler", "LogAndContinue"},
                                     {"errors.dead.letter.queue.topic.name", kDlq},
                                 });
  check(streams.start(), "starting kstreams");
  if (!streams.waitUntilCaughtUp(std::chrono::minutes(2))) {
    std::cerr << "access-log-windows: processing did not finish in time (state "
              << kstreams::toString(streams.state()) << ")\n";
    return 1;
  }

  // 4. Report, through interactive queries of the running application.
  auto minutes = streams.windowStore<std::string, json>(kMinuteStore);
  check(minutes.status(), "querying " + std::string(kMinuteStore));
  auto windows = drain(minutes->fetchAll(0, INT64_MAX), "reading " + std::string(kMinuteStore));
  std::sort(windows.begin(), windows.end(), [](const auto& a, const auto& b) {
    return a.key.window().start() < b.key.window().start();
  });
  for (const auto& kv : windows) {
    std::cout << "minute " << utc(kv.key.window().start(), false) << " "
              << kv.value["requests"].get<int64_t>() << " " << kv.value["errors"].get<int64_t>()
              << "\n";
  }

  auto sessions_store = streams.sessionStore<std::string, int64_t>(kSessionStore);
  check(sessions_store.status(), "querying " + std::string(kSessionStore));
  auto sessions = drain(sessions_store->all(), "reading " + std::string(kSessionStore));
  std::sort(sessions.begin(), sessions.end(), [](const auto& a, const auto& b) {
    return std::tuple(a.key.key(), a.key.window().start()) <
           std::tuple(b.key.key(), b.key.window().start());
  });
  for (const auto& kv : sessions) {
    std::cout << "session " << kv.key.key() << " " << utc(kv.key.window().start(), true) << " "
              << utc(kv.key.window().end(), true) << " " << kv.value << "\n";
  }
  streams.close(std::chrono::seconds(30));

  auto dlq = kstreams::readTopic(bootstrap, kDlq, *dlq_start);
  check(dlq.status(), "reading " + std::string(kDlq));
  std::cout << dlq->size() << " malformed lines sent to " << kDlq << "\n";
  return 0;
}
