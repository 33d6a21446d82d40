#include "wordcount.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>

#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/query.h"
#include "kstreams/serdes.h"
#include "kstreams/state_restore_listener.h"
#include "kstreams/streams_builder.h"

namespace wordcount {
namespace {

bool isWordChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// Tells the user what the state stores had to be rebuilt from (shared by the stream threads).
class RestoreReport : public kstreams::StateRestoreListener {
 public:
  explicit RestoreReport(std::ostream& err) : err_(err) {}
  void onRestoreEnd(const kstreams::TopicPartition& tp, const std::string& store,
                    int64_t total) override {
    restored_ += total;
    partitions_ += 1;
    (void)tp, (void)store;
  }
  void report() const {
    if (partitions_ == 0) return;
    err_ << "wordcount: restored " << restored_.load() << " records into store counts from "
         << partitions_.load() << " changelog partitions\n";
  }

 private:
  std::ostream& err_;
  std::atomic<int64_t> restored_{0};
  std::atomic<int64_t> partitions_{0};
};

}  // namespace

std::vector<std::string> splitWords(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  for (char raw : line) {
    const char c = (raw >= 'A' && raw <= 'Z') ? static_cast<char>(raw - 'A' + 'a') : raw;
    if (isWordChar(c)) {
      word.push_back(c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

kstreams::Topology buildTopology(const std::string& input_topic, const std::string& output_topic) {
  using kstreams::Serdes::String;
  kstreams::StreamsBuilder builder;
  builder
      .stream(input_topic, kstreams::Consumed<std::optional<std::string>, std::string>(
                               kstreams::Serdes::Optional(String()), String()))
      .flatMapValues([](const std::string& line) { return splitWords(line); })
      .groupBy([](const std::optional<std::string>&, const std::string& word) { return word; },
               kstreams::Grouped<std::string, std::string>::with(String(), String()))
      .count(kstreams::Materialized<std::string, int64_t>::as("counts"))
      .toStream()
      .to(output_topic,
          kstreams::Produced<std::string, int64_t>(String(), kstreams::Serdes::Int64()));
  return builder.build();
}

int run(const Options& options, std::ostream& out, std::ostream& err) {
  auto fail = [&](const std::string& what, const absl::Status& s) {
    err << "wordcount: " << what << ": " << s << "\n";
    return 1;
  };
  std::ifstream input(options.input_file);
  if (!input) {
    err << "wordcount: cannot read " << options.input_file << "\n";
    return 2;
  }

  std::unique_ptr<kstreams::EmbeddedKafkaCluster> cluster;
  std::string bootstrap = options.bootstrap_servers;
  if (bootstrap.empty()) {
    cluster = std::make_unique<kstreams::EmbeddedKafkaCluster>(1);
    bootstrap = cluster->bootstrapServers();
    err << "wordcount: embedded Kafka cluster at " << bootstrap << "\n";
  }
  // A fresh embedded cluster has no changelogs, so it gets a fresh state directory too.
  std::filesystem::path state_dir = options.state_dir;
  bool remove_state_dir = false;
  if (state_dir.empty()) {
    if (cluster != nullptr) {
      state_dir = std::filesystem::temp_directory_path() /
                  ("kstreams-wordcount-" + std::to_string(::getpid()));
      remove_state_dir = true;
    } else {
      state_dir = "/tmp/kstreams-wordcount";
    }
  }
  struct Cleanup {
    std::filesystem::path dir;
    bool remove;
    ~Cleanup() {
      std::error_code ec;
      if (remove) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{state_dir, remove_state_dir};

  if (absl::Status s =
          kstreams::createTopics(bootstrap, {{options.input_topic, 4}, {options.output_topic, 4}});
      !s.ok()) {
    return fail("creating topics", s);
  }

  // 1. Start counting. Input is produced once every stream thread has its partitions: records
  // processed before a rebalance but not yet committed would be counted twice (at-least-once),
  // and the embedded cluster rejects the commit a rebalance makes.
  kstreams::KafkaStreams streams(buildTopology(options.input_topic, options.output_topic),
                                 kstreams::StreamsConfig{
                                     {"application.id", options.application_id},
                                     {"bootstrap.servers", bootstrap},
                                     {"state.dir", state_dir.string()},
                                     {"num.stream.threads", std::to_string(options.threads)},
                                     {"commit.interval.ms", "1000"},
                                 });
  auto report = std::make_shared<RestoreReport>(err);
  streams.setGlobalStateRestoreListener(report);
  if (absl::Status s = streams.start(); !s.ok()) return fail("starting kstreams", s);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (streams.state() != kstreams::KafkaStreams::State::kRunning) {
    if (std::chrono::steady_clock::now() > deadline ||
        streams.state() == kstreams::KafkaStreams::State::kError) {
      err << "wordcount: kstreams did not start (state " << kstreams::toString(streams.state())
          << ")\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  // 2. Every line of the file becomes a record of the input topic.
  size_t lines = 0;
  {
    kstreams::SimpleProducer producer(bootstrap);
    std::string line;
    while (std::getline(input, line)) {
      producer.send(options.input_topic, std::nullopt, line);
      ++lines;
    }
    if (absl::Status s = producer.flush(); !s.ok()) return fail("producing the input", s);
  }
  err << "wordcount: produced " << lines << " lines of " << options.input_file << " to "
      << options.input_topic << "\n";
  if (!streams.waitUntilCaughtUp(std::chrono::minutes(5))) {
    err << "wordcount: processing did not finish in time (state "
        << kstreams::toString(streams.state()) << ")\n";
    return 1;
  }
  report->report();

  // 3. Read the counts from the store: every task of this instance, merged in word order. A
  // rebalance in between makes the store briefly unavailable: retry.
  std::vector<std::pair<std::string, int64_t>> counts;
  absl::Status status;
  for (int attempt = 0; attempt < 100; ++attempt) {
    counts.clear();
    auto store = streams.store<std::string, int64_t>("counts");
    status = store.status();
    if (store.ok()) {
      auto it = store->all();
      status = it.status();
      if (it.ok()) {
        while (it->hasNext()) {
          kstreams::KeyValue<std::string, int64_t> kv = it->next();
          counts.emplace_back(std::move(kv.key), kv.value);
        }
        status = it->status();  // Unavailable if a task moved away meanwhile
        if (status.ok()) break;
      }
    }
    if (!absl::IsUnavailable(status)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!status.ok()) return fail("querying the store counts", status);
  for (const auto& [word, count] : counts) out << word << " " << count << "\n";
  out.flush();
  err << "wordcount: " << counts.size() << " distinct words (state in " << state_dir.string()
      << ")\n";
  streams.close(std::chrono::seconds(30));
  return 0;
}

}  // namespace wordcount
