#include "kafka_handles.h"

#include <algorithm>
#include <climits>
#include <mutex>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"
#include "kstreams/logging.h"

namespace kstreams::internal {
namespace {

void logLibrdkafka(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  // syslog levels: 0-3 errors, 4 warning, 5-6 notice/info, 7 debug.
  LogLevel ours = level <= 3   ? LogLevel::kError
                  : level == 4 ? LogLevel::kWarn
                  : level <= 6 ? LogLevel::kInfo
                               : LogLevel::kDebug;
  if (!internal::logEnabled(ours)) return;
  internal::logLine(ours, absl::StrCat("librdkafka ", rd_kafka_name(rk), " ", facility, ": ", buf));
}

// Status payload carrying the original librdkafka error code (decimal).
constexpr absl::string_view kRdKafkaErrorPayload = "type.kstreams/rdkafka.resp_err";

// Pause between metadata polls while waiting for a topic to become ready.
constexpr absl::Duration kMetadataRetryBackoff = absl::Milliseconds(50);

// Extra time to wait for an admin result beyond its request timeout: librdkafka always posts
// a result (possibly a timeout error) when the request timeout expires.
constexpr int kAdminResultGraceMs = 1000;

absl::StatusCode codeOf(rd_kafka_resp_err_t err) {
  using C = absl::StatusCode;
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return C::kOk;

    // Transient: the cluster may come back or converge.
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR__WAIT_CACHE:
    case RD_KAFKA_RESP_ERR__ISR_INSUFF:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR__IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__RETRY:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_NOT_CONTROLLER:
    case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_PREFERRED_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_ELIGIBLE_LEADERS_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT:
    case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
      return C::kUnavailable;

    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PROTOCOL:
    case RD_KAFKA_RESP_ERR__NOT_CONFIGURED:
    case RD_KAFKA_RESP_ERR__KEY_SERIALIZATION:
    case RD_KAFKA_RESP_ERR__VALUE_SERIALIZATION:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS:
    case RD_KAFKA_RESP_ERR_INVALID_GROUP_ID:
    case RD_KAFKA_RESP_ERR_INVALID_SESSION_TIMEOUT:
    case RD_KAFKA_RESP_ERR_INVALID_COMMIT_OFFSET_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_TIMESTAMP:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REQUEST:
    case RD_KAFKA_RESP_ERR_INVALID_TRANSACTION_TIMEOUT:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_INCONSISTENT_GROUP_PROTOCOL:
      return C::kInvalidArgument;

    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_GROUP:
    case RD_KAFKA_RESP_ERR__UNKNOWN_BROKER:
    case RD_KAFKA_RESP_ERR__NOENT:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_RESOURCE_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_LOG_DIR_NOT_FOUND:
      return C::kNotFound;

    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
    case RD_KAFKA_RESP_ERR_DUPLICATE_RESOURCE:
      return C::kAlreadyExists;

    // Someone else now owns the work: Kafka Streams closes such tasks as zombies
    // (TaskMigratedException) instead of failing the application.
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
    case RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR_TRANSACTION_COORDINATOR_FENCED:
    case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
    case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
      return C::kAborted;

    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR__EXISTING_SUBSCRIPTION:
    case RD_KAFKA_RESP_ERR__CONFLICT:
    case RD_KAFKA_RESP_ERR__READ_ONLY:
    case RD_KAFKA_RESP_ERR_INVALID_TXN_STATE:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_ID_MAPPING:
    case RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
    case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
    case RD_KAFKA_RESP_ERR_GROUP_MAX_SIZE_REACHED:
    case RD_KAFKA_RESP_ERR_TOPIC_DELETION_DISABLED:
    case RD_KAFKA_RESP_ERR_SECURITY_DISABLED:
    case RD_KAFKA_RESP_ERR_REASSIGNMENT_IN_PROGRESS:
      return C::kFailedPrecondition;

    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED:
      return C::kPermissionDenied;

    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
    case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
    case RD_KAFKA_RESP_ERR_UNACCEPTABLE_CREDENTIAL:
      return C::kUnauthenticated;

    case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_COMPRESSION_TYPE:
      return C::kUnimplemented;

    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE:
      return C::kResourceExhausted;

    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
    case RD_KAFKA_RESP_ERR__NO_OFFSET:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
      return C::kOutOfRange;

    case RD_KAFKA_RESP_ERR__DESTROY:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__INTR:
      return C::kCancelled;

    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__BAD_MSG:
    case RD_KAFKA_RESP_ERR__BAD_COMPRESSION:
    case RD_KAFKA_RESP_ERR__INCONSISTENT:
    case RD_KAFKA_RESP_ERR__GAPLESS_GUARANTEE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
      return C::kInternal;

    default:
      return C::kUnknown;
  }
}

// "<what>: <detail> [<ERROR_NAME>]", with the code as payload.
absl::Status makeStatus(rd_kafka_resp_err_t err, absl::string_view what, absl::string_view detail) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  std::string message = what.empty() ? std::string(detail) : absl::StrCat(what, ": ", detail);
  absl::StrAppend(&message, " [", rd_kafka_err2name(err), "]");
  absl::Status status(codeOf(err), message);
  status.SetPayload(kRdKafkaErrorPayload, absl::Cord(absl::StrCat(static_cast<int>(err))));
  return status;
}

