// Serialize + deserialize round trips of the built-in serdes, through the virtual Serde<T>
// interface as the runtime calls them, appending into one reused buffer. Items = round trips.
//
// The schema-registry serdes (Avro generic and struct, JSON Schema) talk to an in-process fake
// registry (RegisteringFakeTransport below: it registers and serves schemas like the Confluent
// API, no sockets). Their caches work as in production: the first serialize registers the
// schema (and then knows it by its id too, so reading fetches nothing); each benchmark checks
// afterwards that the loop made no further registry request (counter `registry_calls`: every
// request of the benchmark, 1 as measured).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kstreams/avro_serde.h"
#include "kstreams/avro_struct.h"
#include "kstreams/connect_json.h"
#include "kstreams/json_schema_serde.h"
#include "kstreams/json_serde.h"
#include "kstreams/schema_registry.h"
#include "kstreams/serdes.h"
#include "nlohmann/json.hpp"

namespace kstreams {
namespace {

template <typename T>
void RoundTrip(benchmark::State& state, const SerdePtr<T>& serde, const T& value) {
  std::string buffer;
  for (auto _ : state) {
    buffer.clear();
    serde->serialize("topic", value, buffer);
    T back = serde->deserialize("topic", buffer);
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buffer.size()));
}

void BM_String100B(benchmark::State& state) {
  RoundTrip(state, Serdes::String(), std::string(100, 'x'));
}
BENCHMARK(BM_String100B);

void BM_Int64(benchmark::State& state) {
  RoundTrip<int64_t>(state, Serdes::Int64(), 1234567890123456789);
}
BENCHMARK(BM_Int64);

void BM_Double(benchmark::State& state) { RoundTrip(state, Serdes::Double(), 3.141592653589793); }
BENCHMARK(BM_Double);

struct Order {
  std::string id;
  std::string customer;
  int64_t cents = 0;
  double weight = 0;
  bool paid = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, customer, cents, weight, paid)

const Order kOrder{"order-000123", "customer-42", 1250, 0.75, true};

// The same five fields as an Avro record (kstreams/avro_struct.h) and a Connect struct.
inline const AvroRecord<Order>& avroRecord(const Order*) {
  static const auto r = AvroRecord<Order>("kstreams.bench.Order")
                            .field("id", &Order::id)
                            .field("customer", &Order::customer)
                            .field("cents", &Order::cents)
                            .field("weight", &Order::weight)
                            .field("paid", &Order::paid);
  return r;
}
inline const ConnectStruct<Order>& connectStruct(const Order*) {
  static const auto s = ConnectStruct<Order>("kstreams.bench.Order")
                            .field("id", &Order::id)
                            .field("customer", &Order::customer)
                            .field("cents", &Order::cents)
                            .field("weight", &Order::weight)
                            .field("paid", &Order::paid);
  return s;
}

nlohmann::json OrderJson() {
  return {{"id", "order-000123"},
          {"customer", "customer-42"},
          {"cents", 1250},
          {"weight", 0.75},
          {"paid", true}};
}

constexpr const char* kOrderAvro = R"({"type":"record","name":"Order","namespace":"kstreams.bench",
  "fields":[{"name":"id","type":"string"},{"name":"customer","type":"string"},
  {"name":"cents","type":"long"},{"name":"weight","type":"double"},
  {"name":"paid","type":"boolean"}]})";

constexpr const char* kOrderJsonSchema = R"({"title":"Order","type":"object",
  "properties":{"id":{"type":"string"},"customer":{"type":"string"},
  "cents":{"type":"integer","minimum":0},"weight":{"type":"number"},"paid":{"type":"boolean"}},
  "required":["id","customer","cents","weight","paid"]})";

// A registry in memory: POST /subjects/<s>/versions registers (one id per distinct schema
// text), GET /schemas/ids/<id> answers the schema. Anything else is a 404. Counts requests.
class RegisteringFakeTransport : public HttpTransport {
 public:
  static constexpr const char* kBase = "http://registry.bench/apis/ccompat/v7";

