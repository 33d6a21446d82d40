// File: tests/differential/families.cc
//
// The kstreams twins of Java's Families.java; see families.h. Functions take the values as
// std::string, which reads a Kafka null as "" (kstreams/serdes.h); the Java functions map null to
// "" themselves (nz()), so both compute the same from the same record and what differs is the
// library's own handling of nulls around the functions.
#include "families.h"

#include <cctype>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/emit_strategy.h"
#include "kstreams/fixed_key_processor.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/session_windows.h"
#include "kstreams/sliding_windows.h"
#include "kstreams/suppressed.h"
#include "kstreams/time_windows.h"
#include "kstreams/timestamp_extractor.h"
#include "kstreams/windowed.h"

namespace kstreams::differential {
namespace {

using Str = std::string;

SerdePtr<Str> S() { return Serdes::String(); }

Consumed<Str, Str> in() { return Consumed<Str, Str>::with(S(), S()); }
Produced<Str, Str> outS() { return Produced<Str, Str>::with(S(), S()); }
Produced<Str, int64_t> outL() { return Produced<Str, int64_t>::with(S(), Serdes::Int64()); }
Grouped<Str, Str> grouped(const char* name = nullptr) {
  auto g = Grouped<Str, Str>::with(S(), S());
  return name ? g.withName(name) : g;
}

template <typename V>
Materialized<Str, V> store(const char* name, SerdePtr<V> value_serde) {
  return Materialized<Str, V>::as(name).withKeySerde(S()).withValueSerde(std::move(value_serde));
}

KStream<Str, Str> stream(StreamsBuilder& b) { return b.stream("in", in()); }

// Session-windowed outputs.
template <typename V>
Produced<Windowed<Str>, V> outSessions(SerdePtr<V> value_serde) {
  return Produced<Windowed<Str>, V>::with(WindowedSerdes::sessionWindowedSerdeFrom<Str>(S()),
                                          std::move(value_serde));
}
SessionWindows sessionWindows() {
  return SessionWindows::ofInactivityGapAndGrace(std::chrono::milliseconds(3),
                                                 std::chrono::milliseconds(2));
}

// Windowed outputs: the time-windowed key serde of 10 ms windows.
template <typename V>
Produced<Windowed<Str>, V> outWindowed(SerdePtr<V> value_serde) {
  return Produced<Windowed<Str>, V>::with(WindowedSerdes::timeWindowedSerdeFrom<Str>(S(), 10),
                                          std::move(value_serde));
}
KTable<Str, Str> table(StreamsBuilder& b, const char* topic = "in") { return b.table(topic, in()); }

std::string opt(const std::optional<Str>& s) { return s ? *s : "null"; }

bool evenLength(const Str&, const Str& v) { return v.size() % 2 == 0; }

class UpperCaseLater : public ContextualFixedKeyProcessor<Str, Str, Str> {
 public:
  void process(FixedKeyRecord<Str, Str> r) override {
    Str up = r.value();
    for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const int64_t ts = r.timestamp() + 1;
    context().forward(std::move(r).withValue(std::move(up)).withTimestamp(ts));
  }
};

class SwapAndRepeat : public ContextualProcessor<Str, Str, Str, Str> {
 public:
  void process(Record<Str, Str> r) override {
    context().forward(r.withKey(r.value()).withValue(r.key()));
    if (r.value().size() > 1) context().forward(std::move(r).withValue(Str("twice")));
  }
};

// Counts records and, every 3 ms of stream time, forwards ("tick", "<count>@<time>/<stream
// time>") with the punctuation's timestamp (and no headers).
class StreamTimeTicker : public ContextualProcessor<Str, Str, Str, Str> {
 public:
  void init(ProcessorContext<Str, Str>& context) override {
    ContextualProcessor::init(context);
    context.schedule(
        std::chrono::milliseconds(3), PunctuationType::STREAM_TIME, [this](int64_t ts) {
          this->context().forward(
              Record<Str, Str>(kTick,
                               std::to_string(count_) + "@" + std::to_string(ts) + "/" +
                                   std::to_string(this->context().currentStreamTimeMs()),
                               ts));
        });
  }
  void process(Record<Str, Str> r) override {
    ++count_;
    context().forward(std::move(r));
  }

