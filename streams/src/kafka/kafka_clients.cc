#include "kstreams/kafka_clients.h"

#include <chrono>
#include <thread>

#include "kafka/kafka_handles.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/errors.h"

namespace kstreams {
namespace {

using internal::ClientProperties;
using internal::RdKafkaPtr;

constexpr int kTimeoutMs = 30000;

ClientProperties baseProps(const std::string& bootstrap,
                           const std::map<std::string, std::string>& extra, bool consumer) {
  ClientProperties props{{"bootstrap.servers", bootstrap}, {"socket.nagle.disable", "true"}};
  if (consumer && internal::MockClusterRegistry::contains(bootstrap)) {
    // The mock does not wake a waiting fetch when data arrives.
    props["fetch.wait.max.ms"] = "10";
  }
  for (const auto& [k, v] : extra) props[k] = v;
  return props;
}

absl::StatusOr<std::vector<int32_t>> partitionsOf(rd_kafka_t* rk, const std::string& topic) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, kTimeoutMs);
  if (err) return internal::toStatus(err, "metadata for " + topic);
  internal::RdKafkaMetadataPtr owner(md);
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic != md->topics[i].topic) continue;
    if (md->topics[i].err) return internal::toStatus(md->topics[i].err, "topic " + topic);
    std::vector<int32_t> out;
    for (int p = 0; p < md->topics[i].partition_cnt; ++p) {
      out.push_back(md->topics[i].partitions[p].id);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  return absl::NotFoundError("topic " + topic + " does not exist");
}

// Watermarks of one partition. Retries while the cluster is settling (a topic created a moment
// ago may not have its leader known to every broker yet).
rd_kafka_resp_err_t queryWatermarks(rd_kafka_t* rk, const std::string& topic, int32_t partition,
                                    int64_t* lo, int64_t* hi) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  for (;;) {
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, lo, hi, kTimeoutMs);
    bool retriable = err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                     err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                     err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                     err == RD_KAFKA_RESP_ERR__TRANSPORT;
    if (!retriable || std::chrono::steady_clock::now() > deadline) return err;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Headers headersOf(const rd_kafka_message_t* m) {
  Headers out;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    out.add(name,
            value ? std::optional<std::string>(std::string(static_cast<const char*>(value), size))
                  : std::nullopt);
  }
  return out;
}

}  // namespace

absl::Status createTopics(const std::string& bootstrap_servers,
                          const std::vector<TopicSpec>& topics) {
  auto admin = internal::KafkaAdmin::create({{"bootstrap.servers", bootstrap_servers}});
  if (!admin.ok()) return admin.status();
  std::vector<internal::NewTopic> specs;
  for (const auto& t : topics) {
    specs.emplace_back(t.name, t.partitions, t.replication_factor, t.configs);
  }
  return admin->createTopics(specs, absl::Seconds(60));
}

absl::StatusOr<int> partitionCount(const std::string& bootstrap_servers, const std::string& topic) {
  auto admin = internal::KafkaAdmin::create({{"bootstrap.servers", bootstrap_servers}});
  if (!admin.ok()) return admin.status();
  return admin->partitionCount(topic, absl::Seconds(30));
}

absl::StatusOr<std::map<int32_t, int64_t>> endOffsets(const std::string& bootstrap_servers,
                                                      const std::string& topic) {
  auto rk = internal::makeHandle(
      RD_KAFKA_CONSUMER, baseProps(bootstrap_servers, {{"group.id", "kstreams-offsets"}}, true));
  if (!rk.ok()) return rk.status();
  auto parts = partitionsOf(rk->get(), topic);
  if (!parts.ok()) return parts.status();
  std::map<int32_t, int64_t> out;
  for (int32_t p : *parts) {
    int64_t lo = 0, hi = 0;
    if (auto err = queryWatermarks(rk->get(), topic, p, &lo, &hi)) {
      return internal::toStatus(err, "watermarks of " + topic);
    }
    out[p] = hi;
  }
  return out;
}

absl::StatusOr<std::vector<ConsumedRecord>> readTopic(const std::string& bootstrap_servers,
                                                      const std::string& topic,
                                                      const std::map<int32_t, int64_t>& from,
                                                      std::map<std::string, std::string> extra) {
  // librdkafka wants a group id even for assign(); it is never joined nor committed to.
  extra.emplace("group.id", "kstreams-read-topic");
  extra.emplace("enable.auto.commit", "false");
  auto rk = internal::makeHandle(RD_KAFKA_CONSUMER, baseProps(bootstrap_servers, extra, true));
  if (!rk.ok()) return rk.status();
  auto parts = partitionsOf(rk->get(), topic);
  if (!parts.ok()) return parts.status();
  internal::RdKafkaPartitionListPtr assignment(
      rd_kafka_topic_partition_list_new(static_cast<int>(parts->size())));
  std::map<int32_t, int64_t> end;
  for (int32_t p : *parts) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t err = queryWatermarks(rk->get(), topic, p, &lo, &hi);
    if (err) return internal::toStatus(err, "watermarks of " + topic);
    if (auto f = from.find(p); f != from.end()) lo = std::max(lo, f->second);
    if (hi > lo) {
      end[p] = hi;
      rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset = lo;
    }
  }
  std::vector<ConsumedRecord> out;
  if (end.empty()) return out;
  if (auto err = rd_kafka_assign(rk->get(), assignment.get())) {
    return internal::toStatus(err, "assign " + topic);
  }
  std::map<int32_t, std::vector<ConsumedRecord>> by_partition;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
  size_t remaining = end.size();
  while (remaining > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError("reading " + topic + ": end not reached in time");
    }
    internal::RdKafkaMessagePtr m(rd_kafka_consumer_poll(rk->get(), 100));
    if (!m) continue;
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      return internal::toStatus(m->err, "reading " + topic);
    }
    auto it = end.find(m->partition);
    if (it == end.end() || m->offset >= it->second) continue;
    ConsumedRecord r;
    r.topic = topic;
    r.partition = m->partition;
    r.offset = m->offset;
    r.timestamp = rd_kafka_message_timestamp(m.get(), nullptr);
    if (m->key) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
    if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
    r.headers = headersOf(m.get());
    by_partition[m->partition].push_back(std::move(r));
    if (m->offset + 1 >= it->second) {
      end.erase(it);
      --remaining;
    }
  }
  rd_kafka_consumer_close(rk->get());
  for (auto& [p, records] : by_partition) {
    for (auto& r : records) out.push_back(std::move(r));
  }
  return out;
}

