// KafkaStreams end to end against a real broker, e.g. one from `scripts/kafka start`:
//
//   export KSTREAMS_BOOTSTRAP_SERVERS=$(scripts/kafka start)
//   ctest -L broker            # or: kstreams_integration_tests --gtest_filter='*Broker*'
//
// Skipped when KSTREAMS_BOOTSTRAP_SERVERS is unset. Topic names and application ids carry a
// random suffix, so reruns against the same broker do not collide.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "kstreams/kafka_streams.h"
#include "runtime_test_support.h"

namespace kstreams::runtime_test {
namespace {

class RuntimeBrokerTest : public RealBrokerTest<> {};

TEST_F(RuntimeBrokerTest, TwoThreadsProcessEveryRecord) {
  runTwoThreadsAllRecords(bootstrap_, StreamsConfig{}, 100000, std::chrono::seconds(120));
}

TEST_F(RuntimeBrokerTest, GracefulCloseHalfWayThenRestartLosesNothing) {
  runCloseHalfWayThenRestart(bootstrap_, StreamsConfig{}, 100000, 30000, std::chrono::seconds(120));
}

TEST_F(RuntimeBrokerTest, SmallPrefetchKeepsTheFetcherBusyThroughABacklog) {
  runBacklogWithSmallPrefetch(bootstrap_, StreamsConfig{}, 100000);
}

}  // namespace
}  // namespace kstreams::runtime_test