 private:
  static constexpr const char* kTick = "tick";
  int64_t count_ = 0;
};

std::vector<Family> makeFamilies() {
  const OutputTopic out{"out", Encoding::kString};
  const OutputTopic out_long{"out", Encoding::kLong};
  auto changelog = [](const char* store, Encoding e) {
    return OutputTopic{Str("diff-") + store + "-changelog", e};
  };
  auto repartition = [](const char* name) {
    return OutputTopic{Str("diff-") + name + "-repartition", Encoding::kBytes};
  };
  std::vector<Family> f;
  auto add = [&f](Str name, std::vector<Str> inputs, std::vector<OutputTopic> outputs,
                  std::function<void(StreamsBuilder&)> build) {
    f.push_back(Family{std::move(name), std::move(inputs), std::move(outputs), std::move(build)});
  };
  const std::vector<Str> one{"in"};

  // ---- Stateless ----
  add("passthrough", one, {out}, [](StreamsBuilder& b) { stream(b).to("out", outS()); });
  add("filter", one, {out},
      [](StreamsBuilder& b) { stream(b).filter(evenLength).to("out", outS()); });
  add("filterNot", one, {out},
      [](StreamsBuilder& b) { stream(b).filterNot(evenLength).to("out", outS()); });
  add("map", one, {out}, [](StreamsBuilder& b) {
    stream(b)
        .map([](Str k, Str v) {
          return KeyValue<Str, Str>{v, k + ":" + v};
        })
        .to("out", outS());
  });
  add("mapValues", one, {out}, [](StreamsBuilder& b) {
    stream(b).mapValues([](Str v) { return v + "!"; }).to("out", outS());
  });
  add("mapValuesWithKey", one, {out}, [](StreamsBuilder& b) {
    stream(b).mapValues([](const Str& k, Str v) { return k + "=" + v; }).to("out", outS());
  });
  add("flatMap", one, {out}, [](StreamsBuilder& b) {
    stream(b)
        .flatMap([](Str k, Str v) {
          std::vector<KeyValue<Str, Str>> r;
          for (size_t i = 0; i < v.size(); ++i)
            r.push_back({k + std::to_string(i), v.substr(i, 1)});
          return r;
        })
        .to("out", outS());
  });
  add("flatMapValues", one, {out}, [](StreamsBuilder& b) {
    stream(b)
        .flatMapValues([](Str v) {
          std::vector<Str> r;
          for (size_t i = 0; i < v.size(); ++i) r.push_back(v.substr(0, i + 1));
          return r;
        })
        .to("out", outS());
  });
  add("selectKey", one, {out}, [](StreamsBuilder& b) {
    stream(b).selectKey([](const Str&, const Str& v) { return v; }).to("out", outS());
  });
  add("peek", one, {out},
      [](StreamsBuilder& b) { stream(b).peek([](const Str&, const Str&) {}).to("out", outS()); });
  add("split", one, {{"out-a"}, {"out-b"}, {"out-c"}}, [](StreamsBuilder& b) {
    using Br = Branched<Str, Str>;
    stream(b)
        .split(Named::as("split-"))
        .branch([](const Str& k, const Str&) { return k == "a"; },
                Br::withConsumer([](KStream<Str, Str> s) { s.to("out-a", outS()); }))
        .branch([](const Str&, const Str& v) { return v.size() > 1; },
                Br::withConsumer([](KStream<Str, Str> s) { s.to("out-b", outS()); }))
        .defaultBranch(Br::withConsumer([](KStream<Str, Str> s) { s.to("out-c", outS()); }));
  });
  add("merge", {"in", "in2"}, {out}, [](StreamsBuilder& b) {
    auto first = stream(b);
    first.merge(b.stream("in2", in())).to("out", outS());
  });
  add("repartition", one, {out, repartition("rp")}, [](StreamsBuilder& b) {
    stream(b)
        .selectKey([](const Str&, const Str& v) { return v; })
        .repartition(Repartitioned<Str, Str>::with(S(), S()).withName("rp"))
        .mapValues([](const Str& k, Str v) { return k + "/" + v; })
        .to("out", outS());
  });
  add("processValues", one, {out}, [](StreamsBuilder& b) {
    stream(b).processValues([] { return std::make_unique<UpperCaseLater>(); }).to("out", outS());
  });
  add("process", one, {out}, [](StreamsBuilder& b) {
    stream(b).process([] { return std::make_unique<SwapAndRepeat>(); }).to("out", outS());
  });
  // Event time: stream-time punctuation, and a user timestamp extractor feeding it (the record
  // timestamp moved by 10 ms per value character, so stream time and order differ from the
  // input's).
  add("process-punctuate", one, {out}, [](StreamsBuilder& b) {
    stream(b).process([] { return std::make_unique<StreamTimeTicker>(); }).to("out", outS());
  });
  add("extractor-punctuate", one, {out}, [](StreamsBuilder& b) {
    auto extractor = TimestampExtractor::from([](const ConsumerRecord& r, int64_t) {
      return r.timestamp + 10 * static_cast<int64_t>(r.value ? r.value->size() : 0);
    });
    b.stream("in", in().withTimestampExtractor(extractor))
        .process([] { return std::make_unique<StreamTimeTicker>(); })
        .to("out", outS());
  });

  // ---- KGroupedStream ----
  add("groupByKey-count", one, {out_long, changelog("count-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .count(store("count-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });
  add("groupByKey-reduce", one, {out, changelog("reduce-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .reduce([](Str a, const Str& v) { return a + "|" + v; }, store("reduce-store", S()))
            .toStream()
            .to("out", outS());
      });
  add("groupByKey-aggregate", one, {out_long, changelog("agg-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .aggregate([] { return int64_t{0}; },
                       [](const Str&, const Str& v, int64_t agg) {
                         return agg + 1 + static_cast<int64_t>(v.size());
                       },
                       store("agg-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });
  // ---- TimeWindowedKStream (emit on every update; late records dropped) ----
  add("windowedBy-count", one, {out_long, changelog("win-count-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(10),
                                                    std::chrono::milliseconds(5)))
            .count(store("win-count-store", Serdes::Int64()))
            .toStream()
            .to("out", outWindowed(Serdes::Int64()));
      });
  add("windowedBy-hopping-count", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(
            TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(10), std::chrono::milliseconds(3))
                .advanceBy(std::chrono::milliseconds(5)))
        .count()
        .toStream()
        .to("out", outWindowed(Serdes::Int64()));
  });
  // A window's first null value makes a tombstone, which the record cache (caching-on modes)
  // drops: nothing was in the window.
  add("windowedBy-reduce", one, {out, changelog("win-reduce-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(TimeWindows::ofSizeWithNoGrace(std::chrono::milliseconds(10)))
            .reduce([](Str a, const Str& v) { return a + "|" + v; }, store("win-reduce-store", S()))
            .toStream()
            .to("out", outWindowed(S()));
      });
  add("windowedBy-aggregate", one, {out_long, changelog("win-agg-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(10),
                                                    std::chrono::milliseconds(20)))
            .aggregate([] { return int64_t{0}; },
                       [](const Str&, const Str& v, int64_t agg) {
                         return agg + 1 + static_cast<int64_t>(v.size());
                       },
                       store("win-agg-store", Serdes::Int64()))
            .toStream()
            .to("out", outWindowed(Serdes::Int64()));
      });
  // ---- SlidingWindowedKStream (count, reduce and the groupBy count cached as the mode says, the
  // others with caching disabled; null values are skipped, as Kafka Streams does) ----
  add("slidingWindowedBy-count", one, {out_long, changelog("slide-count-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(SlidingWindows::ofTimeDifferenceAndGrace(std::chrono::milliseconds(10),
                                                                 std::chrono::milliseconds(5)))
            .count(store("slide-count-store", Serdes::Int64()))
            .toStream()
            .to("out", outWindowed(Serdes::Int64()));
      });
  add("slidingWindowedBy-count-nograce", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(SlidingWindows::ofTimeDifferenceWithNoGrace(std::chrono::milliseconds(5)))
        .count(Materialized<Str, int64_t>(S(), Serdes::Int64()).withCachingDisabled())
        .toStream()
        .to("out", outWindowed(Serdes::Int64()));
  });
  // A time difference beyond every input timestamp: all records go through Java's processEarly
  // (one shared window [0, timeDifference], right windows created as later records come).
  add("slidingWindowedBy-count-early", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(SlidingWindows::ofTimeDifferenceAndGrace(std::chrono::milliseconds(1010),
                                                             std::chrono::milliseconds(3)))
        .count(store("slide-early-store", Serdes::Int64()).withCachingDisabled())
        .toStream()
        .to("out", outWindowed(Serdes::Int64()));
  });
  add("slidingWindowedBy-reduce", one, {out, changelog("slide-reduce-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(SlidingWindows::ofTimeDifferenceAndGrace(std::chrono::milliseconds(10),
                                                                 std::chrono::milliseconds(20)))
            .reduce([](Str a, const Str& v) { return a + "|" + v; },
                    store("slide-reduce-store", S()))
            .toStream()
            .to("out", outWindowed(S()));
      });
  add("slidingWindowedBy-aggregate", one, {out_long, changelog("slide-agg-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(SlidingWindows::ofTimeDifferenceWithNoGrace(std::chrono::milliseconds(10)))
            .aggregate([] { return int64_t{0}; },
                       [](const Str&, const Str& v, int64_t agg) {
                         return agg + 1 + static_cast<int64_t>(v.size());
                       },
                       store("slide-agg-store", Serdes::Int64()).withCachingDisabled())
            .toStream()
            .to("out", outWindowed(Serdes::Int64()));
      });
  add("groupBy-slidingWindowedBy-count", one,
      {out_long, changelog("gbs-count-store", Encoding::kLong), repartition("gbs")},
      [](StreamsBuilder& b) {
        stream(b)
            .groupBy([](const Str&, const Str& v) { return v; }, grouped("gbs"))
            .windowedBy(SlidingWindows::ofTimeDifferenceAndGrace(std::chrono::milliseconds(10),
                                                                 std::chrono::milliseconds(5)))
            .count(store("gbs-count-store", Serdes::Int64()))
            .toStream()
            .to("out", outWindowed(Serdes::Int64()));
      });
  // ---- SessionWindowedKStream (caching as the mode says: with the record cache, the sessions a
  // record merges away and the merged session reach downstream deduplicated) ----
  add("sessionWindowedBy-count", one, {out_long, changelog("sess-count-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(sessionWindows())
            .count(store("sess-count-store", Serdes::Int64()))
            .toStream()
            .to("out", outSessions(Serdes::Int64()));
      });
  add("sessionWindowedBy-aggregate", one, {out_long, changelog("sess-agg-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(sessionWindows())
            .aggregate([] { return int64_t{0}; },
                       [](const Str&, const Str& v, int64_t agg) {
                         return agg + 1 + static_cast<int64_t>(v.size());
                       },
                       [](const Str&, int64_t a, const int64_t& b) { return a + b; },
                       store("sess-agg-store", Serdes::Int64()))
            .toStream()
            .to("out", outSessions(Serdes::Int64()));
      });
  add("sessionWindowedBy-reduce", one, {out}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(sessionWindows())
        .reduce([](Str a, const Str& v) { return a + "|" + v; }, store("sess-reduce-store", S()))
        .toStream()
        .to("out", outSessions(S()));
  });
  add("groupBy-count", one,
      {out_long, changelog("gb-count-store", Encoding::kLong), repartition("gb")},
      [](StreamsBuilder& b) {
        stream(b)
            .groupBy([](const Str&, const Str& v) { return v; }, grouped("gb"))
            .count(store("gb-count-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });
  add("groupBy-reduce", one, {out, changelog("gbr-store", Encoding::kString), repartition("gbr")},
      [](StreamsBuilder& b) {
        stream(b)
            .groupBy([](const Str&, const Str& v) { return std::to_string(v.size()); },
                     grouped("gbr"))
            .reduce([](Str a, const Str& v) { return a + "|" + v; }, store("gbr-store", S()))
            .toStream()
            .to("out", outS());
      });
  add("selectKey-groupByKey-aggregate", one,
      {out, changelog("skg-store", Encoding::kString), repartition("skg")}, [](StreamsBuilder& b) {
        stream(b)
            .selectKey([](const Str&, const Str& v) { return v; })
            .groupByKey(grouped("skg"))
            .aggregate([] { return Str(); },
                       [](const Str&, const Str& v, Str agg) { return agg + "<" + v + ">"; },
                       store("skg-store", S()))
            .toStream()
            .to("out", outS());
      });
  add("toTable", one, {out, changelog("tt-store", Encoding::kString)}, [](StreamsBuilder& b) {
    stream(b).toTable(store("tt-store", S())).toStream().to("out", outS());
  });

  // ---- KTable ----
  add("table", one, {out}, [](StreamsBuilder& b) { table(b).toStream().to("out", outS()); });
  add("table-materialized", one, {out, changelog("t-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        b.table("in", in(), store("t-store", S())).toStream().to("out", outS());
      });
  add("table-filter", one, {out},
      [](StreamsBuilder& b) { table(b).filter(evenLength).toStream().to("out", outS()); });
  add("table-filterNot-materialized-source", one, {out, changelog("tf-src", Encoding::kString)},
      [](StreamsBuilder& b) {
        b.table("in", in(), store("tf-src", S()))
            .filterNot(evenLength)
            .toStream()
            .to("out", outS());
      });
  add("table-filter-materialized", one, {out, changelog("tf-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        table(b).filter(evenLength, store("tf-store", S())).toStream().to("out", outS());
      });
  add("table-mapValues", one, {out}, [](StreamsBuilder& b) {
    table(b)
        .mapValues([](const Str& k, Str v) { return k + "=" + v; })
        .toStream()
        .to("out", outS());
  });
  add("table-groupBy-count", one,
      {out_long, changelog("tgb-store", Encoding::kLong), repartition("tgb")},
      [](StreamsBuilder& b) {
        table(b)
            .groupBy(
                [](const Str&, const Str& v) {
                  return KeyValue<Str, Str>{std::to_string(v.size()), v};
                },
                grouped("tgb"))
            .count(store("tgb-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });
  add("table-groupBy-reduce", one,
      {out, changelog("tgr-store", Encoding::kString), repartition("tgr")}, [](StreamsBuilder& b) {
        table(b)
            .groupBy(
                [](const Str& k, const Str& v) {
                  return KeyValue<Str, Str>{std::to_string(v.size()), k + v};
                },
                grouped("tgr"))
            .reduce([](Str a, const Str& v) { return a + "+" + v; },
                    [](Str a, const Str& v) { return a + "-" + v; }, store("tgr-store", S()))
            .toStream()
            .to("out", outS());
      });
  add("table-groupBy-aggregate", one,
      {out_long, changelog("tga-store", Encoding::kLong), repartition("tga")},
      [](StreamsBuilder& b) {
        table(b)
            .groupBy(
                [](const Str& k, const Str& v) {
                  return KeyValue<Str, Str>{v, k};
                },
                grouped("tga"))
            .aggregate([] { return int64_t{0}; },
                       [](const Str&, const Str& v, int64_t agg) {
                         return agg + 1 + static_cast<int64_t>(v.size());
                       },
                       [](const Str&, const Str& v, int64_t agg) {
                         return agg - 1 - static_cast<int64_t>(v.size());
                       },
                       store("tga-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });

  // ---- Joins ----
  const std::vector<Str> two{"left", "right"};
  add("table-join", two, {out}, [](StreamsBuilder& b) {
    auto left = table(b, "left");
    left.join(table(b, "right"), [](const Str& l, const Str& r) { return l + "|" + r; })
        .toStream()
        .to("out", outS());
  });
  add("table-leftJoin", two, {out}, [](StreamsBuilder& b) {
    auto left = table(b, "left");
    left.leftJoin(table(b, "right"),
                  [](const Str& l, const std::optional<Str>& r) { return l + "|" + opt(r); })
        .toStream()
        .to("out", outS());
  });
  add("table-outerJoin", two, {out}, [](StreamsBuilder& b) {
    auto left = table(b, "left");
    left.outerJoin(table(b, "right"),
                   [](const std::optional<Str>& l, const std::optional<Str>& r) {
                     return opt(l) + "|" + opt(r);
                   })
        .toStream()
        .to("out", outS());
  });
  add("table-join-materialized", two,
      {out, changelog("jl-store", Encoding::kString), changelog("j-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        auto left = b.table("left", in(), store("jl-store", S()));
        left.join(
                table(b, "right"), [](const Str& l, const Str& r) { return l + "|" + r; }, Named(),
                store("j-store", S()))
            .toStream()
            .to("out", outS());
      });
  const std::vector<Str> stream_table{"in", "tbl"};
  add("stream-table-join", stream_table, {out}, [](StreamsBuilder& b) {
    auto s = stream(b);
    s.join(table(b, "tbl"), [](const Str& v, const Str& t) {
       return v + "|" + t;
     }).to("out", outS());
  });
  add("stream-table-leftJoin", stream_table, {out}, [](StreamsBuilder& b) {
    auto s = stream(b);
    s.leftJoin(table(b, "tbl"), [](const Str& v, const std::optional<Str>& t) {
       return v + "|" + opt(t);
     }).to("out", outS());
  });
  add("selectKey-stream-table-join", stream_table, {out, repartition("stj")},
      [](StreamsBuilder& b) {
        auto keyed = stream(b).selectKey(
            [](const Str&, const Str& v) { return Str(1, static_cast<char>('a' + v.size())); });
        keyed
            .join(
                table(b, "tbl"),
                [](const Str& k, const Str& v, const Str& t) { return k + ":" + v + "|" + t; },
                Joined<Str, Str, Str>::with(S(), S(), S()).withName("stj"))
            .to("out", outS());
      });

  // ---- Stream-stream joins (windows of a few ms over the inputs' timestamps) ----
  const auto ms = [](int64_t n) { return std::chrono::milliseconds(n); };
  const auto sj = [] { return StreamJoined<Str, Str, Str>::with(S(), S(), S()); };
  add("stream-join", two, {out}, [=](StreamsBuilder& b) {
    b.stream("left", in())
        .join(
            b.stream("right", in()), [](const Str& l, const Str& r) { return l + "|" + r; },
            JoinWindows::ofTimeDifferenceAndGrace(ms(5), ms(3)), sj())
        .to("out", outS());
  });
  add("stream-join-asymmetric", two, {out}, [=](StreamsBuilder& b) {
    b.stream("left", in())
        .join(
            b.stream("right", in()), [](const Str& l, const Str& r) { return l + "|" + r; },
            JoinWindows::ofTimeDifferenceAndGrace(ms(2), ms(4)).before(ms(0)).after(ms(6)), sj())
        .to("out", outS());
  });
  add("stream-leftJoin", two, {out}, [=](StreamsBuilder& b) {
    b.stream("left", in())
        .leftJoin(
            b.stream("right", in()),
            [](const Str& l, const std::optional<Str>& r) { return l + "|" + opt(r); },
            JoinWindows::ofTimeDifferenceWithNoGrace(ms(4)), sj())
        .to("out", outS());
  });
  add("stream-outerJoin", two, {out}, [=](StreamsBuilder& b) {
    b.stream("left", in())
        .outerJoin(
            b.stream("right", in()),
            [](const std::optional<Str>& l, const std::optional<Str>& r) {
              return opt(l) + "|" + opt(r);
            },
            JoinWindows::ofTimeDifferenceAndGrace(ms(3), ms(2)), sj())
        .to("out", outS());
  });
  // The shared store's changelog too: its keys and list values are Java's bytes.
  add("stream-outerJoin-asymmetric", two,
      {out, changelog("oj-outer-shared-join-store", Encoding::kBytes)}, [=](StreamsBuilder& b) {
        b.stream("left", in())
            .outerJoin(
                b.stream("right", in()),
                [](const std::optional<Str>& l, const std::optional<Str>& r) {
                  return opt(l) + "|" + opt(r);
                },
                JoinWindows::ofTimeDifferenceAndGrace(ms(1), ms(1)).before(ms(5)).after(ms(1)),
                sj().withStoreName("oj"))
            .to("out", outS());
      });
  add("selectKey-stream-leftJoin", two, {out, repartition("sj-left")}, [=](StreamsBuilder& b) {
    b.stream("left", in())
        .selectKey(
            [](const Str&, const Str& v) { return Str(1, static_cast<char>('a' + v.size())); })
        .leftJoin(
            b.stream("right", in()),
            [](const Str& k, const Str& l, const std::optional<Str>& r) {
              return k + ":" + l + "|" + opt(r);
            },
            JoinWindows::ofTimeDifferenceAndGrace(ms(6), ms(1)), sj().withName("sj"))
        .to("out", outS());
  });

  // ---- Combinations: value getters through other tables, chains, user topics read back ----
  add("through-user-topic", one, {out_long, {"mid"}, changelog("mid-store", Encoding::kLong)},
      [](StreamsBuilder& b) {
        stream(b).selectKey([](const Str&, const Str& v) { return v; }).to("mid", outS());
        b.stream("mid", in())
            .groupByKey(grouped())
            .count(store("mid-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });
  add("stream-table-join-filtered-table", stream_table, {out}, [](StreamsBuilder& b) {
    auto s = stream(b);
    s.join(table(b, "tbl").filter(evenLength), [](const Str& v, const Str& t) {
       return v + "|" + t;
     }).to("out", outS());
  });
  add("stream-table-leftJoin-mapValues-table", stream_table, {out}, [](StreamsBuilder& b) {
    auto s = stream(b);
    s.leftJoin(table(b, "tbl").mapValues([](const Str& k, Str v) { return k + v; }),
               [](const Str& v, const std::optional<Str>& t) { return v + "|" + opt(t); })
        .to("out", outS());
  });
  add("table-join-groupBy-reduce", two,
      {out, changelog("jc-store", Encoding::kString), repartition("jc")}, [](StreamsBuilder& b) {
        auto left = table(b, "left");
        left.join(table(b, "right"), [](const Str& l, const Str& r) { return l + "|" + r; })
            .groupBy(
                [](const Str& k, const Str& v) {
                  return KeyValue<Str, Str>{std::to_string(v.size()), k};
                },
                grouped("jc"))
            .reduce([](Str a, const Str& v) { return a + "+" + v; },
                    [](Str a, const Str& v) { return a + "-" + v; }, store("jc-store", S()))
            .toStream()
            .to("out", outS());
      });
  add("count-join-table", {"in", "right"}, {out}, [](StreamsBuilder& b) {
    auto counts = stream(b).groupByKey(grouped()).count(store("cj-store", Serdes::Int64()));
    counts
        .join(table(b, "right"),
              [](int64_t c, const Str& r) { return std::to_string(c) + "|" + r; })
        .toStream()
        .to("out", outS());
  });
  add("count-mapValues-filter", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .count(store("cm-store", Serdes::Int64()))
        .mapValues([](int64_t c) { return c * 10; })
        .filter([](const Str&, int64_t c) { return c % 20 == 0; })
        .toStream()
        .to("out", outL());
  });
  add("table-filter-groupBy-count", one,
      {out_long, changelog("tfg-store", Encoding::kLong), repartition("tfg")},
      [](StreamsBuilder& b) {
        table(b)
            .filter(evenLength)
            .groupBy(
                [](const Str& k, const Str& v) {
                  return KeyValue<Str, Str>{v, k};
                },
                grouped("tfg"))
            .count(store("tfg-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });
  add("merge-selectKey-groupByKey-count", {"in", "in2"},
      {out_long, changelog("mrg-store", Encoding::kLong), repartition("mrg")},
      [](StreamsBuilder& b) {
        auto first = stream(b).selectKey([](const Str&, const Str& v) { return v; });
        first
            .merge(
                b.stream("in2", in()).selectKey([](const Str& k, const Str& v) { return k + v; }))
            .groupByKey(grouped("mrg"))
            .count(store("mrg-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });
  add("selectKey-toTable", one, {out, changelog("tts-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        stream(b)
            .selectKey([](const Str&, const Str& v) { return v; })
            .toTable(Named::as("tts"), store("tts-store", S()))
            .toStream()
            .to("out", outS());
      });
  add("table-outerJoin-filter-materialized", two, {out, changelog("ojf-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        auto left = table(b, "left");
        left.outerJoin(table(b, "right"),
                       [](const std::optional<Str>& l, const std::optional<Str>& r) {
                         return opt(l) + "|" + opt(r);
                       })
            .filter([](const Str&, const Str& v) { return v.size() % 2 == 1; },
                    store("ojf-store", S()))
            .toStream()
            .to("out", outS());
      });
  add("stream-two-topics", {"in", "in2"}, {out}, [](StreamsBuilder& b) {
    b.stream({"in", "in2"}, in()).mapValues([](Str v) { return v + "?"; }).to("out", outS());
  });
  add("table-mapValues-materialized-join", two, {out, changelog("mv-store", Encoding::kString)},
      [](StreamsBuilder& b) {
        auto left = table(b, "left").mapValues([](const Str& k, Str v) { return k + v; },
                                               store("mv-store", S()));
        left.join(table(b, "right"), [](const Str& l, const Str& r) { return l + "|" + r; })
            .toStream()
            .to("out", outS());
      });
  add("flatMap-groupByKey-count", one,
      {out_long, changelog("fm-store", Encoding::kLong), repartition("fm")}, [](StreamsBuilder& b) {
        stream(b)
            .flatMap([](Str k, Str v) {
              std::vector<KeyValue<Str, Str>> r;
              for (size_t i = 0; i < v.size(); ++i) r.push_back({v.substr(i, 1), k});
              return r;
            })
            .groupByKey(grouped("fm"))
            .count(store("fm-store", Serdes::Int64()))
            .toStream()
            .to("out", outL());
      });

  // ---- print(): Kafka Streams' line format ----
  const OutputTopic print_file{kPrintFile, Encoding::kString};
  add("print", one, {print_file},
      [](StreamsBuilder& b) { stream(b).print(Printed<Str, Str>::toFile(printPath())); });
  add("table-print", one, {print_file}, [](StreamsBuilder& b) {
    table(b).toStream().print(Printed<Str, std::optional<Str>>::toFile(printPath()));
  });

  // ---- Generated names: the topics of unnamed stores and repartitions are Kafka's too ----
  add("groupBy-count-generated-names", one,
      {out_long, changelog("KSTREAM-AGGREGATE-STATE-STORE-0000000002", Encoding::kLong),
       repartition("KSTREAM-AGGREGATE-STATE-STORE-0000000002")},
      [](StreamsBuilder& b) {
        stream(b)
            .groupBy([](const Str&, const Str& v) { return v; }, grouped())
            .count()
            .toStream()
            .to("out", outL());
      });
  add("repartition-join-generated-names", stream_table,
      {out, repartition("KSTREAM-REPARTITION-0000000002"),
       changelog("tbl-STATE-STORE-0000000006", Encoding::kString)},
      [](StreamsBuilder& b) {
        auto s = stream(b)
                     .selectKey([](const Str&, const Str& v) { return v; })
                     .repartition(Repartitioned<Str, Str>::with(S(), S()));
        s.join(table(b, "tbl"), [](const Str& v, const Str& t) {
           return v + "|" + t;
         }).to("out", outS());
      });
  add("table-groupBy-reduce-generated-names", one,
      {out, changelog("in-STATE-STORE-0000000000", Encoding::kString),
       changelog("KTABLE-AGGREGATE-STATE-STORE-0000000004", Encoding::kString),
       repartition("KTABLE-AGGREGATE-STATE-STORE-0000000004")},
      [](StreamsBuilder& b) {
        table(b)
            .groupBy(
                [](const Str& k, const Str& v) {
                  return KeyValue<Str, Str>{v, k};
                },
                grouped())
            .reduce([](Str a, const Str& v) { return a + "+" + v; },
                    [](Str a, const Str& v) { return a + "-" + v; })
            .toStream()
            .to("out", outS());
      });
  // ---- Suppress and emit strategies (final results) ----
  add("suppress-windowed-untilWindowCloses", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(10),
                                                std::chrono::milliseconds(5)))
        .count(store("sup-win-store", Serdes::Int64()))
        .suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded()))
        .toStream()
        .to("out", outWindowed(Serdes::Int64()));
  });
  add("suppress-hopping-untilWindowCloses", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(
            TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(10), std::chrono::milliseconds(3))
                .advanceBy(std::chrono::milliseconds(5)))
        .count(store("sup-hop-store", Serdes::Int64()))
        .suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded()).withName("final"))
        .toStream()
        .to("out", outWindowed(Serdes::Int64()));
  });
  add("suppress-session-untilWindowCloses", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(sessionWindows())
        .count(store("sup-sess-store", Serdes::Int64()))
        .suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded()))
        .toStream()
        .to("out", outSessions(Serdes::Int64()));
  });
  add("suppress-untilTimeLimit-emitEarly", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .count(store("sup-limit-store", Serdes::Int64()))
        .suppress(Suppressed::untilTimeLimit(std::chrono::milliseconds(5),
                                             BufferConfig::maxRecords(2).emitEarlyWhenFull()))
        .toStream()
        .to("out", outL());
  });
  add("suppress-untilTimeLimit-maxBytes", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .count(store("sup-bytes-store", Serdes::Int64()))
        .suppress(Suppressed::untilTimeLimit(std::chrono::milliseconds(8),
                                             BufferConfig::maxBytes(200).emitEarlyWhenFull()))
        .toStream()
        .to("out", outL());
  });
  // A filtered table's deletes are buffered and forwarded too (untilTimeLimit keeps tombstones).
  add("suppress-table-filter-untilTimeLimit", one, {out}, [](StreamsBuilder& b) {
    table(b)
        .filter(evenLength)
        .suppress(
            Suppressed::untilTimeLimit(std::chrono::milliseconds(3), BufferConfig::unbounded())
                .withName("lim"))
        .toStream()
        .to("out", outS());
  });
  add("windowedBy-count-onWindowClose", one,
      {out_long, changelog("win-close-store", Encoding::kLong)}, [](StreamsBuilder& b) {
        stream(b)
            .groupByKey(grouped())
            .windowedBy(TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(10),
                                                    std::chrono::milliseconds(5)))
            .emitStrategy(EmitStrategy::onWindowClose())
            .count(store("win-close-store", Serdes::Int64()))
            .toStream()
            .to("out", outWindowed(Serdes::Int64()));
      });
  add("windowedBy-hopping-reduce-onWindowClose", one, {out}, [](StreamsBuilder& b) {
    stream(b)
        .filter([](const Str&, const Str& v) { return !v.empty(); })
        .groupByKey(grouped())
        .windowedBy(
            TimeWindows::ofSizeAndGrace(std::chrono::milliseconds(10), std::chrono::milliseconds(3))
                .advanceBy(std::chrono::milliseconds(5)))
        .emitStrategy(EmitStrategy::onWindowClose())
        .reduce([](Str a, const Str& v) { return a + "|" + v; }, store("win-close-red-store", S()))
        .toStream()
        .to("out", outWindowed(S()));
  });
  add("windowedBy-onWindowUpdate", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(TimeWindows::ofSizeWithNoGrace(std::chrono::milliseconds(10)))
        .emitStrategy(EmitStrategy::onWindowUpdate())
        .count(store("win-update-store", Serdes::Int64()))
        .toStream()
        .to("out", outWindowed(Serdes::Int64()));
  });
  add("sessionWindowedBy-count-onWindowClose", one, {out_long}, [](StreamsBuilder& b) {
    stream(b)
        .groupByKey(grouped())
        .windowedBy(sessionWindows())
        .emitStrategy(EmitStrategy::onWindowClose())
        .count(store("sess-close-store", Serdes::Int64()).withCachingDisabled())
        .toStream()
        .to("out", outSessions(Serdes::Int64()));
  });
  return f;
}

}  // namespace

std::string& printPath() {
  static std::string path;
  return path;
}

const std::vector<Family>& families() {
  static const std::vector<Family> all = makeFamilies();
  return all;
}

}  // namespace kstreams::differential
