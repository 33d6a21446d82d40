#include "runtime/group_membership.h"

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kafka/kafka_handles.h"

namespace kstreams::internal {
namespace {

struct AdminOptionsDeleter {
  void operator()(rd_kafka_AdminOptions_t* p) const { rd_kafka_AdminOptions_destroy(p); }
};

// Extra wait for an admin result beyond its request timeout.
constexpr int kResultGraceMs = 1000;

std::mutex& directoryMutex() {
  static std::mutex mu;
  return mu;
}
std::map<int64_t, LocalInstances::Instance>& directory() {
  static std::map<int64_t, LocalInstances::Instance> d;
  return d;
}
int64_t next_handle = 1;  // guarded by directoryMutex()

}  // namespace

std::string withApplicationServer(std::string client_id, const std::string& server) {
  if (server.empty()) return client_id;
  return absl::StrCat(
      client_id,
      absl::string_view(kApplicationServerMarker.data(), kApplicationServerMarker.size()), server);
}

std::optional<std::string> applicationServerOf(std::string_view client_id) {
  const size_t at = client_id.rfind(kApplicationServerMarker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string server(client_id.substr(at + kApplicationServerMarker.size()));
  if (server.empty()) return std::nullopt;
  return server;
}

absl::StatusOr<std::vector<GroupMember>> describeGroup(rd_kafka_t* rk, const std::string& group,
                                                       absl::Duration timeout) {
  const int timeout_ms = toTimeoutMs(timeout);
  std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS));
  char errstr[512];
  if (rd_kafka_resp_err_t err = rd_kafka_AdminOptions_set_request_timeout(options.get(), timeout_ms,
                                                                          errstr, sizeof errstr)) {
    return toStatus(err, absl::StrCat("admin request timeout: ", errstr));
  }
  RdKafkaQueuePtr queue(rd_kafka_queue_new(rk));
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, groups, 1, options.get(), queue.get());
  const std::string what = absl::StrCat("describing consumer group ", group);
  RdKafkaEventPtr event(rd_kafka_queue_poll(queue.get(), timeout_ms + kResultGraceMs));
  if (event == nullptr) return absl::DeadlineExceededError(absl::StrCat(what, ": no answer"));
  if (rd_kafka_resp_err_t err = rd_kafka_event_error(event.get())) {
    const char* detail = rd_kafka_event_error_string(event.get());
    return toStatus(err, absl::StrCat(what, ": ", detail != nullptr ? detail : ""));
  }
  const rd_kafka_DescribeConsumerGroups_result_t* result =
      rd_kafka_event_DescribeConsumerGroups_result(event.get());
  if (result == nullptr) return absl::InternalError(absl::StrCat(what, ": unexpected result"));
  size_t count = 0;
  const rd_kafka_ConsumerGroupDescription_t** descriptions =
      rd_kafka_DescribeConsumerGroups_result_groups(result, &count);
  if (count != 1) {
    return absl::InternalError(absl::StrCat(what, ": ", count, " groups in the answer"));
  }
  const rd_kafka_ConsumerGroupDescription_t* g = descriptions[0];
  if (const rd_kafka_error_t* error = rd_kafka_ConsumerGroupDescription_error(g)) {
    return toStatus(error, what);
  }
  const rd_kafka_consumer_group_state_t state = rd_kafka_ConsumerGroupDescription_state(g);
  if (state == RD_KAFKA_CONSUMER_GROUP_STATE_PREPARING_REBALANCE ||
      state == RD_KAFKA_CONSUMER_GROUP_STATE_COMPLETING_REBALANCE) {
    return absl::UnavailableError(absl::StrCat(what, ": the group is rebalancing"));
  }
  std::vector<GroupMember> members;
  const size_t n = rd_kafka_ConsumerGroupDescription_member_count(g);
  for (size_t i = 0; i < n; ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(g, i);
    GroupMember member;
    const char* client_id = rd_kafka_MemberDescription_client_id(m);
    member.client_id = client_id != nullptr ? client_id : "";
    member.application_server = applicationServerOf(member.client_id).value_or("");
    const char* instance_id = rd_kafka_MemberDescription_group_instance_id(m);
    member.group_instance_id = instance_id != nullptr ? instance_id : "";
    if (const rd_kafka_MemberAssignment_t* a = rd_kafka_MemberDescription_assignment(m)) {
      if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_MemberAssignment_partitions(a)) {
        for (int j = 0; j < parts->cnt; ++j) {
          member.assignment.push_back(
              TopicPartition{parts->elems[j].topic, parts->elems[j].partition});
        }
      }
    }
    members.push_back(std::move(member));
  }
  return members;
}

int64_t LocalInstances::add(Instance instance) {
  std::lock_guard<std::mutex> lock(directoryMutex());
  const int64_t handle = next_handle++;
  directory().emplace(handle, std::move(instance));
  return handle;
}

void LocalInstances::remove(int64_t handle) {
  std::lock_guard<std::mutex> lock(directoryMutex());
  directory().erase(handle);
}

std::vector<GroupMember> LocalInstances::members(const std::string& bootstrap_servers,
                                                 const std::string& application_id) {
  std::vector<GroupMember> out;
  std::lock_guard<std::mutex> lock(directoryMutex());
  for (const auto& [handle, instance] : directory()) {
    if (instance.bootstrap_servers != bootstrap_servers ||
        instance.application_id != application_id) {
      continue;
    }
    GroupMember member;
    member.application_server = instance.application_server;
    if (instance.assignment) member.assignment = instance.assignment();
    out.push_back(std::move(member));
  }
  return out;
}

}  // namespace kstreams::internal
