// `kstreams_bench_driver --mode report`: turns the runs that `--mode run` appended to a JSON
// Lines file into bench/results/latest.json, a table with ratios on stdout, and a bar chart
// (gnuplot, pngcairo).
//
//   kstreams_bench_driver --mode report --results FILE --json OUT [--png OUT]
//       [--workloads passthrough,stateless,count,windowed-count]
//       [--systems librdkafka,kstreams,kafka-streams] [--meta "key=value;key=value…"]
//
// Several attempts of one (system, workload, round) are retries of a noisy run: the fastest
// successful one counts (other processes only ever slow a run down), with its own latency and
// memory figures. Over rounds, each figure is the median of the
// successful rounds; a row with any failed round is marked failed (its figures, if any, come
// from the rounds that succeeded and are not used for ratios or targets).

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
#include <map>
#include <optional>
#include <string>
#include <thread>
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

struct Row {
  std::string workload, system;
  std::string status = "missing";  // ok | failed | pending | missing (not run)
  int ok_rounds = 0, failed_rounds = 0, pending_rounds = 0;
  std::string error;
  json figures = json::object();  // medians
  bool noisy = false;
};

const char* const kMedianFields[] = {"records_per_sec",
                                     "p50_ms",
                                     "p90_ms",
                                     "p99_ms",
                                     "max_ms",
                                     "rss_mb",
                                     "rss_mb_at_exit",
                                     "cpu_us_per_record",
                                     "system_cores",
                                     "broker_cores",
                                     "driver_cores",
                                     "others_cores",
                                     "startup_s",
                                     "window_s",
                                     "first_output_s",
                                     "first_to_last_output_records_per_sec",
                                     "records_per_sec_from_running",
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

bool drawChart(const std::vector<std::string>& workloads, const std::vector<std::string>& systems,
               const std::map<std::pair<std::string, std::string>, Row>& rows,
               const std::string& png, const std::string& title) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("sbs-chart-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const fs::path data = dir / "data.tsv", script = dir / "chart.gp";
  {
    std::ofstream d(data);
    for (const auto& w : workloads) {
      bool pending = false, any = false;
      std::string line;
      for (const auto& s : systems) {
        auto it = rows.find({w, s});
        std::optional<double> v;
        if (it != rows.end()) {
          pending |= it->second.status == "pending";
          if (it->second.status == "ok") v = number(it->second.figures, "records_per_sec");
        }
        any |= v.has_value();
        line += "\t" + (v ? std::to_string(*v / 1000.0) : std::string("?"));
      }
      d << w << (pending && !any ? "\\n(pending)" : "") << line << "\n";
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
    g << "set terminal pngcairo size 1200,650 font 'DejaVu Sans,11'\n"
      << "set output '" << png << "'\n"
      << "set title \"" << title << "\"\n"
      << "set datafile separator '\\t'\n"
      << "set datafile missing '?'\n"
      << "set style data histogram\n"
      << "set style histogram clustered gap 1\n"
      << "set style fill solid 0.9 border rgb '#333333'\n"
      << "set boxwidth 0.95\n"
      << "set ylabel 'records/s (thousands), more is better'\n"
      << "set yrange [0:*]\n"
      << "set offsets 0, 0, graph 0.1, 0\n"
      << "set grid ytics lc rgb '#dddddd'\n"
      << "set key top right\n"
      << "set xtics nomirror\n"
      << "set bmargin 4\n"
      << "set xrange [-0.6:" << static_cast<double>(workloads.size()) - 0.4 << "]\n"
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
        << ":(sprintf('%.0fk', $" << i + 2 << ")) with labels offset 0,0.8 font ',10' notitle";
    }
    g << "\n";
  }
  const std::string cmd = "gnuplot '" + script.string() + "'";
  const int rc = std::system(cmd.c_str());
  std::error_code ec;
  fs::remove_all(dir, ec);
  return rc == 0;
}

}  // namespace

