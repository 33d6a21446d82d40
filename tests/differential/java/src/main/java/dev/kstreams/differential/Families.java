package dev.kstreams.differential;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.Joined;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Printed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.Suppressed.BufferConfig;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.processor.api.ContextualFixedKeyProcessor;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The topologies of the differential suite, one entry per family. Each must be built exactly as
 * its twin in tests/differential/families.cc: same operators in the same order, same names for
 * stores and repartition topics, same serdes (String in, String or Long out).
 *
 * <p>The C++ functions take std::string, which reads a Kafka null as "" (kstreams/serdes.h); the
 * functions here see Java's null and go through nz() so that both sides compute the same thing
 * from the same input, and what differs is the library's handling of the null around them.
 */
final class Families {
  private static final Serde<String> S = Serdes.String();
  private static final Serde<Long> L = Serdes.Long();
  private static final Consumed<String, String> IN = Consumed.with(S, S);
  private static final Produced<String, String> OUT_S = Produced.with(S, S);
  private static final Produced<String, Long> OUT_L = Produced.with(S, L);

  private static final Map<String, Consumer<StreamsBuilder>> FAMILIES = new LinkedHashMap<>();

  /** The file the print() families write to; the runner sets it before building each scenario. */
  static String printPath;

  static void build(String family, StreamsBuilder builder) {
    Consumer<StreamsBuilder> f = FAMILIES.get(family);
    if (f == null) throw new IllegalArgumentException("unknown family " + family);
    f.accept(builder);
  }

  static Iterable<String> names() {
    return FAMILIES.keySet();
  }