  HttpResponse send(const HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++requests_;
    const std::string path = request.url.substr(std::string(kBase).size());
    if (request.method == "POST" && path.starts_with("/subjects/") && path.ends_with("/versions")) {
      auto body = nlohmann::json::parse(request.body);
      auto [it, added] = ids_.emplace(body.dump(), static_cast<int32_t>(ids_.size() + 1));
      if (added) schemas_[it->second] = body;
      return HttpResponse{200, nlohmann::json{{"id", it->second}}.dump()};
    }
    constexpr std::string_view kById = "/schemas/ids/";
    if (request.method == "GET" && path.starts_with(kById)) {
      auto it = schemas_.find(std::stoi(path.substr(kById.size())));
      if (it != schemas_.end()) return HttpResponse{200, it->second.dump()};
    }
    return HttpResponse{404, R"({"error_code":40401,"message":"not found"})"};
  }
  int requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int32_t> ids_;
  std::map<int32_t, nlohmann::json> schemas_;
  int requests_ = 0;
};

struct FakeRegistry {
  std::shared_ptr<RegisteringFakeTransport> http = std::make_shared<RegisteringFakeTransport>();
  SchemaRegistryClientPtr client =
      std::make_shared<SchemaRegistryClient>(RegisteringFakeTransport::kBase, http);
};

// RoundTrip, then reports how many registry requests the whole benchmark made: at most 2
// (register, fetch by id) when the serde caches as it should, whatever the iteration count.
template <typename T>
void RegistryRoundTrip(benchmark::State& state, const FakeRegistry& registry,
                       const SerdePtr<T>& serde, const T& value) {
  RoundTrip(state, serde, value);
  state.counters["registry_calls"] = registry.http->requests();
  if (registry.http->requests() > 2) state.SkipWithError("the serde did not cache its schemas");
}

// A small object of five fields, as a user type (to_json/from_json) and as a plain json value.
void BM_JsonUserType(benchmark::State& state) { RoundTrip(state, Serdes::Json<Order>(), kOrder); }
BENCHMARK(BM_JsonUserType);

void BM_JsonValue(benchmark::State& state) {
  RoundTrip(state, Serdes::Json<nlohmann::json>(), OrderJson());
}
BENCHMARK(BM_JsonValue);

// Avro generic records (nlohmann::json) with the Confluent framing: encode with the registered
// writer schema, decode and resolve to the same (reader) schema.
void BM_AvroGeneric(benchmark::State& state) {
  FakeRegistry registry;
  RegistryRoundTrip(state, registry, Serdes::Avro(registry.client, kOrderAvro), OrderJson());
}
BENCHMARK(BM_AvroGeneric);

// Avro for a user struct (kstreams/avro_struct.h): the generic serde plus struct <-> json.
void BM_AvroStruct(benchmark::State& state) {
  FakeRegistry registry;
  RegistryRoundTrip(state, registry, Serdes::Avro<Order>(registry.client), kOrder);
}
BENCHMARK(BM_AvroStruct);

// JSON Schema with the Confluent framing; validation on both serialize and deserialize.
void BM_JsonSchema(benchmark::State& state) {
  FakeRegistry registry;
  RegistryRoundTrip(state, registry, Serdes::JsonSchema(registry.client, kOrderJsonSchema),
                    OrderJson());
}
BENCHMARK(BM_JsonSchema);

// Kafka Connect's JsonConverter format (schema + payload envelope, no registry), for the struct.
void BM_ConnectJsonStruct(benchmark::State& state) {
  RoundTrip(state, Serdes::ConnectJson<Order>(), kOrder);
}
BENCHMARK(BM_ConnectJsonStruct);

void BM_ConnectJsonNoSchema(benchmark::State& state) {
  RoundTrip(state, Serdes::ConnectJson<Order>(false), kOrder);
}
BENCHMARK(BM_ConnectJsonNoSchema);

}  // namespace
}  // namespace kstreams

BENCHMARK_MAIN();