// Waits for the result of an admin request posted to `queue` with request timeout
// `timeout_ms`, and checks its request-level error.
absl::StatusOr<RdKafkaEventPtr> awaitAdminResult(rd_kafka_queue_t* queue, int timeout_ms,
                                                 absl::string_view what) {
  RdKafkaEventPtr event(rd_kafka_queue_poll(queue, timeout_ms + kAdminResultGraceMs));
  if (event == nullptr) {
    return absl::DeadlineExceededError(
        absl::StrCat(what, ": no result within ", timeout_ms, " ms"));
  }
  if (rd_kafka_resp_err_t err = rd_kafka_event_error(event.get())) {
    const char* detail = rd_kafka_event_error_string(event.get());
    return makeStatus(err, what, detail != nullptr ? detail : rd_kafka_err2str(err));
  }
  return event;
}

// Metadata of all topics. Asking for all topics (rather than one) is what keeps brokers with
// auto.create.topics.enable (and the mock) from creating the topic we ask about.
absl::StatusOr<RdKafkaMetadataPtr> fetchAllMetadata(rd_kafka_t* rk, absl::Duration timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, /*all_topics=*/1, /*only_rkt=*/nullptr, &metadata,
                                              toTimeoutMs(timeout, INT_MAX));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return toStatus(err, "metadata request");
  return RdKafkaMetadataPtr(metadata);
}

const rd_kafka_metadata_topic_t* findTopic(const rd_kafka_metadata_t& metadata,
                                           const std::string& topic) {
  for (int i = 0; i < metadata.topic_cnt; ++i) {
    if (topic == metadata.topics[i].topic) return &metadata.topics[i];
  }
  return nullptr;
}

// ---- mock registry

// "PLAINTEXT://localhost:9092" → "127.0.0.1:9092": the mock listens on 127.0.0.1 only, and
// librdkafka accepts a protocol prefix in bootstrap.servers.
std::string normalizeAddress(absl::string_view address) {
  address = absl::StripAsciiWhitespace(address);
  if (size_t scheme = address.find("://"); scheme != absl::string_view::npos) {
    address.remove_prefix(scheme + 3);
  }
  if (absl::ConsumePrefix(&address, "localhost:")) return absl::StrCat("127.0.0.1:", address);
  return std::string(address);
}

std::vector<std::string> splitAddresses(absl::string_view bootstrap_servers) {
  std::vector<std::string> out;
  for (absl::string_view a : absl::StrSplit(bootstrap_servers, ',', absl::SkipWhitespace())) {
    out.push_back(normalizeAddress(a));
  }
  return out;
}

struct Registry {
  struct Entry {
    rd_kafka_mock_cluster_t* cluster;
    std::vector<std::string> addresses;
  };
  std::mutex mu;
  std::vector<Entry> entries ABSL_GUARDED_BY(mu);

  rd_kafka_mock_cluster_t* findLocked(absl::string_view bootstrap_servers)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (const std::string& address : splitAddresses(bootstrap_servers)) {
      for (const Entry& e : entries) {
        if (std::find(e.addresses.begin(), e.addresses.end(), address) != e.addresses.end()) {
          return e.cluster;
        }
      }
    }
    return nullptr;
  }
};

// Leaked on purpose: clusters may be destroyed during static destruction.
Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Errors

