// KafkaStreams, by concern (see kafka_streams_impl.h): this file holds the queries about the
// application's progress and layout: source lag, waitUntilCaughtUp(), and which instance holds
// a key of a store (queryMetadataForKey).
#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kafka/kafka_handles.h"
#include "kafka/murmur2.h"
#include "kstreams/kafka_streams.h"
#include "runtime/group_membership.h"
#include "runtime/kafka_streams_impl.h"

namespace kstreams {

using internal::ClientProperties;
using internal::isActive;
using State = KafkaStreams::State;

namespace {

// Pause between two lag checks of waitUntilCaughtUp().
constexpr std::chrono::milliseconds kCaughtUpPollInterval(100);

}  // namespace

// ---- lag

// The client behind lag and group queries, made on first use: a consumer that never joins the
// group, only asks for metadata, committed offsets and the group's members. lag_mu held.
absl::StatusOr<rd_kafka_t*> KafkaStreams::Impl::lagClientLocked() {
  if (lag_client == nullptr) {
    ClientProperties props = consumer_props;
    props["client.id"] = config.client_id + "-lag";
    absl::StatusOr<internal::RdKafkaPtr> rk = internal::makeHandle(RD_KAFKA_CONSUMER, props);
    if (!rk.ok()) return rk.status();
    lag_client = *std::move(rk);
  }
  return lag_client.get();
}

absl::StatusOr<std::vector<PartitionLag>> KafkaStreams::Impl::sourceLag(
    std::chrono::milliseconds timeout) {
  const absl::Time deadline = absl::Now() + absl::FromChrono(timeout);
  auto remaining = [&] { return internal::toTimeoutMs(deadline - absl::Now()); };
  std::lock_guard<std::mutex> lock(lag_mu);
  absl::StatusOr<rd_kafka_t*> client = lagClientLocked();
  if (!client.ok()) return client.status();
  rd_kafka_t* rk = *client;

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
    absl::StatusOr<rd_kafka_t*> client = lagClientLocked();
    if (!client.ok()) return client.status();
    absl::StatusOr<std::vector<internal::GroupMember>> described =
        internal::describeGroup(*client, config.application_id, absl::FromChrono(timeout));
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
