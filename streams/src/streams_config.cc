#include "kstreams/streams_config.h"

#include <librdkafka/rdkafka.h>

#include <cctype>
#include <charconv>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "kstreams/errors.h"
#include "kstreams/serdes.h"

namespace kstreams {
namespace {

int64_t parseInt(const std::string& key, const std::string& value, int64_t min, int64_t max) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    throw ConfigException(key, "'" + value + "' is not an integer");
  }
  if (out < min || out > max) {
    throw ConfigException(
        key, value + " is outside [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return out;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Checks librdkafka properties the same way the clients will, so that a typo fails at
// construction instead of when a thread starts.
void checkLibrdkafka(const std::string& shown_key, const std::string& key,
                     const std::string& value) {
  std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(),
                                                                          &rd_kafka_conf_destroy);
  char err[512];
  if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), err, sizeof(err)) !=
      RD_KAFKA_CONF_OK) {
    throw ConfigException(shown_key, err);
  }
}

const std::set<std::string>& streamsKeys() {
  static const std::set<std::string> keys = {
      StreamsConfig::kApplicationId, StreamsConfig::kBootstrapServers,
      StreamsConfig::kNumStreamThreads, StreamsConfig::kCommitIntervalMs,
      StreamsConfig::kProcessingGuarantee, StreamsConfig::kStateDir,
      StreamsConfig::kDefaultKeySerde, StreamsConfig::kDefaultValueSerde,
      StreamsConfig::kDeserializationExceptionHandler, StreamsConfig::kProductionExceptionHandler,
      StreamsConfig::kProcessingExceptionHandler, StreamsConfig::kDeadLetterQueueTopic,
      StreamsConfig::kCacheMaxBytes, StreamsConfig::kRocksDbBlockCacheBytes,
      StreamsConfig::kRocksDbWriteBufferBytes, StreamsConfig::kReplicationFactor,
      StreamsConfig::kPollMs, StreamsConfig::kApplicationServer, StreamsConfig::kClientId,
      StreamsConfig::kDefaultTimestampExtractor, StreamsConfig::kMaxTaskIdleMs,
      StreamsConfig::kBufferedRecordsPerPartition, StreamsConfig::kOuterJoinEmitIntervalMs,
      StreamsConfig::kWindowedAggregationEmitIntervalMs,
      // Java names accepted for portability of config files.
      "default.deserialization.exception.handler", "default.production.exception.handler"};
  return keys;
}

}  // namespace

