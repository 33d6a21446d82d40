// FetchWaker's protocol: when it asks librdkafka's fetcher to look at the queue again.
#include "runtime/fetch_waker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kstreams::internal {
namespace {

// Records what the waker sends.
struct FakeSender {
  std::vector<std::vector<std::string>> requests;  // "topic-partition@offset" per request

  FetchWaker::Sender sender() {
    return [this](rd_kafka_t*, rd_kafka_topic_partition_list_t* query) {
      std::vector<std::string> parts;
      for (int i = 0; i < query->cnt; ++i) {
        parts.push_back(std::string(query->elems[i].topic) + "-" +
                        std::to_string(query->elems[i].partition) + "@" +
                        std::to_string(query->elems[i].offset));
      }
      requests.push_back(std::move(parts));
    };
  }
  size_t count() const { return requests.size(); }
};

RdKafkaPartitionListPtr partitions(std::initializer_list<int32_t> numbers) {
  RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(4));
  for (int32_t p : numbers) rd_kafka_topic_partition_list_add(list.get(), "in", p);
  return list;
}

// A stand-in consumer handle: the fake sender never uses it.
rd_kafka_t* const kConsumer = reinterpret_cast<rd_kafka_t*>(0x1);

// One poll that returned `taken` records with `value_bytes`-byte values and left `left`.
void poll(FetchWaker& waker, int taken, int64_t left, size_t value_bytes = 10) {
  static std::string value(1 << 20, 'v');
  rd_kafka_message_t message{};
  message.payload = value.data();
  message.len = value_bytes;
  std::vector<rd_kafka_message_t*> batch(taken, &message);
  waker.afterPoll(batch.data(), taken, left);
}

TEST(FetchWakerTest, WakesOnceWhenAFullQueueDrainsToHalf) {
  FakeSender fake;
  FetchWaker waker({{"queued.min.messages", "1000"}, {"queued.max.messages.kbytes", "100000"}},
                   fake.sender());
  waker.setAssignment(kConsumer, partitions({0, 3}).get());

  poll(waker, 0, 0);
  poll(waker, 100, 300);  // held 400: filling up
  EXPECT_EQ(waker.wakeups(), 0);
  poll(waker, 100, 800);  // held 900 (>= 3/4): the fetcher may have stopped
  poll(waker, 100, 700);  // more than half left: it has enough
  EXPECT_EQ(waker.wakeups(), 0);
  poll(waker, 300, 400);  // less than half left: wake it
  EXPECT_EQ(waker.wakeups(), 1);
  poll(waker, 300, 100);  // once per fill
  poll(waker, 100, 0);
  EXPECT_EQ(waker.wakeups(), 1);
  ASSERT_EQ(fake.count(), 1u);
  // Every assigned partition, at "latest" (-1): one request per leader broker.
  EXPECT_EQ(fake.requests[0], (std::vector<std::string>{"in-0@-1", "in-3@-1"}));
  waker.stop();
}

TEST(FetchWakerTest, SeesAFullQueueThatOnePollTookMostOf) {
  // Batches can be larger than the limit: a poll that takes 1000 of 1083 queued records
  // must still count as having found the queue full, and wake the fetcher at once.
  FakeSender fake;
  FetchWaker waker({{"queued.min.messages", "500"}}, fake.sender());
  waker.setAssignment(kConsumer, partitions({1}).get());
  poll(waker, 1000, 83);
  EXPECT_EQ(waker.wakeups(), 1);
  EXPECT_EQ(fake.count(), 1u);
}

TEST(FetchWakerTest, CountsBytesByTheAverageValueSize) {
  FakeSender fake;
  // 100 KiB of values, a record limit that never binds.
  FetchWaker waker({{"queued.min.messages", "1000000"}, {"queued.max.messages.kbytes", "100"}},
                   fake.sender());
  waker.setAssignment(kConsumer, partitions({1}).get());
  poll(waker, 10, 70, 1024);  // 1 KiB values; held 80 KiB >= 3/4 of 100 KiB
  poll(waker, 10, 60, 1024);  // 60 KiB left, more than half
  EXPECT_EQ(waker.wakeups(), 0);
  poll(waker, 20, 40, 1024);
  EXPECT_EQ(waker.wakeups(), 1);
  EXPECT_EQ(fake.count(), 1u);
}

TEST(FetchWakerTest, ANewAssignmentForgetsTheOldFillAndNoAssignmentSendsNothing) {
  FakeSender fake;
  FetchWaker waker({{"queued.min.messages", "1000"}}, fake.sender());
  waker.setAssignment(kConsumer, partitions({0}).get());
  poll(waker, 0, 1000);
  waker.setAssignment(kConsumer, partitions({0, 1}).get());  // a rebalance: the queue restarts
  poll(waker, 0, 0);
  EXPECT_EQ(waker.wakeups(), 0);

  waker.setAssignment(kConsumer, nullptr);  // revoked
  poll(waker, 0, 1000);
  poll(waker, 1000, 0);
  EXPECT_EQ(waker.wakeups(), 0);
  waker.stop();
  EXPECT_EQ(fake.count(), 0u);
}

TEST(FetchWakerTest, NoWakeUpsAfterStop) {
  FakeSender fake;
  FetchWaker waker({{"queued.min.messages", "10"}}, fake.sender());
  waker.setAssignment(kConsumer, partitions({0}).get());
  poll(waker, 10, 0);
  ASSERT_EQ(fake.count(), 1u);
  waker.stop();
  waker.stop();  // idempotent
  poll(waker, 10, 0);
  EXPECT_EQ(fake.count(), 1u);
  EXPECT_EQ(waker.wakeups(), 1);
}

}  // namespace
}  // namespace kstreams::internal