absl::Status toStatus(rd_kafka_resp_err_t err, absl::string_view what) {
  return makeStatus(err, what, rd_kafka_err2str(err));
}

absl::Status toStatus(const rd_kafka_error_t* error, absl::string_view what) {
  if (error == nullptr) return absl::OkStatus();
  return makeStatus(rd_kafka_error_code(error), what, rd_kafka_error_string(error));
}

std::optional<rd_kafka_resp_err_t> rdKafkaErrorOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRdKafkaErrorPayload);
  int code = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &code)) return std::nullopt;
  return static_cast<rd_kafka_resp_err_t>(code);
}

bool isSecurityError(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__SSL:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_DELEGATION_TOKEN_AUTHORIZATION_FAILED:
      return true;
    default:
      return false;
  }
}

int toTimeoutMs(absl::Duration timeout, int max_ms) {
  if (timeout <= absl::ZeroDuration()) return 0;
  if (timeout >= absl::Milliseconds(max_ms)) return max_ms;
  // Round up so that a sub-millisecond remainder does not become a 0 ms (non-blocking) wait.
  return static_cast<int>(absl::ToInt64Milliseconds(timeout + absl::Microseconds(999)));
}

// ---------------------------------------------------------------------------------------------
// Configs and clients

absl::StatusOr<RdKafkaConfPtr> makeConf(const ClientProperties& props) {
  RdKafkaConfPtr conf(rd_kafka_conf_new());
  // Every client's log lines go to kstreams' sink (logging.h), at the matching level. Called on
  // librdkafka's own threads; logLine is thread-safe, and nothing may unwind through this C
  // frame (a throwing user sink would be a bug in it; catch anyway).
  rd_kafka_conf_set_log_cb(conf.get(),
                           [](const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
                             try {
                               logLibrdkafka(rk, level, fac, buf);
                             } catch (...) {
                             }
                           });
  char errstr[512];
  for (const auto& [key, value] : props) {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      return absl::InvalidArgumentError(
          absl::StrCat("Kafka client property '", key, "' rejected: ", errstr));
    }
  }
  return conf;
}

ssize_t consumeAvailable(rd_kafka_queue_t* queue, int timeout_ms, rd_kafka_message_t** batch,
                         size_t max) {
  ssize_t n = rd_kafka_consume_batch_queue(queue, 0, batch, max);
  if (n != 0 || max == 0) return n;
  n = rd_kafka_consume_batch_queue(queue, timeout_ms, batch, 1);
  if (n != 1) return n;
  const ssize_t more = rd_kafka_consume_batch_queue(queue, 0, batch + 1, max - 1);
  return more > 0 ? n + more : n;
}

absl::StatusOr<RdKafkaPtr> makeHandle(rd_kafka_type_t type, const ClientProperties& props) {
  absl::StatusOr<RdKafkaConfPtr> conf = makeConf(props);
  if (!conf.ok()) return conf.status();
  char errstr[512];
  // rd_kafka_new takes ownership of the conf only on success.
  RdKafkaPtr rk(rd_kafka_new(type, conf->get(), errstr, sizeof errstr));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot create Kafka ", type == RD_KAFKA_PRODUCER ? "producer" : "consumer", ": ", errstr));
  }
  conf->release();
  return rk;
}

absl::Status waitForTopicMetadata(rd_kafka_t* rk, const std::string& topic,
                                  absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string reason;
  for (;;) {
    absl::StatusOr<RdKafkaMetadataPtr> metadata = fetchAllMetadata(rk, deadline - absl::Now());
    if (!metadata.ok()) {
      reason = std::string(metadata.status().message());
    } else if (const rd_kafka_metadata_topic_t* t = findTopic(**metadata, topic); t == nullptr) {
      reason = "topic not in metadata";
    } else if (t->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      reason = std::string(toStatus(t->err, "topic error").message());
    } else if (t->partition_cnt == 0) {
      reason = "no partitions yet";
    } else {
      const rd_kafka_metadata_partition_t* leaderless = nullptr;
      for (int i = 0; i < t->partition_cnt && leaderless == nullptr; ++i) {
        if (t->partitions[i].leader < 0) leaderless = &t->partitions[i];
      }
      if (leaderless == nullptr) return absl::OkStatus();
      reason = absl::StrCat("partition ", leaderless->id, " has no leader");
    }
    if (absl::Now() + kMetadataRetryBackoff >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("topic '", topic, "' not ready within ",
                                                      absl::FormatDuration(timeout), ": ", reason));
    }
    absl::SleepFor(kMetadataRetryBackoff);
  }
}