StreamsConfig::Resolved StreamsConfig::resolve(bool require_bootstrap) const {
  Resolved r;
  auto get_or = [&](const char* key, std::string def) {
    auto v = get(key);
    return v ? *v : def;
  };

  r.application_id = get_or(kApplicationId, "");
  if (r.application_id.empty()) throw ConfigException(kApplicationId, "missing (required)");
  for (char c : r.application_id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      throw ConfigException(kApplicationId, "'" + r.application_id +
                                                "' may only contain [a-zA-Z0-9._-] (it names "
                                                "topics and the consumer group)");
    }
  }
  r.bootstrap_servers = get_or(kBootstrapServers, "");
  if (require_bootstrap && r.bootstrap_servers.empty()) {
    throw ConfigException(kBootstrapServers, "missing (required)");
  }
  r.num_stream_threads =
      static_cast<int>(parseInt(kNumStreamThreads, get_or(kNumStreamThreads, "1"), 1, 1024));
  r.commit_interval_ms =
      parseInt(kCommitIntervalMs, get_or(kCommitIntervalMs, "30000"), 0, INT64_MAX);
  const std::string guarantee = get_or(kProcessingGuarantee, "at_least_once");
  if (guarantee == "exactly_once_v2" || guarantee == "exactly_once" ||
      guarantee == "exactly_once_beta") {
    throw ConfigException(kProcessingGuarantee,
                          guarantee + " is not implemented yet; only at_least_once is");
  } else if (guarantee != "at_least_once") {
    throw ConfigException(kProcessingGuarantee,
                          "'" + guarantee + "' is not one of at_least_once, exactly_once_v2");
  }
  r.state_dir = get_or(kStateDir, "/tmp/kstreams");
  if (r.state_dir.empty()) throw ConfigException(kStateDir, "must not be empty");

  auto serde = [&](const char* key, const std::shared_ptr<const SerdeBase>& obj) {
    if (obj) return obj;
    auto name = get(key);
    if (!name) return std::shared_ptr<const SerdeBase>();
    auto s = Serdes::fromName(*name);
    if (!s.ok()) throw ConfigException(key, std::string(s.status().message()));
    return *s;
  };
  r.default_key_serde = serde(kDefaultKeySerde, default_key_serde_);
  r.default_value_serde = serde(kDefaultValueSerde, default_value_serde_);

  if (deserialization_handler_) {
    r.deserialization_handler = deserialization_handler_;
  } else {
    const char* key = get("default.deserialization.exception.handler")
                          ? "default.deserialization.exception.handler"
                          : kDeserializationExceptionHandler;
    std::string name = get_or(key, "LogAndFail");
    if (name == "LogAndFail" || endsWith(name, ".LogAndFailExceptionHandler")) {
      r.deserialization_handler = logAndFailDeserializationHandler();
    } else if (name == "LogAndContinue" || endsWith(name, ".LogAndContinueExceptionHandler")) {
      r.deserialization_handler = logAndContinueDeserializationHandler();
    } else {
      throw ConfigException(key, "'" + name + "' is not LogAndFail or LogAndContinue");
    }
  }
  if (production_handler_) {
    r.production_handler = production_handler_;
  } else {
    const char* key = get("default.production.exception.handler")
                          ? "default.production.exception.handler"
                          : kProductionExceptionHandler;
    std::string name = get_or(key, "Default");
    if (name == "Default" || endsWith(name, ".DefaultProductionExceptionHandler")) {
      r.production_handler = failProductionHandler();
    } else if (name == "LogAndContinue") {
      r.production_handler = logAndContinueProductionHandler();
    } else {
      throw ConfigException(key, "'" + name + "' is not Default or LogAndContinue");
    }
  }
  if (processing_handler_) {
    r.processing_handler = processing_handler_;
  } else {
    std::string name = get_or(kProcessingExceptionHandler, "LogAndFail");
    if (name == "LogAndFail" || endsWith(name, ".LogAndFailProcessingExceptionHandler")) {
      r.processing_handler = logAndFailProcessingHandler();
    } else if (name == "LogAndContinue" ||
               endsWith(name, ".LogAndContinueProcessingExceptionHandler")) {
      r.processing_handler = logAndContinueProcessingHandler();
    } else {
      throw ConfigException(kProcessingExceptionHandler,
                            "'" + name + "' is not LogAndFail or LogAndContinue");
    }
  }
  r.dead_letter_queue_topic = get_or(kDeadLetterQueueTopic, "");
  r.cache_max_bytes = parseInt(kCacheMaxBytes, get_or(kCacheMaxBytes, "10485760"), 0, INT64_MAX);
  r.rocksdb_block_cache_bytes = parseInt(
      kRocksDbBlockCacheBytes, get_or(kRocksDbBlockCacheBytes, "67108864"), 1 << 20, INT64_MAX);
  r.rocksdb_write_buffer_bytes = parseInt(
      kRocksDbWriteBufferBytes, get_or(kRocksDbWriteBufferBytes, "33554432"), 1 << 20, INT64_MAX);
  if (r.rocksdb_write_buffer_bytes >= r.rocksdb_block_cache_bytes) {
    throw ConfigException(kRocksDbWriteBufferBytes,
                          "must be smaller than " + std::string(kRocksDbBlockCacheBytes) +
                              " (memtables are charged to the block cache)");
  }
  r.rocksdb_config_setter = rocksdb_config_setter_;
  r.replication_factor =
      static_cast<int>(parseInt(kReplicationFactor, get_or(kReplicationFactor, "-1"), -1, 32767));
  if (r.replication_factor == 0) throw ConfigException(kReplicationFactor, "must be -1 or >= 1");
  r.poll_ms = parseInt(kPollMs, get_or(kPollMs, "100"), 0, 3600000);
  r.application_server = get_or(kApplicationServer, "");
  if (!r.application_server.empty() && r.application_server.find(':') == std::string::npos) {
    throw ConfigException(kApplicationServer, "'" + r.application_server + "' is not host:port");
  }
  r.client_id = get_or(kClientId, r.application_id);
  if (default_timestamp_extractor_) {
    r.default_timestamp_extractor = default_timestamp_extractor_;
  } else {
    const std::string name = get_or(kDefaultTimestampExtractor, "FailOnInvalidTimestamp");
    r.default_timestamp_extractor = timestampExtractorFromName(name);
    if (!r.default_timestamp_extractor) {
      throw ConfigException(
          kDefaultTimestampExtractor,
          "'" + name +
              "' is not FailOnInvalidTimestamp, LogAndSkipOnInvalidTimestamp, "
              "UsePartitionTimeOnInvalidTimestamp or WallclockTimestampExtractor; "
              "set an object with defaultTimestampExtractor() for your own");
    }
  }
  r.max_task_idle_ms = parseInt(kMaxTaskIdleMs, get_or(kMaxTaskIdleMs, "0"), -1, INT64_MAX);
  if (std::optional<std::string> v = get(kOuterJoinEmitIntervalMs)) {
    r.outer_join_emit_interval_ms = parseInt(kOuterJoinEmitIntervalMs, *v, 0, INT64_MAX);
  }
  if (std::optional<std::string> v = get(kWindowedAggregationEmitIntervalMs)) {
    r.windowed_aggregation_emit_interval_ms =
        parseInt(kWindowedAggregationEmitIntervalMs, *v, 0, INT64_MAX);
  }
  r.buffered_records_per_partition = parseInt(
      kBufferedRecordsPerPartition, get_or(kBufferedRecordsPerPartition, "1000"), 1, INT32_MAX);

  // Everything else goes to librdkafka, validated now.
  for (const auto& [key, value] : values_) {
    if (streamsKeys().count(key)) continue;
    auto pass = [&](const std::string& prefix, std::map<std::string, std::string>& out) {
      std::string k = key.substr(prefix.size());
      checkLibrdkafka(key, k, value);
      out[k] = value;
    };
    if (key.rfind("consumer.", 0) == 0) {
      pass("consumer.", r.consumer_props);
    } else if (key.rfind("producer.", 0) == 0) {
      pass("producer.", r.producer_props);
    } else if (key.rfind("admin.", 0) == 0) {
      pass("admin.", r.admin_props);
    } else {
      checkLibrdkafka(key, key, value);
      // Prefixed settings (assigned above or below) win over unprefixed ones.
      r.consumer_props.emplace(key, value);
      r.producer_props.emplace(key, value);
      r.admin_props.emplace(key, value);
    }
  }
  return r;
}

bool StreamsConfig::isSensitive(std::string_view key) {
  // Substrings, so consumer./producer./admin.-prefixed keys are hidden too.
  for (std::string_view part : {"password", "secret", "jaas.config", "key.pem", "keystore.key",
                                "keystore.certificate.chain"}) {
    if (key.find(part) != std::string_view::npos) return true;
  }
  return false;
}

std::string StreamsConfig::toString() const {
  std::string out;
  for (const auto& [key, value] : values_) {
    absl::StrAppend(&out, "\t", key, " = ", isSensitive(key) ? "[hidden]" : value, "\n");
  }
  return out;
}

}  // namespace kstreams