  /** Counts records; every 3 ms of stream time forwards ("tick", "count@time/streamTime"). */
  private static final class StreamTimeTicker
      extends ContextualProcessor<String, String, String, String> {
    private long count;

    @Override
    public void init(ProcessorContext<String, String> context) {
      super.init(context);
      context.schedule(
          Duration.ofMillis(3),
          PunctuationType.STREAM_TIME,
          ts ->
              context()
                  .forward(
                      new Record<>(
                          "tick", count + "@" + ts + "/" + context().currentStreamTimeMs(), ts)));
    }

    @Override
    public void process(Record<String, String> r) {
      count++;
      context().forward(r);
    }
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static String opt(String s) {
    return s == null ? "null" : s;
  }

  private static boolean evenLength(String k, String v) {
    return nz(v).length() % 2 == 0;
  }

  private static KStream<String, String> in(StreamsBuilder b) {
    return b.stream("in", IN);
  }

  private static <VA> Materialized<String, VA, KeyValueStore<Bytes, byte[]>> store(
      String name, Serde<VA> valueSerde) {
    return Materialized.<String, VA, KeyValueStore<Bytes, byte[]>>as(name)
        .withKeySerde(S)
        .withValueSerde(valueSerde);
  }

  private static <VA> Materialized<String, VA, WindowStore<Bytes, byte[]>> wstore(
      String name, Serde<VA> valueSerde) {
    return Materialized.<String, VA, WindowStore<Bytes, byte[]>>as(name)
        .withKeySerde(S)
        .withValueSerde(valueSerde);
  }

  private static <VA> Materialized<String, VA, SessionStore<Bytes, byte[]>> sstore(
      String name, Serde<VA> valueSerde) {
    return Materialized.<String, VA, SessionStore<Bytes, byte[]>>as(name)
        .withKeySerde(S)
        .withValueSerde(valueSerde);
  }

  private static <V> Produced<Windowed<String>, V> outSessions(Serde<V> valueSerde) {
    return Produced.with(WindowedSerdes.sessionWindowedSerdeFrom(String.class), valueSerde);
  }

  private static SessionWindows sessionWindows() {
    return SessionWindows.ofInactivityGapAndGrace(Duration.ofMillis(3), Duration.ofMillis(2));
  }

  // Windowed outputs: the time-windowed key serde of 10 ms windows.
  private static <V> Produced<Windowed<String>, V> outWindowed(Serde<V> valueSerde) {
    return Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, 10L), valueSerde);
  }

  private static void add(String name, Consumer<StreamsBuilder> f) {
    FAMILIES.put(name, f);
  }

  static {
    // ---- Stateless ----
    add("passthrough", b -> in(b).to("out", OUT_S));
    add("filter", b -> in(b).filter(Families::evenLength).to("out", OUT_S));
    add("filterNot", b -> in(b).filterNot(Families::evenLength).to("out", OUT_S));
    add(
        "map",
        b -> in(b).map((k, v) -> KeyValue.pair(nz(v), nz(k) + ":" + nz(v))).to("out", OUT_S));
    add("mapValues", b -> in(b).mapValues(v -> nz(v) + "!").to("out", OUT_S));
    add(
        "mapValuesWithKey",
        b -> in(b).mapValues((k, v) -> nz(k) + "=" + nz(v)).to("out", OUT_S));
    add(
        "flatMap",
        b ->
            in(b)
                .flatMap(
                    (k, v) -> {
                      List<KeyValue<String, String>> out = new ArrayList<>();
                      for (int i = 0; i < nz(v).length(); i++) {
                        out.add(KeyValue.pair(nz(k) + i, nz(v).substring(i, i + 1)));
                      }
                      return out;
                    })
                .to("out", OUT_S));
    add(
        "flatMapValues",
        b ->
            in(b)
                .flatMapValues(
                    v -> {
                      List<String> out = new ArrayList<>();
                      for (int i = 0; i < nz(v).length(); i++) out.add(nz(v).substring(0, i + 1));
                      return out;
                    })
                .to("out", OUT_S));
    add("selectKey", b -> in(b).selectKey((k, v) -> nz(v)).to("out", OUT_S));
    add("peek", b -> in(b).peek((k, v) -> {}).to("out", OUT_S));
    add(
        "split",
        b ->
            in(b)
                .split(Named.as("split-"))
                .branch((k, v) -> nz(k).equals("a"), Branched.withConsumer(s -> s.to("out-a", OUT_S)))
                .branch(
                    (k, v) -> nz(v).length() > 1, Branched.withConsumer(s -> s.to("out-b", OUT_S)))
                .defaultBranch(Branched.withConsumer(s -> s.to("out-c", OUT_S))));
    add("merge", b -> in(b).merge(b.stream("in2", IN)).to("out", OUT_S));
    add(
        "repartition",
        b ->
            in(b)
                .selectKey((k, v) -> nz(v))
                .repartition(Repartitioned.with(S, S).withName("rp"))
                .mapValues((k, v) -> nz(k) + "/" + nz(v))
                .to("out", OUT_S));
    add(
        "processValues",
        b ->
            in(b)
                .processValues(
                    () ->
                        new ContextualFixedKeyProcessor<String, String, String>() {
                          @Override
                          public void process(FixedKeyRecord<String, String> r) {
                            context()
                                .forward(
                                    r.withValue(nz(r.value()).toUpperCase())
                                        .withTimestamp(r.timestamp() + 1));
                          }
                        })
                .to("out", OUT_S));
    add(
        "process",
        b ->
            in(b)
                .process(
                    () ->
                        new ContextualProcessor<String, String, String, String>() {
                          @Override
                          public void process(Record<String, String> r) {
                            context().forward(r.withKey(nz(r.value())).withValue(nz(r.key())));
                            if (nz(r.value()).length() > 1) {
                              context().forward(r.withValue("twice"));
                            }
                          }
                        })
                .to("out", OUT_S));

    // Event time: stream-time punctuation, and a user timestamp extractor feeding it.
    add("process-punctuate", b -> in(b).process(StreamTimeTicker::new).to("out", OUT_S));
    add(
        "extractor-punctuate",
        b ->
            b.stream(
                    "in",
                    Consumed.with(S, S)
                        .withTimestampExtractor(
                            (r, partitionTime) ->
                                r.timestamp() + 10L * nz((String) r.value()).length()))
                .process(StreamTimeTicker::new)
                .to("out", OUT_S));

    // ---- KGroupedStream ----
    add(
        "groupByKey-count",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .count(store("count-store", L))
                .toStream()
                .to("out", OUT_L));
    add(
        "groupByKey-reduce",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .reduce((a, v) -> a + "|" + v, store("reduce-store", S))
                .toStream()
                .to("out", OUT_S));
    add(
        "groupByKey-aggregate",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .aggregate(() -> 0L, (k, v, agg) -> agg + 1 + nz(v).length(), store("agg-store", L))
                .toStream()
                .to("out", OUT_L));
    // ---- TimeWindowedKStream (emit on every update; late records dropped) ----
    add(
        "windowedBy-count",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
                .count(wstore("win-count-store", L))
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "windowedBy-hopping-count",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(
                    TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(3))
                        .advanceBy(Duration.ofMillis(5)))
                .count()
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "windowedBy-reduce",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(10)))
                .reduce((a, v) -> a + "|" + nz(v), wstore("win-reduce-store", S))
                .toStream()
                .to("out", outWindowed(S)));
    add(
        "windowedBy-aggregate",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(20)))
                .aggregate(
                    () -> 0L, (k, v, agg) -> agg + 1 + nz(v).length(), wstore("win-agg-store", L))
                .toStream()
                .to("out", outWindowed(L)));
    // ---- SlidingWindowedKStream (caching as in families.cc) ----
    add(
        "slidingWindowedBy-count",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(
                    SlidingWindows.ofTimeDifferenceAndGrace(
                        Duration.ofMillis(10), Duration.ofMillis(5)))
                .count(wstore("slide-count-store", L))
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "slidingWindowedBy-count-nograce",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis(5)))
                .count(
                    Materialized.<String, Long, WindowStore<Bytes, byte[]>>with(S, L)
                        .withCachingDisabled())
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "slidingWindowedBy-count-early",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(
                    SlidingWindows.ofTimeDifferenceAndGrace(
                        Duration.ofMillis(1010), Duration.ofMillis(3)))
                .count(wstore("slide-early-store", L).withCachingDisabled())
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "slidingWindowedBy-reduce",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(
                    SlidingWindows.ofTimeDifferenceAndGrace(
                        Duration.ofMillis(10), Duration.ofMillis(20)))
                .reduce(
                    (a, v) -> a + "|" + nz(v), wstore("slide-reduce-store", S))
                .toStream()
                .to("out", outWindowed(S)));
    add(
        "slidingWindowedBy-aggregate",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis(10)))
                .aggregate(
                    () -> 0L,
                    (k, v, agg) -> agg + 1 + nz(v).length(),
                    wstore("slide-agg-store", L).withCachingDisabled())
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "groupBy-slidingWindowedBy-count",
        b ->
            in(b)
                .groupBy((k, v) -> nz(v), Grouped.with("gbs", S, S))
                .windowedBy(
                    SlidingWindows.ofTimeDifferenceAndGrace(
                        Duration.ofMillis(10), Duration.ofMillis(5)))
                .count(wstore("gbs-count-store", L))
                .toStream()
                .to("out", outWindowed(L)));
    // ---- SessionWindowedKStream (caching as the mode says, see families.cc) ----
    add(
        "sessionWindowedBy-count",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(sessionWindows())
                .count(sstore("sess-count-store", L))
                .toStream()
                .to("out", outSessions(L)));
    add(
        "sessionWindowedBy-aggregate",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(sessionWindows())
                .aggregate(
                    () -> 0L,
                    (k, v, agg) -> agg + 1 + nz(v).length(),
                    (k, a, c) -> a + c,
                    sstore("sess-agg-store", L))
                .toStream()
                .to("out", outSessions(L)));
    add(
        "sessionWindowedBy-reduce",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(sessionWindows())
                .reduce((a, v) -> a + "|" + nz(v), sstore("sess-reduce-store", S))
                .toStream()
                .to("out", outSessions(S)));
    add(
        "groupBy-count",
        b ->
            in(b)
                .groupBy((k, v) -> nz(v), Grouped.with("gb", S, S))
                .count(store("gb-count-store", L))
                .toStream()
                .to("out", OUT_L));
    add(
        "groupBy-reduce",
        b ->
            in(b)
                .groupBy((k, v) -> String.valueOf(nz(v).length()), Grouped.with("gbr", S, S))
                .reduce((a, v) -> a + "|" + v, store("gbr-store", S))
                .toStream()
                .to("out", OUT_S));
    add(
        "selectKey-groupByKey-aggregate",
        b ->
            in(b)
                .selectKey((k, v) -> nz(v))
                .groupByKey(Grouped.with("skg", S, S))
                .aggregate(() -> "", (k, v, agg) -> agg + "<" + nz(v) + ">", store("skg-store", S))
                .toStream()
                .to("out", OUT_S));
    add(
        "toTable",
        b -> in(b).toTable(store("tt-store", S)).toStream().to("out", OUT_S));

    // ---- KTable ----
    add("table", b -> b.table("in", IN).toStream().to("out", OUT_S));
    add(
        "table-materialized",
        b -> b.table("in", IN, store("t-store", S)).toStream().to("out", OUT_S));
    add(
        "table-filter",
        b -> b.table("in", IN).filter(Families::evenLength).toStream().to("out", OUT_S));
    add(
        "table-filterNot-materialized-source",
        b ->
            b.table("in", IN, store("tf-src", S))
                .filterNot(Families::evenLength)
                .toStream()
                .to("out", OUT_S));
    add(
        "table-filter-materialized",
        b ->
            b.table("in", IN)
                .filter(Families::evenLength, store("tf-store", S))
                .toStream()
                .to("out", OUT_S));
    add(
        "table-mapValues",
        b -> b.table("in", IN).mapValues((k, v) -> nz(k) + "=" + nz(v)).toStream().to("out", OUT_S));
    add(
        "table-groupBy-count",
        b ->
            b.table("in", IN)
                .groupBy(
                    (k, v) -> KeyValue.pair(String.valueOf(nz(v).length()), nz(v)),
                    Grouped.with("tgb", S, S))
                .count(store("tgb-store", L))
                .toStream()
                .to("out", OUT_L));
    add(
        "table-groupBy-reduce",
        b ->
            b.table("in", IN)
                .groupBy(
                    (k, v) -> KeyValue.pair(String.valueOf(nz(v).length()), nz(k) + nz(v)),
                    Grouped.with("tgr", S, S))
                .reduce((a, v) -> a + "+" + v, (a, v) -> a + "-" + v, store("tgr-store", S))
                .toStream()
                .to("out", OUT_S));
    add(
        "table-groupBy-aggregate",
        b ->
            b.table("in", IN)
                .groupBy((k, v) -> KeyValue.pair(nz(v), nz(k)), Grouped.with("tga", S, S))
                .aggregate(
                    () -> 0L,
                    (k, v, agg) -> agg + 1 + nz(v).length(),
                    (k, v, agg) -> agg - 1 - nz(v).length(),
                    store("tga-store", L))
                .toStream()
                .to("out", OUT_L));

    // ---- Joins ----
    add(
        "table-join",
        b ->
            b.table("left", IN)
                .join(b.table("right", IN), (l, r) -> nz(l) + "|" + nz(r))
                .toStream()
                .to("out", OUT_S));
    add(
        "table-leftJoin",
        b ->
            b.table("left", IN)
                .leftJoin(b.table("right", IN), (l, r) -> nz(l) + "|" + opt(r))
                .toStream()
                .to("out", OUT_S));
    add(
        "table-outerJoin",
        b ->
            b.table("left", IN)
                .outerJoin(b.table("right", IN), (l, r) -> opt(l) + "|" + opt(r))
                .toStream()
                .to("out", OUT_S));
    add(
        "table-join-materialized",
        b ->
            b.table("left", IN, store("jl-store", S))
                .join(b.table("right", IN), (l, r) -> nz(l) + "|" + nz(r), store("j-store", S))
                .toStream()
                .to("out", OUT_S));
    add(
        "stream-table-join",
        b ->
            in(b)
                .join(b.table("tbl", IN), (v, t) -> nz(v) + "|" + nz(t))
                .to("out", OUT_S));
    add(
        "stream-table-leftJoin",
        b ->
            in(b)
                .leftJoin(b.table("tbl", IN), (v, t) -> nz(v) + "|" + opt(t))
                .to("out", OUT_S));
    add(
        "selectKey-stream-table-join",
        b ->
            in(b)
                .selectKey((k, v) -> String.valueOf((char) ('a' + nz(v).length())))
                .join(
                    b.table("tbl", IN),
                    (k, v, t) -> nz(k) + ":" + nz(v) + "|" + nz(t),
                    Joined.with(S, S, S).withName("stj"))
                .to("out", OUT_S));

    // ---- Stream-stream joins (windows of a few ms over the inputs' timestamps) ----
    add(
        "stream-join",
        b ->
            b.stream("left", IN)
                .join(
                    b.stream("right", IN),
                    (l, r) -> nz(l) + "|" + nz(r),
                    JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(5), Duration.ofMillis(3)),
                    StreamJoined.with(S, S, S))
                .to("out", OUT_S));
    add(
        "stream-join-asymmetric",
        b ->
            b.stream("left", IN)
                .join(
                    b.stream("right", IN),
                    (l, r) -> nz(l) + "|" + nz(r),
                    JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(2), Duration.ofMillis(4))
                        .before(Duration.ofMillis(0))
                        .after(Duration.ofMillis(6)),
                    StreamJoined.with(S, S, S))
                .to("out", OUT_S));
    add(
        "stream-leftJoin",
        b ->
            b.stream("left", IN)
                .leftJoin(
                    b.stream("right", IN),
                    (l, r) -> nz(l) + "|" + opt(r),
                    JoinWindows.ofTimeDifferenceWithNoGrace(Duration.ofMillis(4)),
                    StreamJoined.with(S, S, S))
                .to("out", OUT_S));
    add(
        "stream-outerJoin",
        b ->
            b.stream("left", IN)
                .outerJoin(
                    b.stream("right", IN),
                    (l, r) -> opt(l) + "|" + opt(r),
                    JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(3), Duration.ofMillis(2)),
                    StreamJoined.with(S, S, S))
                .to("out", OUT_S));
    add(
        "stream-outerJoin-asymmetric",
        b ->
            b.stream("left", IN)
                .outerJoin(
                    b.stream("right", IN),
                    (l, r) -> opt(l) + "|" + opt(r),
                    JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(1), Duration.ofMillis(1))
                        .before(Duration.ofMillis(5))
                        .after(Duration.ofMillis(1)),
                    StreamJoined.with(S, S, S).withStoreName("oj"))
                .to("out", OUT_S));
    add(
        "selectKey-stream-leftJoin",
        b ->
            b.stream("left", IN)
                .selectKey((k, v) -> String.valueOf((char) ('a' + nz(v).length())))
                .leftJoin(
                    b.stream("right", IN),
                    (k, l, r) -> nz(k) + ":" + nz(l) + "|" + opt(r),
                    JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(6), Duration.ofMillis(1)),
                    StreamJoined.with(S, S, S).withName("sj"))
                .to("out", OUT_S));

    // ---- Combinations: value getters through other tables, chains, user topics read back ----
    add(
        "through-user-topic",
        b -> {
          in(b).selectKey((k, v) -> nz(v)).to("mid", OUT_S);
          b.stream("mid", IN)
              .groupByKey(Grouped.with(S, S))
              .count(store("mid-store", L))
              .toStream()
              .to("out", OUT_L);
        });
    add(
        "stream-table-join-filtered-table",
        b -> {
          KStream<String, String> s = in(b);
          s.join(b.table("tbl", IN).filter(Families::evenLength), (v, t) -> nz(v) + "|" + nz(t))
              .to("out", OUT_S);
        });
    add(
        "stream-table-leftJoin-mapValues-table",
        b -> {
          KStream<String, String> s = in(b);
          s.leftJoin(
                  b.table("tbl", IN).mapValues((k, v) -> nz(k) + nz(v)),
                  (v, t) -> nz(v) + "|" + opt(t))
              .to("out", OUT_S);
        });
    add(
        "table-join-groupBy-reduce",
        b -> {
          KTable<String, String> left = b.table("left", IN);
          left.join(b.table("right", IN), (l, r) -> nz(l) + "|" + nz(r))
              .groupBy(
                  (k, v) -> KeyValue.pair(String.valueOf(nz(v).length()), nz(k)),
                  Grouped.with("jc", S, S))
              .reduce((a, v) -> a + "+" + v, (a, v) -> a + "-" + v, store("jc-store", S))
              .toStream()
              .to("out", OUT_S);
        });
    add(
        "count-join-table",
        b -> {
          KTable<String, Long> counts =
              in(b).groupByKey(Grouped.with(S, S)).count(store("cj-store", L));
          counts
              .join(b.table("right", IN), (c, r) -> c + "|" + nz(r))
              .toStream()
              .to("out", OUT_S);
        });
    add(
        "count-mapValues-filter",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .count(store("cm-store", L))
                .mapValues(c -> c * 10)
                .filter((k, c) -> c % 20 == 0)
                .toStream()
                .to("out", OUT_L));
    add(
        "table-filter-groupBy-count",
        b ->
            b.table("in", IN)
                .filter(Families::evenLength)
                .groupBy((k, v) -> KeyValue.pair(nz(v), nz(k)), Grouped.with("tfg", S, S))
                .count(store("tfg-store", L))
                .toStream()
                .to("out", OUT_L));
    add(
        "merge-selectKey-groupByKey-count",
        b ->
            in(b)
                .selectKey((k, v) -> nz(v))
                .merge(b.stream("in2", IN).selectKey((k, v) -> nz(k) + nz(v)))
                .groupByKey(Grouped.with("mrg", S, S))
                .count(store("mrg-store", L))
                .toStream()
                .to("out", OUT_L));
    add(
        "selectKey-toTable",
        b ->
            in(b)
                .selectKey((k, v) -> nz(v))
                .toTable(Named.as("tts"), store("tts-store", S))
                .toStream()
                .to("out", OUT_S));
    add(
        "table-outerJoin-filter-materialized",
        b -> {
          KTable<String, String> left = b.table("left", IN);
          left.outerJoin(b.table("right", IN), (l, r) -> opt(l) + "|" + opt(r))
              .filter((k, v) -> v.length() % 2 == 1, store("ojf-store", S))
              .toStream()
              .to("out", OUT_S);
        });
    add(
        "stream-two-topics",
        b -> b.stream(List.of("in", "in2"), IN).mapValues(v -> nz(v) + "?").to("out", OUT_S));
    add(
        "table-mapValues-materialized-join",
        b -> {
          KTable<String, String> left =
              b.table("left", IN).mapValues((k, v) -> nz(k) + nz(v), store("mv-store", S));
          left.join(b.table("right", IN), (l, r) -> nz(l) + "|" + nz(r))
              .toStream()
              .to("out", OUT_S);
        });
    add(
        "flatMap-groupByKey-count",
        b ->
            in(b)
                .flatMap(
                    (k, v) -> {
                      List<KeyValue<String, String>> out = new ArrayList<>();
                      for (int i = 0; i < nz(v).length(); i++) {
                        out.add(KeyValue.pair(nz(v).substring(i, i + 1), nz(k)));
                      }
                      return out;
                    })
                .groupByKey(Grouped.with("fm", S, S))
                .count(store("fm-store", L))
                .toStream()
                .to("out", OUT_L));

    // ---- print(): Kafka Streams' line format ----
    add("print", b -> in(b).print(Printed.toFile(printPath)));
    add("table-print", b -> b.table("in", IN).toStream().print(Printed.toFile(printPath)));

    // ---- Generated names: the topics of unnamed stores and repartitions are Kafka's too ----
    add(
        "groupBy-count-generated-names",
        b ->
            in(b)
                .groupBy((k, v) -> nz(v), Grouped.with(S, S))
                .count()
                .toStream()
                .to("out", OUT_L));
    add(
        "repartition-join-generated-names",
        b ->
            in(b)
                .selectKey((k, v) -> nz(v))
                .repartition(Repartitioned.with(S, S))
                .join(b.table("tbl", IN), (v, t) -> nz(v) + "|" + nz(t))
                .to("out", OUT_S));
    add(
        "table-groupBy-reduce-generated-names",
        b ->
            b.table("in", IN)
                .groupBy((k, v) -> KeyValue.pair(nz(v), nz(k)), Grouped.with(S, S))
                .reduce((a, v) -> a + "+" + v, (a, v) -> a + "-" + v)
                .toStream()
                .to("out", OUT_S));
    add(
        "suppress-windowed-untilWindowCloses",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
                .count(wstore("sup-win-store", L))
                .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "suppress-hopping-untilWindowCloses",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(
                    TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(3))
                        .advanceBy(Duration.ofMillis(5)))
                .count(wstore("sup-hop-store", L))
                .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName("final"))
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "suppress-session-untilWindowCloses",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(sessionWindows())
                .count(sstore("sup-sess-store", L))
                .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
                .toStream()
                .to("out", outSessions(L)));
    add(
        "suppress-untilTimeLimit-emitEarly",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .count(store("sup-limit-store", L))
                .suppress(
                    Suppressed.untilTimeLimit(
                        Duration.ofMillis(5), BufferConfig.maxRecords(2).emitEarlyWhenFull()))
                .toStream()
                .to("out", OUT_L));
    add(
        "suppress-untilTimeLimit-maxBytes",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .count(store("sup-bytes-store", L))
                .suppress(
                    Suppressed.untilTimeLimit(
                        Duration.ofMillis(8), BufferConfig.maxBytes(200).emitEarlyWhenFull()))
                .toStream()
                .to("out", OUT_L));
    add(
        "suppress-table-filter-untilTimeLimit",
        b ->
            b.table("in", IN)
                .filter(Families::evenLength)
                .suppress(
                    Suppressed.untilTimeLimit(Duration.ofMillis(3), BufferConfig.unbounded())
                        .withName("lim"))
                .toStream()
                .to("out", OUT_S));
    add(
        "windowedBy-count-onWindowClose",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(5)))
                .emitStrategy(EmitStrategy.onWindowClose())
                .count(wstore("win-close-store", L))
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "windowedBy-hopping-reduce-onWindowClose",
        b ->
            in(b)
                .filter((k, v) -> !nz(v).isEmpty())
                .groupByKey(Grouped.with(S, S))
                .windowedBy(
                    TimeWindows.ofSizeAndGrace(Duration.ofMillis(10), Duration.ofMillis(3))
                        .advanceBy(Duration.ofMillis(5)))
                .emitStrategy(EmitStrategy.onWindowClose())
                .reduce((a, v) -> a + "|" + nz(v), wstore("win-close-red-store", S))
                .toStream()
                .to("out", outWindowed(S)));
    add(
        "windowedBy-onWindowUpdate",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(10)))
                .emitStrategy(EmitStrategy.onWindowUpdate())
                .count(wstore("win-update-store", L))
                .toStream()
                .to("out", outWindowed(L)));
    add(
        "sessionWindowedBy-count-onWindowClose",
        b ->
            in(b)
                .groupByKey(Grouped.with(S, S))
                .windowedBy(sessionWindows())
                .emitStrategy(EmitStrategy.onWindowClose())
                .count(sstore("sess-close-store", L))
                .toStream()
                .to("out", outSessions(L)));
  }

  private Families() {}
}