// ---------------------------------------------------------------------------------------------
// Embedded (mock) clusters

void MockClusterRegistry::add(rd_kafka_mock_cluster_t* cluster) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.entries.push_back({cluster, splitAddresses(rd_kafka_mock_cluster_bootstraps(cluster))});
}

void MockClusterRegistry::remove(rd_kafka_mock_cluster_t* cluster) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.entries.erase(
      std::remove_if(r.entries.begin(), r.entries.end(),
                     [cluster](const Registry::Entry& e) { return e.cluster == cluster; }),
      r.entries.end());
}

bool MockClusterRegistry::contains(absl::string_view bootstrap_servers) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  return r.findLocked(bootstrap_servers) != nullptr;
}

bool MockClusterRegistry::withCluster(absl::string_view bootstrap_servers,
                                      absl::FunctionRef<void(rd_kafka_mock_cluster_t*)> fn) {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  rd_kafka_mock_cluster_t* cluster = r.findLocked(bootstrap_servers);
  if (cluster == nullptr) return false;
  fn(cluster);
  return true;
}

absl::Status createTopicOnMockCluster(rd_kafka_mock_cluster_t* cluster, const std::string& topic,
                                      int partitions, int replication_factor) {
  if (topic.empty() || partitions < 1 || (replication_factor < 1 && replication_factor != -1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create topic '", topic, "' with ", partitions,
                     " partitions and replication factor ", replication_factor));
  }
  // The mock caps the replication factor at its broker count itself.
  if (replication_factor == -1) replication_factor = 1;
  return toStatus(
      rd_kafka_mock_topic_create(cluster, topic.c_str(), partitions, replication_factor),
      absl::StrCat("creating topic '", topic, "' on the embedded cluster"));
}

std::optional<absl::Status> createTopicOnMock(absl::string_view bootstrap_servers,
                                              const std::string& topic, int partitions,
                                              int replication_factor) {
  std::optional<absl::Status> result;
  MockClusterRegistry::withCluster(bootstrap_servers, [&](rd_kafka_mock_cluster_t* cluster) {
    result = createTopicOnMockCluster(cluster, topic, partitions, replication_factor);
  });
  return result;
}

// ---------------------------------------------------------------------------------------------
// Admin

namespace {

struct AdminDeleter {
  void operator()(rd_kafka_AdminOptions_t* p) const { rd_kafka_AdminOptions_destroy(p); }
  void operator()(rd_kafka_NewTopic_t* p) const { rd_kafka_NewTopic_destroy(p); }
  void operator()(rd_kafka_ConfigResource_t* p) const { rd_kafka_ConfigResource_destroy(p); }
};
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminDeleter>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, AdminDeleter>;
using ConfigResourcePtr = std::unique_ptr<rd_kafka_ConfigResource_t, AdminDeleter>;

absl::StatusOr<AdminOptionsPtr> makeAdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                                 int request_timeout_ms) {
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk, op));
  char errstr[512];
  if (rd_kafka_resp_err_t err = rd_kafka_AdminOptions_set_request_timeout(
          options.get(), request_timeout_ms, errstr, sizeof errstr)) {
    return makeStatus(err, "admin request timeout", errstr);
  }
  return options;
}

