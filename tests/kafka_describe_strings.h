// Expected describe() strings shared by several tests, verbatim from Kafka Streams' own tests.
#pragma once

namespace kstreams::testing_strings {

// KStreamImplTest: the table-table join of two streams turned into tables, with a sink. Built
// once by hand with the Processor API (dsl_test.cc) and once with the DSL (stateful_dsl_test.cc).
inline constexpr const char* kTableTableJoinDescription =
    "Topologies:\n"
    "   Sub-topology: 0\n"
    "    Source: KSTREAM-SOURCE-0000000000 (topics: [left])\n"
    "      --> KSTREAM-TOTABLE-0000000001\n"
    "    Source: KSTREAM-SOURCE-0000000003 (topics: [right])\n"
    "      --> KSTREAM-TOTABLE-0000000004\n"
    "    Processor: KSTREAM-TOTABLE-0000000001 (stores: "
    "[KSTREAM-TOTABLE-STATE-STORE-0000000002])\n"
    "      --> KTABLE-JOINTHIS-0000000007\n"
    "      <-- KSTREAM-SOURCE-0000000000\n"
    "    Processor: KSTREAM-TOTABLE-0000000004 (stores: "
    "[KSTREAM-TOTABLE-STATE-STORE-0000000005])\n"
    "      --> KTABLE-JOINOTHER-0000000008\n"
    "      <-- KSTREAM-SOURCE-0000000003\n"
    "    Processor: KTABLE-JOINOTHER-0000000008 (stores: "
    "[KSTREAM-TOTABLE-STATE-STORE-0000000002])\n"
    "      --> KTABLE-MERGE-0000000006\n"
    "      <-- KSTREAM-TOTABLE-0000000004\n"
    "    Processor: KTABLE-JOINTHIS-0000000007 (stores: "
    "[KSTREAM-TOTABLE-STATE-STORE-0000000005])\n"
    "      --> KTABLE-MERGE-0000000006\n"
    "      <-- KSTREAM-TOTABLE-0000000001\n"
    "    Processor: KTABLE-MERGE-0000000006 (stores: [])\n"
    "      --> KTABLE-TOSTREAM-0000000009\n"
    "      <-- KTABLE-JOINTHIS-0000000007, KTABLE-JOINOTHER-0000000008\n"
    "    Processor: KTABLE-TOSTREAM-0000000009 (stores: [])\n"
    "      --> KSTREAM-SINK-0000000010\n"
    "      <-- KTABLE-MERGE-0000000006\n"
    "    Sink: KSTREAM-SINK-0000000010 (topic: output)\n"
    "      <-- KTABLE-TOSTREAM-0000000009\n"
    "\n";

// TopologyTest#streamStreamJoinTopologyWithDefaultStoresNames: an inner stream-stream join.
// Built by hand with the Processor API (dsl_test.cc) and with the DSL (stream_stream_join_test.cc).
inline constexpr const char* kStreamStreamJoinDescription =
    "Topologies:\n"
    "   Sub-topology: 0\n"
    "    Source: KSTREAM-SOURCE-0000000000 (topics: [input-topic1])\n"
    "      --> KSTREAM-WINDOWED-0000000002\n"
    "    Source: KSTREAM-SOURCE-0000000001 (topics: [input-topic2])\n"
    "      --> KSTREAM-WINDOWED-0000000003\n"
    "    Processor: KSTREAM-WINDOWED-0000000002 (stores: [KSTREAM-JOINTHIS-0000000004-store])\n"
    "      --> KSTREAM-JOINTHIS-0000000004\n"
    "      <-- KSTREAM-SOURCE-0000000000\n"
    "    Processor: KSTREAM-WINDOWED-0000000003 (stores: [KSTREAM-JOINOTHER-0000000005-store])\n"
    "      --> KSTREAM-JOINOTHER-0000000005\n"
    "      <-- KSTREAM-SOURCE-0000000001\n"
    "    Processor: KSTREAM-JOINOTHER-0000000005 (stores: [KSTREAM-JOINTHIS-0000000004-store])\n"
    "      --> KSTREAM-MERGE-0000000006\n"
    "      <-- KSTREAM-WINDOWED-0000000003\n"
    "    Processor: KSTREAM-JOINTHIS-0000000004 (stores: [KSTREAM-JOINOTHER-0000000005-store])\n"
    "      --> KSTREAM-MERGE-0000000006\n"
    "      <-- KSTREAM-WINDOWED-0000000002\n"
    "    Processor: KSTREAM-MERGE-0000000006 (stores: [])\n"
    "      --> none\n"
    "      <-- KSTREAM-JOINTHIS-0000000004, KSTREAM-JOINOTHER-0000000005\n"
    "\n";

}  // namespace kstreams::testing_strings
