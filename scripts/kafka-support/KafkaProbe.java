// Helper for scripts/kafka (compiled once into the jar cache; needs only the JDK and the Kafka jars).
//   KafkaProbe free-ports N                      print N distinct free TCP ports on 127.0.0.1
//   KafkaProbe wait-ready BOOTSTRAP SECONDS [PID [CLIENT_PROPERTIES]] wait until the broker lists
//       itself as an alive (unfenced) node and a controller via DescribeCluster; exit 0 ready,
//       1 timed out, 2 process PID exited first. CLIENT_PROPERTIES: a Java client properties
//       file (security settings of a secured broker), read before the probe's own settings.
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

public final class KafkaProbe {
  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("free-ports")) {
      System.exit(freePorts(Integer.parseInt(args[1])));
    } else if (args.length >= 3 && args[0].equals("wait-ready")) {
      long pid = args.length >= 4 ? Long.parseLong(args[3]) : -1;
      String props = args.length >= 5 ? args[4] : null;
      System.exit(waitReady(args[1], Long.parseLong(args[2]), pid, props));
    }
    System.err.println(
        "usage: KafkaProbe free-ports N | wait-ready BOOTSTRAP SECONDS [PID [CLIENT_PROPERTIES]]");
    System.exit(64);
  }

  private static int freePorts(int n) throws Exception {
    // Keep all sockets open until every port is chosen so that the ports are distinct.
    List<ServerSocket> sockets = new ArrayList<>();
    StringBuilder out = new StringBuilder();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket();
        sockets.add(s);
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        out.append(i == 0 ? "" : " ").append(s.getLocalPort());
      }
    } finally {
      for (ServerSocket s : sockets) s.close();
    }
    System.out.println(out);
    return 0;
  }

  private static boolean alive(long pid) {
    if (pid <= 0) return true;
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    return h.isPresent() && h.get().isAlive();
  }

  private static int waitReady(String bootstrap, long seconds, long pid, String propsFile)
      throws Exception {
    // The admin client logs a WARN per refused connection while the broker starts: silence it.
    org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.kafka", org.apache.logging.log4j.Level.ERROR);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Properties p = new Properties();
    if (propsFile != null) {
      try (InputStream in = new FileInputStream(propsFile)) {
        p.load(in);
      }
    }
    p.put("bootstrap.servers", bootstrap);
    p.put("client.id", "kstreams-kafka-probe");
    p.put("request.timeout.ms", "2000");
    p.put("default.api.timeout.ms", "3000");
    p.put("reconnect.backoff.ms", "100");
    p.put("reconnect.backoff.max.ms", "500");
    p.put("retry.backoff.ms", "100");
    p.put("retry.backoff.max.ms", "500");
    try (org.apache.kafka.clients.admin.Admin admin =
        org.apache.kafka.clients.admin.Admin.create(p)) {
      String last = "no answer";
      while (System.nanoTime() < deadline) {
        if (!alive(pid)) {
          System.err.println("kafka: broker process " + pid + " exited");
          return 2;
        }
        try {
          org.apache.kafka.clients.admin.DescribeClusterResult r = admin.describeCluster(
              new org.apache.kafka.clients.admin.DescribeClusterOptions().timeoutMs(2000));
          Collection<org.apache.kafka.common.Node> nodes = r.nodes().get(3, TimeUnit.SECONDS);
          org.apache.kafka.common.Node controller = r.controller().get(3, TimeUnit.SECONDS);
          if (!nodes.isEmpty() && controller != null && !controller.isEmpty()) return 0;
          last = "nodes=" + nodes + " controller=" + controller;
        } catch (Exception e) {
          last = String.valueOf(e.getCause() != null ? e.getCause() : e);
        }
        Thread.sleep(200);
      }
      System.err.println("kafka: broker at " + bootstrap + " not ready after " + seconds
          + " s (last: " + last + ")");
      return 1;
    }
  }
}