// CreateTopics through Kafka; TOPIC_ALREADY_EXISTS counts as success.
absl::Status createTopicsOnKafka(rd_kafka_t* rk, const std::vector<NewTopic>& topics,
                                 absl::Duration timeout) {
  char errstr[512];
  std::vector<NewTopicPtr> owned;
  std::vector<rd_kafka_NewTopic_t*> raw;
  for (const NewTopic& topic : topics) {
    NewTopicPtr t(rd_kafka_NewTopic_new(topic.name.c_str(), topic.partitions,
                                        topic.replication_factor, errstr, sizeof errstr));
    if (t == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("topic '", topic.name, "': ", errstr));
    }
    for (const auto& [key, value] : topic.configs) {
      if (rd_kafka_resp_err_t err =
              rd_kafka_NewTopic_set_config(t.get(), key.c_str(), value.c_str())) {
        return toStatus(err, absl::StrCat("topic '", topic.name, "' config '", key, "'"));
      }
    }
    raw.push_back(t.get());
    owned.push_back(std::move(t));
  }

  const int timeout_ms = toTimeoutMs(timeout);
  absl::StatusOr<AdminOptionsPtr> options =
      makeAdminOptions(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout_ms);
  if (!options.ok()) return options.status();
  // Have the controller wait for the creation to propagate, but answer within half the budget
  // so that its answer (rather than our request timeout) tells what went wrong.
  if (rd_kafka_resp_err_t err = rd_kafka_AdminOptions_set_operation_timeout(
          options->get(), timeout_ms / 2, errstr, sizeof errstr)) {
    return makeStatus(err, "CreateTopics operation timeout", errstr);
  }

  RdKafkaQueuePtr queue(rd_kafka_queue_new(rk));
  rd_kafka_CreateTopics(rk, raw.data(), raw.size(), options->get(), queue.get());
  absl::StatusOr<RdKafkaEventPtr> event = awaitAdminResult(queue.get(), timeout_ms, "CreateTopics");
  if (!event.ok()) return event.status();

  size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event->get()), &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      continue;
    }
    const char* detail = rd_kafka_topic_result_error_string(results[i]);
    return makeStatus(err,
                      absl::StrCat("creating topic '", rd_kafka_topic_result_name(results[i]), "'"),
                      detail != nullptr ? detail : rd_kafka_err2str(err));
  }
  return absl::OkStatus();
}

}  // namespace

struct KafkaAdmin::SecurityLatch {
  mutable std::mutex mu;
  absl::Status error ABSL_GUARDED_BY(mu);
};

KafkaAdmin::KafkaAdmin(RdKafkaPtr rk, std::string bootstrap_servers,
                       std::shared_ptr<SecurityLatch> latch)
    : rk_(std::move(rk)),
      bootstrap_servers_(std::move(bootstrap_servers)),
      latch_(std::move(latch)) {}

absl::StatusOr<KafkaAdmin> KafkaAdmin::create(const ClientProperties& props) {
  absl::StatusOr<RdKafkaConfPtr> conf = makeConf(props);
  if (!conf.ok()) return conf.status();
  auto latch = std::make_shared<SecurityLatch>();
  rd_kafka_conf_set_opaque(conf->get(), latch.get());
  rd_kafka_conf_set_error_cb(conf->get(), [](rd_kafka_t*, int err, const char* reason,
                                             void* opaque) {
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (!isSecurityError(code)) return;  // transient: librdkafka retries, the call times out
    auto* l = static_cast<SecurityLatch*>(opaque);
    std::lock_guard<std::mutex> lock(l->mu);
    if (!l->error.ok()) return;
    const std::string what = absl::StrCat(rd_kafka_err2name(code), ": ", reason, " (not retried)");
    l->error = code == RD_KAFKA_RESP_ERR__AUTHENTICATION || code == RD_KAFKA_RESP_ERR__SSL ||
                       code == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED
                   ? absl::UnauthenticatedError(what)
                   : absl::PermissionDeniedError(what);
  });
  char errstr[512];
  // Admin requests work on any client type; a producer starts no group machinery.
  RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create Kafka admin client: ", errstr));
  }
  conf->release();
  auto it = props.find("bootstrap.servers");
  return KafkaAdmin(std::move(rk), it != props.end() ? it->second : std::string(),
                    std::move(latch));
}

absl::Status KafkaAdmin::securityError() const {
  // Error events wait on the main queue until served; nothing else polls this client.
  rd_kafka_poll(rk_.get(), 0);
  std::lock_guard<std::mutex> lock(latch_->mu);
  return latch_->error;
}

absl::StatusOr<RdKafkaMetadataPtr> KafkaAdmin::metadata(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    absl::StatusOr<RdKafkaMetadataPtr> m =
        fetchAllMetadata(rk_.get(), std::min(left, absl::Seconds(1)));
    if (m.ok()) return m;
    if (absl::Status s = securityError(); !s.ok()) return s;
    if (left <= absl::Seconds(1)) return m;
  }
}

bool KafkaAdmin::isEmbeddedCluster() const {
  return MockClusterRegistry::contains(bootstrap_servers_);
}