int reportMain(const Args& args) {
  args.allowOnly({"mode", "results", "json", "png", "workloads", "systems", "meta"});
  const std::string results = args.required("results");
  const std::string out_json = args.required("json");
  const std::string png = args.get("png", "");
  const std::vector<std::string> workloads =
      splitList(args.get("workloads", "passthrough,stateless,count,windowed-count"));
  std::vector<std::string> systems =
      splitList(args.get("systems", "librdkafka,kstreams,kafka-streams"));
  json meta = json::object();
  for (const auto& kv : splitList(args.get("meta", ""), ';')) {
    if (auto eq = kv.find('='); eq != std::string::npos) meta[kv.substr(0, eq)] = kv.substr(eq + 1);
  }

  std::vector<json> attempts;
  {
    std::ifstream f(results);
    if (!f) throw std::runtime_error("cannot read " + results);
    for (std::string line; std::getline(f, line);) {
      if (!line.empty()) attempts.push_back(json::parse(line));
    }
  }

  // (workload, system) → round → attempts
  std::map<std::pair<std::string, std::string>, std::map<int, std::vector<const json*>>> groups;
  for (const auto& a : attempts) {
    groups[{a.value("workload", ""), a.value("system", "")}][a.value("round", 1)].push_back(&a);
  }
  // Only the systems that ran (or were recorded pending) at all.
  systems.erase(std::remove_if(systems.begin(), systems.end(),
                               [&](const std::string& s) {
                                 return std::none_of(
                                     attempts.begin(), attempts.end(),
                                     [&](const json& a) { return a.value("system", "") == s; });
                               }),
                systems.end());
  std::map<std::pair<std::string, std::string>, Row> rows;
  for (const auto& [key, rounds] : groups) {
    Row row;
    row.workload = key.first;
    row.system = key.second;
    std::vector<const json*> chosen;
    for (const auto& [round, list] : rounds) {
      const json* best = nullptr;
      for (const json* a : list) {
        if (a->value("status", "") != "ok") continue;
        if (!best || number(*a, "records_per_sec").value_or(0) >
                         number(*best, "records_per_sec").value_or(0)) {
          best = a;
        }
      }
      if (best) {
        ++row.ok_rounds;
        chosen.push_back(best);
        row.noisy |= best->value("noisy", false);
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
    if (!chosen.empty()) {
      row.figures["records"] = chosen.front()->value("records", 0);
      row.figures["threads"] = chosen.front()->value("threads", 0);
    } else if (!rounds.empty()) {
      const json* any = rounds.begin()->second.back();
      row.figures["records"] = any->value("records", 0);
      row.figures["threads"] = any->value("threads", 0);
    }
    rows[key] = row;
  }

  auto okFigure = [&](const std::string& w, const std::string& s,
                      const char* field) -> std::optional<double> {
    auto it = rows.find({w, s});
    if (it == rows.end() || it->second.status != "ok") return std::nullopt;
    return number(it->second.figures, field);
  };
  auto ratio = [&](const std::string& w, const std::string& a, const std::string& b,
                   const char* field) -> std::optional<double> {
    auto x = okFigure(w, a, field), y = okFigure(w, b, field);
    if (!x || !y || *y == 0) return std::nullopt;
    return *x / *y;
  };

  // ---- Table.
  std::printf("\n%-15s %-14s %-8s %9s %9s %9s %8s %11s %8s %8s\n", "workload", "system", "status",
              "records/s", "p50 ms", "p99 ms", "RSS MB", "CPU us/rec", "sys cores", "others");
  json runs = json::array();
  for (const auto& w : workloads) {
    for (const auto& s : systems) {
      auto it = rows.find({w, s});
      if (it == rows.end()) {
        if (s == "librdkafka" && (w == "count" || w == "windowed-count")) continue;  // n/a
        std::printf("%-15s %-14s %-8s\n", w.c_str(), s.c_str(), "not run");
        continue;
      }
      const Row& row = it->second;
      const json& f = row.figures;
      auto fig = [&](const char* k) { return number(f, k); };
      if (row.status == "pending") {
        std::printf("%-15s %-14s %-8s %s\n", w.c_str(), s.c_str(), "pending", row.error.c_str());
      } else {
        std::printf("%-15s %-14s %-8s %9s %9s %9s %8s %11s %8s %8s%s%s\n", w.c_str(), s.c_str(),
                    row.status.c_str(), human(fig("records_per_sec")).c_str(),
                    human(fig("p50_ms")).c_str(), human(fig("p99_ms")).c_str(),
                    human(fig("rss_mb")).c_str(), human(fig("cpu_us_per_record")).c_str(),
                    human(fig("system_cores")).c_str(), human(fig("others_cores")).c_str(),
                    row.noisy ? "  noisy" : "",
                    row.status == "failed" ? ("  " + row.error).c_str() : "");
      }
      json r = {{"system", s},
                {"workload", w},
                {"records", f.value("records", 0)},
                {"records_per_sec", f.value("records_per_sec", json(nullptr))},
                {"p50_ms", f.value("p50_ms", json(nullptr))},
                {"p99_ms", f.value("p99_ms", json(nullptr))},
                {"rss_mb", f.value("rss_mb", json(nullptr))},
                {"threads", f.value("threads", 0)},
                {"status", row.status},
                {"rounds_ok", row.ok_rounds},
                {"rounds_failed", row.failed_rounds},
                {"noisy", row.noisy}};
      if (!row.error.empty()) r["error"] = row.error;
      for (const char* field : kMedianFields) {
        if (!r.contains(field)) r[field] = f.value(field, json(nullptr));
      }
      if (row.status != "ok") {
        for (const char* field : kMedianFields) r[field] = nullptr;
      }
      runs.push_back(r);
    }
  }

  // ---- Ratios and the targets of issue 4, for kstreams.
  const std::vector<std::string> subjects = {"kstreams"};
  json ratios = json::array();
  json targets = json::object();
  auto verdict = [](std::optional<bool> v) { return v ? (*v ? "met" : "NOT met") : "unknown"; };
  for (const std::string& subject : subjects) {
    std::printf("\n%-15s %22s %22s %22s %22s\n", (subject + " vs").c_str(), "records/s / Java",
                "records/s / ceiling", "RSS / Java", "p99 / Java");
    std::optional<bool> not_slower, three_x, fifth_memory;
    std::string missing;
    for (const auto& w : workloads) {
      auto vs_java = ratio(w, subject, "kafka-streams", "records_per_sec");
      auto vs_ceiling = ratio(w, subject, "librdkafka", "records_per_sec");
      auto rss = ratio(w, subject, "kafka-streams", "rss_mb");
      auto p99 = ratio(w, subject, "kafka-streams", "p99_ms");
      std::printf("%-15s %22s %22s %22s %22s\n", w.c_str(), ratioText(vs_java).c_str(),
                  ratioText(vs_ceiling).c_str(), ratioText(rss).c_str(), ratioText(p99).c_str());
      ratios.push_back({{"system", subject},
                        {"workload", w},
                        {"over_kafka_streams_records_per_sec", orNull(vs_java)},
                        {"over_librdkafka_records_per_sec", orNull(vs_ceiling)},
                        {"over_kafka_streams_rss", orNull(rss)},
                        {"over_kafka_streams_p99", orNull(p99)}});
      if (!vs_java || !rss) {
        missing += (missing.empty() ? "" : ", ") + w;
        continue;
      }
      not_slower = not_slower.value_or(true) && *vs_java >= 1.0;
      three_x = three_x.value_or(true) && *vs_java >= 3.0;
      fifth_memory = fifth_memory.value_or(true) && *rss <= 0.2;
    }
    std::optional<bool> ceiling;
    if (auto c = ratio("stateless", subject, "librdkafka", "records_per_sec")) {
      ceiling = *c >= 0.8;
    }
    std::printf("targets (%s, on the workloads measured for it and Kafka Streams%s%s):\n",
                subject.c_str(), missing.empty() ? "" : "; not on ", missing.c_str());
    std::printf("  not slower than Kafka Streams on any workload   %s\n", verdict(not_slower));
    std::printf("  >= 3x Kafka Streams' records/s                   %s\n", verdict(three_x));
    std::printf("  <= 1/5 of Kafka Streams' peak RSS                %s\n", verdict(fifth_memory));
    std::printf("  >= 0.8x the librdkafka ceiling on stateless      %s\n", verdict(ceiling));
    targets[subject] = {{"not_slower_than_kafka_streams", verdict(not_slower)},
                        {"three_x_kafka_streams", verdict(three_x)},
                        {"fifth_of_kafka_streams_rss", verdict(fifth_memory)},
                        {"stateless_at_least_0.8x_librdkafka", verdict(ceiling)},
                        {"workloads_not_compared", missing}};
  }

  json doc = {{"generated", isoNow()}, {"machine", machineInfo()}, {"config", meta},
              {"runs", runs},          {"ratios", ratios},         {"targets", targets},
              {"attempts", attempts}};
  std::filesystem::create_directories(std::filesystem::path(out_json).parent_path());
  {
    std::ofstream f(out_json);
    f << doc.dump(2) << "\n";
  }
  std::printf("\nwrote %s\n", out_json.c_str());

  if (!png.empty()) {
    std::string title = "records/s per workload";
    if (meta.contains("records")) title += ", " + meta["records"].get<std::string>() + " records";
    if (meta.contains("threads")) {
      title += ", " + meta["threads"].get<std::string>() + " thread(s) each";
    }
    title += ", one Kafka 4.4 broker, " + std::to_string(std::thread::hardware_concurrency()) +
             " cores shared";
    if (drawChart(workloads, systems, rows, png, title)) {
      std::printf("wrote %s\n", png.c_str());
    } else {
      std::fprintf(stderr, "kstreams_bench_driver: gnuplot failed (is gnuplot-nox installed?)\n");
      return kExitFailure;
    }
  }
  bool all_ok = true;
  for (const auto& [key, row] : rows) all_ok &= row.status != "failed";
  return all_ok ? kExitOk : kExitFailure;
}

}  // namespace sbs
