// Private to kstreams.
//
// Who runs which partition, for KafkaStreams::queryMetadataForKey. Kafka Streams puts each
// instance's application.server into the user data of its group subscription, and its custom
// assignor hands everybody the host → partitions map. librdkafka 2.0.2 has no pluggable assignor
// and no way to set that user data, so kstreams uses two group-visible facts instead:
//
//   1. Every stream thread's consumer publishes its instance's application.server in its
//      client.id, which the group coordinator reports for each member:
//        "<client.id>-StreamThread-<n>-consumer;application.server=<host>:<port>"
//      (withApplicationServer / applicationServerOf below).
//   2. The group's current members and their assignments come from DescribeGroups (librdkafka's
//      rd_kafka_DescribeConsumerGroups, which decodes the consumer-protocol assignment of each
//      member: version, then [topic, [partition]], then user data).
//   The owner of partition p of a store is the member assigned partition p of the store's
//   sub-topology's source topics (the range assignor gives partition p of co-partitioned topics
//   to one member).
//
// The embedded cluster (librdkafka's mock) answers no DescribeGroups, so instances on an
// embedded cluster of this process also register in LocalInstances, an in-process directory
// that answers the same question from the live assignments of their stream threads.
//
// Threads: everything here is safe from any thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kstreams/state_restore_listener.h"

namespace kstreams::internal {

inline constexpr std::string_view kApplicationServerMarker = ";application.server=";

// `client_id` with the marker and `server` appended (unchanged when `server` is empty).
std::string withApplicationServer(std::string client_id, const std::string& server);
// The application.server published in a member's client.id, if any.
std::optional<std::string> applicationServerOf(std::string_view client_id);

struct GroupMember {
  std::string client_id;
  std::string application_server;  // empty when the member did not publish one
  std::string group_instance_id;   // empty for a dynamic member
  std::vector<TopicPartition> assignment;
};

// The members of consumer group `group` and their current assignments, asked of the cluster
// `rk` talks to (any client handle). Errors as toStatus(); Unavailable while the group is
// rebalancing (its assignments are then unknown).
absl::StatusOr<std::vector<GroupMember>> describeGroup(rd_kafka_t* rk, const std::string& group,
                                                       absl::Duration timeout);

// Instances of this process on embedded clusters (see the file comment).
class LocalInstances {
 public:
  struct Instance {
    std::string bootstrap_servers;
    std::string application_id;
    std::string application_server;
    // The partitions the instance's stream threads own now. Called under the directory's lock:
    // must not call back into LocalInstances.
    std::function<std::vector<TopicPartition>()> assignment;
  };
  // Returns a handle for remove().
  static int64_t add(Instance instance);
  // Waits for lookups in progress on the instance.
  static void remove(int64_t handle);
  // The registered instances of `application_id` on the cluster at `bootstrap_servers`, as group
  // members.
  static std::vector<GroupMember> members(const std::string& bootstrap_servers,
                                          const std::string& application_id);
};

}  // namespace kstreams::internal