absl::Status KafkaAdmin::createTopics(const std::vector<NewTopic>& topics, absl::Duration timeout) {
  if (topics.empty()) return absl::OkStatus();
  const absl::Time deadline = absl::Now() + timeout;
  if (isEmbeddedCluster()) {
    for (const NewTopic& topic : topics) {
      std::optional<absl::Status> status = createTopicOnMock(
          bootstrap_servers_, topic.name, topic.partitions, topic.replication_factor);
      if (!status.has_value()) {
        return absl::UnavailableError(
            absl::StrCat("embedded cluster ", bootstrap_servers_, " was destroyed"));
      }
      if (!status->ok() && !absl::IsAlreadyExists(*status)) return *status;
    }
  } else if (absl::Status s = createTopicsOnKafka(rk_.get(), topics, timeout); !s.ok()) {
    if (absl::Status security = securityError(); !security.ok()) return security;
    return s;
  }
  for (const NewTopic& topic : topics) {
    // One metadata round first, so a security error ends the wait early.
    if (absl::StatusOr<RdKafkaMetadataPtr> m = metadata(deadline - absl::Now()); !m.ok()) {
      return m.status();
    }
    if (absl::Status s = waitForTopicMetadata(rk_.get(), topic.name, deadline - absl::Now());
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> KafkaAdmin::partitionCount(const std::string& topic, absl::Duration timeout) {
  absl::StatusOr<RdKafkaMetadataPtr> metadata = this->metadata(timeout);
  if (!metadata.ok()) return metadata.status();
  const rd_kafka_metadata_topic_t* t = findTopic(**metadata, topic);
  if (t == nullptr || t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return absl::NotFoundError(absl::StrCat("topic '", topic, "' does not exist"));
  }
  // A topic being created may report an error (e.g. no leader yet) with its partitions listed.
  if (t->partition_cnt == 0 && t->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return toStatus(t->err, absl::StrCat("metadata of topic '", topic, "'"));
  }
  return t->partition_cnt;
}

absl::StatusOr<std::map<std::string, std::string>> KafkaAdmin::describeTopicConfig(
    const std::string& topic, absl::Duration timeout) {
  if (isEmbeddedCluster()) {
    return absl::UnimplementedError(absl::StrCat("describeTopicConfig('", topic,
                                                 "'): the embedded cluster has no topic configs"));
  }
  const int timeout_ms = toTimeoutMs(timeout);
  absl::StatusOr<AdminOptionsPtr> options =
      makeAdminOptions(rk_.get(), RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeout_ms);
  if (!options.ok()) return options.status();
  ConfigResourcePtr resource(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str()));
  rd_kafka_ConfigResource_t* resources[] = {resource.get()};

  RdKafkaQueuePtr queue(rd_kafka_queue_new(rk_.get()));
  rd_kafka_DescribeConfigs(rk_.get(), resources, 1, options->get(), queue.get());
  const std::string what = absl::StrCat("describing configs of topic '", topic, "'");
  absl::StatusOr<RdKafkaEventPtr> event = awaitAdminResult(queue.get(), timeout_ms, what);
  if (!event.ok()) return event.status();

  size_t count = 0;
  const rd_kafka_ConfigResource_t** results = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(event->get()), &count);
  if (count != 1) {
    return absl::InternalError(absl::StrCat(what, ": ", count, " resources in the result"));
  }
  if (rd_kafka_resp_err_t err = rd_kafka_ConfigResource_error(results[0])) {
    const char* detail = rd_kafka_ConfigResource_error_string(results[0]);
    return makeStatus(err, what, detail != nullptr ? detail : rd_kafka_err2str(err));
  }
  std::map<std::string, std::string> configs;
  size_t entry_count = 0;
  const rd_kafka_ConfigEntry_t** entries =
      rd_kafka_ConfigResource_configs(results[0], &entry_count);
  for (size_t i = 0; i < entry_count; ++i) {
    const char* value = rd_kafka_ConfigEntry_value(entries[i]);
    if (value == nullptr || rd_kafka_ConfigEntry_is_sensitive(entries[i])) continue;
    configs.emplace(rd_kafka_ConfigEntry_name(entries[i]), value);
  }
  return configs;
}

absl::Status KafkaAdmin::waitForTopic(const std::string& topic, absl::Duration timeout) {
  return waitForTopicMetadata(rk_.get(), topic, timeout);
}

}  // namespace kstreams::internal
