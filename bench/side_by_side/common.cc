#include "common.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace sbs {

Args::Args(int argc, char** argv, const std::set<std::string>& switches) : switches_(switches) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg.size() < 3) throw UsageError("unexpected argument " + arg);
    std::string name = arg.substr(2), value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (switches_.count(name)) {
      value = "true";
    } else {
      if (i + 1 >= argc) throw UsageError("--" + name + " needs a value");
      value = argv[++i];
    }
    values_[name] = value;
  }
}

void Args::allowOnly(const std::set<std::string>& allowed) const {
  for (const auto& [name, value] : values_) {
    if (!allowed.count(name) && !switches_.count(name)) {
      throw UsageError("unknown option --" + name);
    }
  }
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string Args::required(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) throw UsageError("--" + name + " is required");
  return it->second;
}

int64_t Args::getInt(const std::string& name, int64_t fallback, int64_t min) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  int64_t v = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < min) {
    throw UsageError("--" + name + " needs an integer >= " + std::to_string(min) + ", got '" + s +
                     "'");
  }
  return v;
}

double Args::getDouble(const std::string& name, double fallback, double min) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0' || v < min) {
    throw UsageError("--" + name + " needs a number >= " + std::to_string(min) + ", got '" +
                     it->second + "'");
  }
  return v;
}

std::string valueOf(int64_t seq, int value_bytes) {
  std::string v = std::to_string(seq);
  v.push_back('|');
  if (static_cast<int>(v.size()) < value_bytes) v.resize(value_bytes, 'x');
  return v;
}

bool evenSeq(std::string_view value) {
  std::optional<int64_t> seq = seqOf(value);
  if (!seq) {
    throw std::invalid_argument(
        "stateless workload: value does not start with a decimal "
        "sequence number and '|': '" +
        std::string(value.substr(0, 40)) + "'");
  }
  return *seq % 2 == 0;
}

int64_t steadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t peakRssKb(int pid) {
  std::ifstream f(pid == 0 ? std::string("/proc/self/status")
                           : "/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

double processCpuSeconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(f, stat)) return -1;
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) return -1;
  std::istringstream fields(stat.substr(paren + 1));
  std::string field;
  // After "pid (comm)": the state is field 3; utime and stime are fields 14 and 15.
  int64_t utime = 0, stime = 0;
  for (int n = 3; n <= 15 && fields >> field; ++n) {
    if (n == 14) utime = std::strtoll(field.c_str(), nullptr, 10);
    if (n == 15) stime = std::strtoll(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double machineBusyCpuSeconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return static_cast<double>(user + nice + system + irq + softirq + steal) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

void printPeakRss(const char* program) {
  const int64_t kb = peakRssKb();
  std::fprintf(stderr, "%s: peak_rss_kb=%lld (VmHWM, %lld MiB)\n", program,
               static_cast<long long>(kb), static_cast<long long>(kb / 1024));
}

std::vector<std::string> splitList(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, sep);) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

}  // namespace sbs
