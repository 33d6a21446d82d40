// Serialize + deserialize round trips of the built-in serdes, through the virtual Serde<T>
// interface as the runtime calls them, appending into one reused buffer. Items = round trips.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "kstreams/json_serde.h"
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

// A small object of five fields, as a user type (to_json/from_json) and as a plain json value.
void BM_JsonUserType(benchmark::State& state) {
  RoundTrip(state, Serdes::Json<Order>(), Order{"order-000123", "customer-42", 1250, 0.75, true});
}
BENCHMARK(BM_JsonUserType);

void BM_JsonValue(benchmark::State& state) {
  const nlohmann::json value = {{"id", "order-000123"},
                                {"customer", "customer-42"},
                                {"cents", 1250},
                                {"weight", 0.75},
                                {"paid", true}};
  RoundTrip(state, Serdes::Json<nlohmann::json>(), value);
}
BENCHMARK(BM_JsonValue);

}  // namespace
}  // namespace kstreams

BENCHMARK_MAIN();
