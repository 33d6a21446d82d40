#include "kstreams/embedded_kafka_cluster.h"

#include <stdexcept>
#include <string>

#include "absl/strings/str_cat.h"
#include "kafka_handles.h"

namespace kstreams {

struct EmbeddedKafkaCluster::Impl {
  // librdkafka needs a client handle to own a mock cluster (for its bookkeeping and logging);
  // an idle producer with no brokers does nothing else. Declared first so that it is destroyed
  // after the cluster.
  internal::RdKafkaPtr rk;
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::string bootstrap_servers;
  int num_brokers = 0;

  ~Impl() {
    if (cluster == nullptr) return;
    // Unregister first: the registry lock guarantees no admin call is using the cluster now.
    internal::MockClusterRegistry::remove(cluster);
    rd_kafka_mock_cluster_destroy(cluster);
  }
};

EmbeddedKafkaCluster::EmbeddedKafkaCluster(int num_brokers) : impl_(std::make_unique<Impl>()) {
  if (num_brokers < 1) {
    throw std::invalid_argument(
        absl::StrCat("EmbeddedKafkaCluster needs at least one broker, got ", num_brokers));
  }
  // Without bootstrap.servers librdkafka logs a CONFWARN notice ("client will not be able to
  // connect") on creation; it is expected here, so only warnings and worse are logged.
  absl::StatusOr<internal::RdKafkaPtr> rk =
      internal::makeHandle(RD_KAFKA_PRODUCER, {{"log_level", "4"}});
  if (!rk.ok()) {
    throw std::runtime_error(absl::StrCat("EmbeddedKafkaCluster: cannot create its client handle: ",
                                          rk.status().message()));
  }
  impl_->rk = *std::move(rk);
  impl_->cluster = rd_kafka_mock_cluster_new(impl_->rk.get(), num_brokers);
  if (impl_->cluster == nullptr) {
    throw std::runtime_error("EmbeddedKafkaCluster: librdkafka could not start the mock cluster");
  }
  impl_->bootstrap_servers = rd_kafka_mock_cluster_bootstraps(impl_->cluster);
  impl_->num_brokers = num_brokers;
  internal::MockClusterRegistry::add(impl_->cluster);
}

EmbeddedKafkaCluster::~EmbeddedKafkaCluster() = default;

std::string EmbeddedKafkaCluster::bootstrapServers() const { return impl_->bootstrap_servers; }

int EmbeddedKafkaCluster::numBrokers() const { return impl_->num_brokers; }

absl::Status EmbeddedKafkaCluster::createTopic(const std::string& name, int partitions,
                                               int replication_factor) {
  return internal::createTopicOnMockCluster(impl_->cluster, name, partitions, replication_factor);
}

std::map<std::string, std::string> EmbeddedKafkaCluster::recommendedClientConfig() {
  return {
      // The mock does not wake a waiting fetch when data arrives: poll it often.
      {"fetch.wait.max.ms", "10"},
      // Rebalances after the first wait session.timeout.ms − 1 s; below ~3 s they never
      // converged in probes.
      {"session.timeout.ms", "6000"},
      {"heartbeat.interval.ms", "500"},
      // Small requests over loopback: do not let Nagle's algorithm delay them.
      {"socket.nagle.disable", "true"},
  };
}

}  // namespace kstreams
