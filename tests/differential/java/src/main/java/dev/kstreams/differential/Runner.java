package dev.kstreams.differential;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The reference side of the differential suite: reads scenarios from stdin, runs each through
 * Kafka Streams' own TopologyTestDriver, writes what every input record caused to stdout.
 *
 * <p>Protocol (one token per field, separated by single spaces; a key or value is "-" for a
 * Kafka null, else "=" followed by its bytes in lower-case hex, so "=" alone is the empty string;
 * headers are "~" for none, else key and value fields run together, pairs separated by ","):
 *
 * <pre>
 * in:  S id family cache(0|1) out-topic,out-topic,...
 *      I topic key value timestamp headers    (repeated: the inputs, piped in this order)
 *      E
 * out: F family                               (first, once per family this side knows)
 *      S id
 *      O index topic key value timestamp headers  (what input number `index` caused, topics in
 *                                              the order given, records in the order written)
 *      X index message                        (input `index` threw; nothing after it is piped;
 *                                              index -1: the topology could not be built)
 *      E id
 * </pre>
 *
 * The output "topic" @print is the file the print() families write. Kafka Streams flushes a
 * print() file only when the driver closes, so its lines are reported after the last input, with
 * index = the number of inputs, each as a record with a null key, the line as value, timestamp 0
 * and no headers.
 *
 * Scenarios are independent: each gets its own driver and state directory.
 */
public final class Runner {
  public static void main(String[] args) throws IOException {
    Path stateRoot = Files.createTempDirectory("kstreams-differential-");
    try (BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out =
            new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8))) {
      for (String family : Families.names()) out.write("F " + family + "\n");
      String line;
      Scenario scenario = null;
      while ((line = in.readLine()) != null) {
        if (line.isEmpty()) continue;
        String[] f = line.split(" ", -1);
        switch (f[0]) {
          case "S":
            scenario = new Scenario(f[1], f[2], f[3].equals("1"), List.of(f[4].split(",")));
            break;
          case "I":
            scenario.inputs.add(
                new Input(
                    f[1], decode(f[2]), decode(f[3]), Long.parseLong(f[4]), decodeHeaders(f[5])));
            break;
          case "E":
            run(scenario, stateRoot, out);
            scenario = null;
            break;
          default:
            throw new IllegalArgumentException("bad line: " + line);
        }
      }
    } finally {
      deleteRecursively(stateRoot);
    }
  }

  private record Input(String topic, byte[] key, byte[] value, long timestamp, Headers headers) {}

  private static final class Scenario {
    final String id;
    final String family;
    final boolean caching;
    final List<String> outputs;
    final List<Input> inputs = new ArrayList<>();

    Scenario(String id, String family, boolean caching, List<String> outputs) {
      this.id = id;
      this.family = family;
      this.caching = caching;
      this.outputs = outputs;
    }
  }

  private static void run(Scenario s, Path stateRoot, BufferedWriter out) throws IOException {
    out.write("S " + s.id + "\n");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "diff");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateRoot.resolve(s.id).toString());
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, s.caching ? 10 * 1024 * 1024 : 0);
    TopologyTestDriver driver;
    Path printFile = stateRoot.resolve(s.id + ".print");
    Families.printPath = printFile.toString();
    try {
      StreamsBuilder builder = new StreamsBuilder();
      Families.build(s.family, builder);
      Topology topology = builder.build();
      driver = new TopologyTestDriver(topology, props);
    } catch (RuntimeException e) {
      out.write("X -1 " + oneLine(e) + "\n");
      out.write("E " + s.id + "\n");
      return;
    }
    try {
      Map<String, TestInputTopic<byte[], byte[]>> inputs = new HashMap<>();
      Map<String, TestOutputTopic<byte[], byte[]>> outputs = new LinkedHashMap<>();
      for (String topic : s.outputs) {
        if (topic.equals("@print")) continue;
        outputs.put(
            topic,
            driver.createOutputTopic(
                topic, new ByteArrayDeserializer(), new ByteArrayDeserializer()));
      }
      for (int i = 0; i < s.inputs.size(); i++) {
        Input r = s.inputs.get(i);
        TestInputTopic<byte[], byte[]> topic =
            inputs.computeIfAbsent(
                r.topic,
                t -> driver.createInputTopic(t, new ByteArraySerializer(), new ByteArraySerializer()));
        try {
          topic.pipeInput(new TestRecord<>(r.key, r.value, r.headers, r.timestamp));
        } catch (RuntimeException e) {
          out.write("X " + i + " " + oneLine(e) + "\n");
          break;
        }
        for (Map.Entry<String, TestOutputTopic<byte[], byte[]>> o : outputs.entrySet()) {
          for (TestRecord<byte[], byte[]> rec : o.getValue().readRecordsToList()) {
            out.write(
                "O " + i + " " + o.getKey() + " " + encode(rec.key()) + " " + encode(rec.value())
                    + " " + rec.timestamp() + " " + encodeHeaders(rec.headers()) + "\n");
          }
        }

      }
    } finally {
      try {
        driver.close();
      } catch (RuntimeException ignored) {
        // A driver whose task threw may fail to close; the scenario's result is already written.
      }
      if (s.outputs.contains("@print") && Files.exists(printFile)) {
        byte[] all = Files.readAllBytes(printFile);
        int start = 0;
        for (int p = 0; p < all.length; p++) {
          if (all[p] != '\n') continue;
          byte[] line = Arrays.copyOfRange(all, start, p);
          out.write("O " + s.inputs.size() + " @print - " + encode(line) + " 0 ~\n");
          start = p + 1;
        }
      }
      Files.deleteIfExists(printFile);
    }
    out.write("E " + s.id + "\n");
    out.flush();
  }

  private static String oneLine(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (sb.length() > 0) sb.append(" <- ");
      sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
    }
    return sb.toString().replace('\n', ' ').replace('\r', ' ');
  }

  private static byte[] decode(String field) {
    if (field.equals("-")) return null;
    if (!field.startsWith("=")) throw new IllegalArgumentException("bad field: " + field);
    String hex = field.substring(1);
    byte[] b = new byte[hex.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }

  private static String encode(byte[] b) {
    if (b == null) return "-";
    StringBuilder sb = new StringBuilder(1 + 2 * b.length).append('=');
    for (byte x : b) sb.append(String.format("%02x", x & 0xff));
    return sb.toString();
  }

  private static Headers decodeHeaders(String field) {
    RecordHeaders headers = new RecordHeaders();
    if (field.equals("~")) return headers;
    for (String pair : field.split(",")) {
      // Hex digits never contain '=' or '-', so the value's field starts at the next one of them.
      int split = 1;
      while (pair.charAt(split) != '=' && pair.charAt(split) != '-') split++;
      headers.add(
          new String(decode(pair.substring(0, split)), StandardCharsets.UTF_8),
          decode(pair.substring(split)));
    }
    return headers;
  }

  private static String encodeHeaders(Headers headers) {
    StringBuilder sb = new StringBuilder();
    for (Header h : headers) {
      if (sb.length() > 0) sb.append(',');
      sb.append(encode(h.key().getBytes(StandardCharsets.UTF_8))).append(encode(h.value()));
    }
    return sb.length() == 0 ? "~" : sb.toString();
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) return;
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }

  private Runner() {}
}