absl::StatusOr<int64_t> consumerGroupLag(const std::string& bootstrap_servers,
                                         const std::string& group_id, const std::string& topic) {
  auto rk = internal::makeHandle(RD_KAFKA_CONSUMER,
                                 baseProps(bootstrap_servers, {{"group.id", group_id}}, true));
  if (!rk.ok()) return rk.status();
  auto parts = partitionsOf(rk->get(), topic);
  if (!parts.ok()) return parts.status();
  internal::RdKafkaPartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(parts->size())));
  for (int32_t p : *parts) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
  if (auto err = rd_kafka_committed(rk->get(), list.get(), kTimeoutMs)) {
    return internal::toStatus(err, "committed offsets of group " + group_id);
  }
  int64_t lag = 0;
  for (int i = 0; i < list->cnt; ++i) {
    const auto& tp = list->elems[i];
    int64_t lo = 0, hi = 0;
    if (auto err = queryWatermarks(rk->get(), topic, tp.partition, &lo, &hi)) {
      return internal::toStatus(err, "watermarks of " + topic);
    }
    int64_t committed = tp.offset >= 0 ? tp.offset : lo;
    lag += std::max<int64_t>(0, hi - committed);
  }
  rd_kafka_consumer_close(rk->get());
  return lag;
}

struct SimpleProducer::Impl {
  RdKafkaPtr rk;
  // The first delivery error; written by the delivery callback (run inside poll/flush on the
  // calling thread), read by flush().
  absl::Status first_error;
};

namespace {
void deliveryReport(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* impl = static_cast<SimpleProducer::Impl*>(opaque);
  if (m->err && impl->first_error.ok()) {
    impl->first_error = internal::toStatus(m->err, "delivery");
  }
}
}  // namespace

SimpleProducer::SimpleProducer(const std::string& bootstrap_servers,
                               std::map<std::string, std::string> extra_config)
    : impl_(std::make_unique<Impl>()) {
  ClientProperties props = baseProps(bootstrap_servers, {}, false);
  props["partitioner"] = "murmur2_random";
  props["linger.ms"] = "5";
  props["batch.num.messages"] = "10000";
  props["compression.type"] = "lz4";
  props["queue.buffering.max.messages"] = "100000";
  for (const auto& [k, v] : extra_config) props[k] = v;
  auto conf = internal::makeConf(props);
  if (!conf.ok()) throw ConfigException("SimpleProducer", std::string(conf.status().message()));
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &deliveryReport);
  rd_kafka_conf_set_opaque(conf->get(), impl_.get());
  char err[512];
  impl_->rk.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf->release(), err, sizeof(err)));
  if (!impl_->rk) throw ConfigException("SimpleProducer", err);
}

SimpleProducer::~SimpleProducer() {
  if (impl_->rk) rd_kafka_flush(impl_->rk.get(), kTimeoutMs);
}

void SimpleProducer::send(const std::string& topic, std::optional<std::string_view> key,
                          std::optional<std::string_view> value, int64_t timestamp_ms,
                          int32_t partition, const Headers& headers) {
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& h : headers) {
        rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()),
                            h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
    }
    void* key_ptr = key ? const_cast<char*>(key->data()) : nullptr;
    size_t key_len = key ? key->size() : 0;
    void* value_ptr = value ? const_cast<char*>(value->data()) : nullptr;
    size_t value_len = value ? value->size() : 0;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        impl_->rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key_ptr, key_len),
        RD_KAFKA_V_VALUE(value_ptr, value_len), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_poll(impl_->rk.get(), 0);
      return;
    }
    if (hdrs) rd_kafka_headers_destroy(hdrs);  // not taken over on failure
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (impl_->first_error.ok()) impl_->first_error = internal::toStatus(err, "produce");
      return;
    }
    rd_kafka_poll(impl_->rk.get(), 10);
  }
}

absl::Status SimpleProducer::flush() {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk.get(), 60000);
  if (err) return internal::toStatus(err, "flush");
  absl::Status s = impl_->first_error;
  impl_->first_error = absl::OkStatus();
  return s;
}

}  // namespace kstreams
