// `kstreams_bench_driver --mode report`: turns the runs that `--mode run` appended to a JSON
// Lines file into bench/results/latest.json, a table with ratios and targets on stdout, and a bar
// chart (gnuplot, pngcairo).
//
//   kstreams_bench_driver --mode report --results FILE --json OUT [--png OUT]
//       [--workloads passthrough,stateless,count,windowed-count,avro]
//       [--systems librdkafka,kstreams,kafka-streams] [--meta "key=value;key=value…"]
//
// A row is one (workload, threads, system). Several attempts of one round are retries of a
// noisy run: the fastest successful one counts (other processes only ever slow a run down), with
// its own latency, CPU and memory figures. Over rounds, each figure is the median of the
// successful rounds; a row with any failed round is marked failed (its figures, if any, come
// from the rounds that succeeded and are not used for ratios or targets).
//
// The targets (issue 8), checked for kstreams on every workload and thread count measured for
// both systems: >= 3x Kafka Streams' records/s, <= 1/5 of its CPU time per record, <= 1/5 of
// its peak RSS; on stateless, <= 1.2x the librdkafka loop's CPU time per record.

#include <librdkafka/rdkafka.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common.h"
#include "nlohmann/json.hpp"

namespace sbs {
namespace {

using nlohmann::json;

std::optional<double> number(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::optional<double> median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json orNull(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// (workload, threads, system)
using RowKey = std::tuple<std::string, int, std::string>;

struct Row {
  std::string workload, system;
  int threads = 1;
  std::string status = "missing";  // ok | failed | pending | missing (not run)
  int ok_rounds = 0, failed_rounds = 0, pending_rounds = 0;
  std::string error;
  json figures = json::object();  // medians
  bool noisy = false;
  bool steady = true;  // every chosen round had a steady window
};

const char* const kMedianFields[] = {"records_per_sec",
                                     "cpu_us_per_record",
                                     "p50_ms",
                                     "p90_ms",
                                     "p99_ms",
                                     "max_ms",
                                     "rss_mb",
                                     "rss_mb_at_exit",
                                     "system_cores",
                                     "broker_cores",
                                     "driver_cores",
                                     "others_cores",
                                     "window_s",
                                     "window_records",
                                     "records_per_sec_cold",
                                     "cpu_us_per_record_cold",
                                     "cold_window_s",
                                     "startup_s",
                                     "first_output_s",
                                     "running_after_stable_s",
                                     "load_records_per_sec",
                                     "output_records",
                                     "latency_samples"};

std::string human(std::optional<double> v, const char* unit = "") {
  if (!v) return "-";
  char buf[48];
  if (*v >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2fM%s", *v / 1e6, unit);
  } else if (*v >= 1e4) {
    std::snprintf(buf, sizeof(buf), "%.0fk%s", *v / 1e3, unit);
  } else if (*v >= 100) {
    std::snprintf(buf, sizeof(buf), "%.0f%s", *v, unit);
  } else if (*v < 10) {
    std::snprintf(buf, sizeof(buf), "%.2f%s", *v, unit);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f%s", *v, unit);
  }
  return buf;
}

std::string ratioText(std::optional<double> v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2fx", *v);
  return buf;
}

std::string readFirstLine(const std::string& path, const std::string& prefix) {
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return "";
}

json machineInfo() {
  json m;
  std::string model = readFirstLine("/proc/cpuinfo", "model name");
  if (auto colon = model.find(':'); colon != std::string::npos) model = model.substr(colon + 2);
  m["cpu"] = model;
  m["cores"] = std::thread::hardware_concurrency();
  std::string mem = readFirstLine("/proc/meminfo", "MemTotal:");
  m["memory_gib"] =
      mem.empty() ? json(nullptr)
                  : json(std::round(std::strtod(mem.c_str() + 9, nullptr) / 1048576.0 * 10) / 10);
  utsname u{};
  if (uname(&u) == 0) m["kernel"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  m["librdkafka"] = rd_kafka_version_str();
  std::string os = readFirstLine("/etc/os-release", "PRETTY_NAME=");
  if (!os.empty()) {
    os = os.substr(12);
    os.erase(std::remove(os.begin(), os.end(), '"'), os.end());
    m["os"] = os;
  }
  return m;
}

std::string isoNow() {
  std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

const char* label(const std::string& system) {
  if (system == "librdkafka") return "librdkafka loop (ceiling)";
  if (system == "kafka-streams") return "Kafka Streams (Java)";
  return "kstreams";
}

using Rows = std::map<RowKey, Row>;

std::vector<json> readAttempts(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::vector<json> attempts;
  for (std::string line; std::getline(f, line);) {
    if (!line.empty()) attempts.push_back(json::parse(line));
  }
  return attempts;
}

// The fastest successful attempt of one round; nullptr when none succeeded.
const json* fastestOk(const std::vector<const json*>& attempts) {
  const json* best = nullptr;
  for (const json* a : attempts) {
    if (a->value("status", "") != "ok") continue;
    if (!best ||
        number(*a, "records_per_sec").value_or(0) > number(*best, "records_per_sec").value_or(0)) {
      best = a;
    }
  }
  return best;
}

// One row from its rounds (round → attempts): status, and the median of each figure.
Row makeRow(const RowKey& key, const std::map<int, std::vector<const json*>>& rounds) {
  Row row;
  std::tie(row.workload, row.threads, row.system) = key;
  std::vector<const json*> chosen;
  for (const auto& [round, list] : rounds) {
    if (const json* best = fastestOk(list)) {
      ++row.ok_rounds;
      chosen.push_back(best);
      row.noisy |= best->value("noisy", false);
      row.steady &= best->value("steady", false);
    } else if (list.back()->value("status", "") == "pending") {
      ++row.pending_rounds;
      row.error = list.back()->value("error", "");
    } else {
      ++row.failed_rounds;
      row.error = list.back()->value("error", "");
    }
  }
  row.status = row.failed_rounds > 0 ? "failed" : row.ok_rounds > 0 ? "ok" : "pending";
  for (const char* field : kMedianFields) {
    std::vector<double> values;
    for (const json* a : chosen) {
      if (auto v = number(*a, field)) values.push_back(*v);
    }
    row.figures[field] = orNull(median(values));
  }
  const json* any = !chosen.empty() ? chosen.front() : rounds.begin()->second.back();
  row.figures["records"] = any->value("records", 0);
  row.figures["warmup_records"] = any->value("warmup_records", 0);
  return row;
}

Rows makeRows(const std::vector<json>& attempts) {
  std::map<RowKey, std::map<int, std::vector<const json*>>> groups;
  for (const auto& a : attempts) {
    groups[{a.value("workload", ""), a.value("threads", 1), a.value("system", "")}]
          [a.value("round", 1)]
              .push_back(&a);
  }
  Rows rows;
  for (const auto& [key, rounds] : groups) rows[key] = makeRow(key, rounds);
  return rows;
}

// The figure of an ok row; nullopt for a missing or failed one.
std::optional<double> okFigure(const Rows& rows, const std::string& w, int t, const std::string& s,
                               const char* field) {
  auto it = rows.find({w, t, s});
  if (it == rows.end() || it->second.status != "ok") return std::nullopt;
  return number(it->second.figures, field);
}

std::optional<double> ratio(const Rows& rows, const std::string& w, int t, const std::string& a,
                            const std::string& b, const char* field) {
  auto x = okFigure(rows, w, t, a, field), y = okFigure(rows, w, t, b, field);
  if (!x || !y || *y == 0) return std::nullopt;
  return *x / *y;
}

json runJson(const Row& row) {
  const json& f = row.figures;
  json r = {{"system", row.system},
            {"workload", row.workload},
            {"threads", row.threads},
            {"records", f.value("records", 0)},
            {"warmup_records", f.value("warmup_records", 0)},
            {"status", row.status},
            {"rounds_ok", row.ok_rounds},
            {"rounds_failed", row.failed_rounds},
            {"noisy", row.noisy},
            {"steady", row.steady}};
  if (!row.error.empty()) r["error"] = row.error;
  for (const char* field : kMedianFields) {
    r[field] = row.status == "ok" ? f.value(field, json(nullptr)) : json(nullptr);
  }
  return r;
}

void printRow(const Row& row) {
  const char* w = row.workload.c_str();
  const char* s = row.system.c_str();
  if (row.status == "pending") {
    std::printf("%-15s %3d %-14s %-8s %s\n", w, row.threads, s, "pending", row.error.c_str());
    return;
  }
  auto fig = [&](const char* k) { return number(row.figures, k); };
  std::printf("%-15s %3d %-14s %-8s %10s %10s %8s %8s %8s %9s %7s%s%s%s\n", w, row.threads, s,
              row.status.c_str(), human(fig("records_per_sec")).c_str(),
              human(fig("cpu_us_per_record")).c_str(), human(fig("rss_mb")).c_str(),
              human(fig("p50_ms")).c_str(), human(fig("p99_ms")).c_str(),
              human(fig("system_cores")).c_str(), human(fig("others_cores")).c_str(),
              row.noisy ? "  noisy" : "", row.steady ? "" : "  cold window",
              row.status == "failed" ? ("  " + row.error).c_str() : "");
}

// The table of every row; returns the rows as latest.json's "runs".
json printTable(const Rows& rows, const std::vector<std::string>& workloads,
                const std::vector<int>& threads, const std::vector<std::string>& systems) {
  std::printf("\n%-15s %3s %-14s %-8s %10s %10s %8s %8s %8s %9s %7s\n", "workload", "thr", "system",
              "status", "records/s", "CPU us/rec", "RSS MB", "p50 ms", "p99 ms", "sys cores",
              "others");
  json runs = json::array();
  for (const auto& w : workloads) {
    for (int t : threads) {
      for (const auto& s : systems) {
        auto it = rows.find({w, t, s});
        if (it == rows.end()) {
          if (s == "librdkafka" && (w == "count" || w == "windowed-count" || w == "avro"))
            continue;  // n/a
          std::printf("%-15s %3d %-14s %-8s\n", w.c_str(), t, s.c_str(), "not run");
          continue;
        }
        printRow(it->second);
        runs.push_back(runJson(it->second));
      }
    }
  }
  return runs;
}

// One target: a ratio of kstreams to another system, checked on some workloads.
struct Target {
  const char* name;    // key in latest.json's "targets"
  const char* text;    // as printed
  const char* versus;  // the other system
  const char* field;   // the figure compared
  bool at_least;       // ratio >= limit (else <= limit)
  double limit;
  const char* only_workload;  // nullptr: every workload
};

const Target kTargets[] = {
    {"records_per_sec_at_least_3x_kafka_streams", ">= 3x Kafka Streams' records/s", "kafka-streams",
     "records_per_sec", true, 3.0, nullptr},
    {"cpu_per_record_at_most_fifth_of_kafka_streams",
     "<= 1/5 of Kafka Streams' CPU time per record", "kafka-streams", "cpu_us_per_record", false,
     0.2, nullptr},
    {"peak_rss_at_most_fifth_of_kafka_streams", "<= 1/5 of Kafka Streams' peak RSS",
     "kafka-streams", "rss_mb", false, 0.2, nullptr},
    {"stateless_cpu_per_record_at_most_1.2x_librdkafka",
     "<= 1.2x the librdkafka loop's CPU time per record (stateless)", "librdkafka",
     "cpu_us_per_record", false, 1.2, "stateless"},
};

// The ratios of kstreams to the others per (workload, threads), printed and as JSON.
json printRatios(const Rows& rows, const std::vector<std::string>& workloads,
                 const std::vector<int>& threads) {
  std::printf("\n%-15s %3s %13s %13s %13s %13s %13s %13s\n", "kstreams ÷", "thr", "Java rec/s",
              "Java CPU/rec", "Java RSS", "Java p99", "loop rec/s", "loop CPU/rec");
  json ratios = json::array();
  for (const auto& w : workloads) {
    for (int t : threads) {
      auto r = [&](const char* other, const char* field) {
        return ratio(rows, w, t, "kstreams", other, field);
      };
      const auto java_rate = r("kafka-streams", "records_per_sec");
      const auto java_cpu = r("kafka-streams", "cpu_us_per_record");
      const auto java_rss = r("kafka-streams", "rss_mb");
      const auto java_p99 = r("kafka-streams", "p99_ms");
      const auto loop_rate = r("librdkafka", "records_per_sec");
      const auto loop_cpu = r("librdkafka", "cpu_us_per_record");
      std::printf("%-15s %3d %13s %13s %13s %13s %13s %13s\n", w.c_str(), t,
                  ratioText(java_rate).c_str(), ratioText(java_cpu).c_str(),
                  ratioText(java_rss).c_str(), ratioText(java_p99).c_str(),
                  ratioText(loop_rate).c_str(), ratioText(loop_cpu).c_str());
      ratios.push_back({{"system", "kstreams"},
                        {"workload", w},
                        {"threads", t},
                        {"over_kafka_streams_records_per_sec", orNull(java_rate)},
                        {"over_kafka_streams_cpu_us_per_record", orNull(java_cpu)},
                        {"over_kafka_streams_rss", orNull(java_rss)},
                        {"over_kafka_streams_p99", orNull(java_p99)},
                        {"over_librdkafka_records_per_sec", orNull(loop_rate)},
                        {"over_librdkafka_cpu_us_per_record", orNull(loop_cpu)}});
    }
  }
  return ratios;
}

// Each target's verdict over the (workload, threads) where both systems have a figure: "met"
// when every one meets it, "NOT met" when one does not, "unknown" when none was measured.
json printTargets(const Rows& rows, const std::vector<std::string>& workloads,
                  const std::vector<int>& threads) {
  std::printf("\ntargets for kstreams (every workload and thread count measured on both sides):\n");
  json targets = json::object();
  for (const Target& target : kTargets) {
    json checks = json::array();
    std::optional<bool> all;
    std::string missed;
    for (const auto& w : workloads) {
      if (target.only_workload && w != target.only_workload) continue;
      for (int t : threads) {
        const auto v = ratio(rows, w, t, "kstreams", target.versus, target.field);
        if (!v) continue;
        const bool met = target.at_least ? *v >= target.limit : *v <= target.limit;
        all = all.value_or(true) && met;
        if (!met) missed += (missed.empty() ? "" : ", ") + w + "/" + std::to_string(t) + "t";
        checks.push_back({{"workload", w}, {"threads", t}, {"ratio", *v}, {"met", met}});
      }
    }
    const char* verdict = all ? (*all ? "met" : "NOT met") : "unknown";
    std::printf("  %-66s %s%s%s\n", target.text, verdict, missed.empty() ? "" : ": ",
                missed.c_str());
    targets[target.name] = {
        {"target", target.text}, {"limit", target.limit}, {"verdict", verdict}, {"checks", checks}};
  }
  return targets;
}

bool drawChart(const std::vector<std::string>& workloads, const std::vector<int>& threads,
               const std::vector<std::string>& systems, const Rows& rows, const std::string& png,
               const std::string& title) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("sbs-chart-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path data = dir / "data.tsv", script = dir / "chart.gp";
  size_t categories = 0;
  {
    std::ofstream d(data);
    for (const auto& w : workloads) {
      for (int t : threads) {
        bool pending = false, any = false;
        std::string line;
        for (const auto& s : systems) {
          auto it = rows.find({w, t, s});
          std::optional<double> v;
          if (it != rows.end()) {
            pending |= it->second.status == "pending";
            if (it->second.status == "ok") v = number(it->second.figures, "records_per_sec");
          }
          any |= v.has_value();
          line += "\t" + (v ? std::to_string(*v / 1000.0) : std::string("?"));
        }
        d << w << "\\n"
          << t << (t == 1 ? " thread" : " threads") << (pending && !any ? " (pending)" : "") << line
          << "\n";
        ++categories;
      }
    }
  }
  auto color = [](const std::string& system) {
    if (system == "librdkafka") return "#8c8c8c";
    if (system == "kstreams") return "#1f77b4";
    if (system == "kafka-streams") return "#ff7f0e";
    return "#2ca02c";
  };
  {
    std::ofstream g(script);
    g << "set terminal pngcairo size 1400,650 font 'DejaVu Sans,11'\n"
      << "set output '" << png << "'\n"
      << "set title \"" << title << "\"\n"
      << "set datafile separator '\\t'\n"
      << "set datafile missing '?'\n"
      << "set style data histogram\n"
      << "set style histogram clustered gap 1\n"
      << "set style fill solid 0.9 border rgb '#333333'\n"
      << "set boxwidth 0.95\n"
      << "set ylabel 'records/s (thousands), steady state, more is better'\n"
      << "set yrange [0:*]\n"
      << "set offsets 0, 0, graph 0.1, 0\n"
      << "set grid ytics lc rgb '#dddddd'\n"
      << "set key top right\n"
      << "set xtics nomirror\n"
      << "set bmargin 5\n"
      << "set xrange [-0.6:" << static_cast<double>(categories) - 0.4 << "]\n"
      << "plot ";
    const double n = static_cast<double>(systems.size());
    for (size_t i = 0; i < systems.size(); ++i) {
      g << (i ? ", " : "") << "'" << data.string() << "' using " << i + 2
        << (i == 0 ? ":xtic(1)" : "") << " title '" << label(systems[i]) << "' lc rgb '"
        << color(systems[i]) << "'";
    }
    for (size_t i = 0; i < systems.size(); ++i) {
      const double offset = (static_cast<double>(i) - (n - 1) / 2) / (n + 1);
      g << ", '' using ($0" << (offset >= 0 ? "+" : "") << offset << "):" << i + 2
        << ":(sprintf('%.0fk', $" << i + 2 << ")) with labels offset 0,0.8 font ',9' notitle";
    }
    g << "\n";
  }
  const std::string cmd = "gnuplot '" + script.string() + "'";
  const int rc = std::system(cmd.c_str());
  std::error_code ec;
  fs::remove_all(dir, ec);
  return rc == 0;
}

std::string chartTitle(const json& meta) {
  std::string title = "records/s per workload (steady state)";
  if (meta.contains("records")) {
    title += ", " + meta["records"].get<std::string>() + " records measured";
  }
  if (meta.contains("warmup_records")) {
    title += " after " + meta["warmup_records"].get<std::string>() + " of warm-up";
  }
  return title + ", one Kafka 4.4 broker, " + std::to_string(std::thread::hardware_concurrency()) +
         " cores shared";
}

json parseMeta(const std::string& text) {
  json meta = json::object();
  for (const auto& kv : splitList(text, ';')) {
    if (auto eq = kv.find('='); eq != std::string::npos) meta[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return meta;
}

}  // namespace

int reportMain(const Args& args) {
  args.allowOnly({"mode", "results", "json", "png", "workloads", "systems", "meta"});
  const std::string out_json = args.required("json");
  const std::string png = args.get("png", "");
  const std::vector<std::string> workloads =
      splitList(args.get("workloads", "passthrough,stateless,count,windowed-count"));
  std::vector<std::string> systems =
      splitList(args.get("systems", "librdkafka,kstreams,kafka-streams"));
  const json meta = parseMeta(args.get("meta", ""));
  const std::vector<json> attempts = readAttempts(args.required("results"));
  const Rows rows = makeRows(attempts);

  // Only the systems and thread counts that ran (or were recorded pending) at all.
  std::set<std::string> ran;
  std::set<int> thread_set;
  for (const auto& a : attempts) {
    ran.insert(a.value("system", ""));
    thread_set.insert(a.value("threads", 1));
  }
  std::erase_if(systems, [&](const std::string& s) { return ran.count(s) == 0; });
  const std::vector<int> threads(thread_set.begin(), thread_set.end());

  const json runs = printTable(rows, workloads, threads, systems);
  const json ratios = printRatios(rows, workloads, threads);
  const json targets = printTargets(rows, workloads, threads);
  const json doc = {{"generated", isoNow()}, {"machine", machineInfo()}, {"config", meta},
                    {"runs", runs},          {"ratios", ratios},         {"targets", targets},
                    {"attempts", attempts}};
  std::filesystem::create_directories(std::filesystem::path(out_json).parent_path());
  {
    std::ofstream f(out_json);
    f << doc.dump(2) << "\n";
  }
  std::printf("\nwrote %s\n", out_json.c_str());

  if (!png.empty()) {
    if (!drawChart(workloads, threads, systems, rows, png, chartTitle(meta))) {
      std::fprintf(stderr, "kstreams_bench_driver: gnuplot failed (is gnuplot-nox installed?)\n");
      return kExitFailure;
    }
    std::printf("wrote %s\n", png.c_str());
  }
  const bool all_ok = std::none_of(rows.begin(), rows.end(),
                                   [](const auto& kv) { return kv.second.status == "failed"; });
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace sbs
