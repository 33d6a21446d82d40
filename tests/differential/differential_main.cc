// File: tests/differential/differential_main.cc
//
// The differential suite: seeded random scenarios through kstreams' TopologyTestDriver and Kafka
// Streams 4.4.0's own, compared record by record (see README.md in this directory).
//
//   kstreams_differential [--seeds N] [--seed S] [--family NAME] [--mode MODE] [--no-nulls]
//                         [--reference PATH] [--verbose]
//
// Every family (families.h) runs in every mode with seeds 1..N (default 3, or
// KSTREAMS_DIFF_SEEDS). All scenarios go to one JVM (the reference script) in one batch, which
// runs while kstreams does its side. Exit status 0 when every scenario matched, 1 otherwise (each
// mismatch prints the seed, the input that caused it and the first differing record of each
// side; a family whose listed topic Kafka Streams never writes, or that only one side knows, fails
// too), 2 on a usage or infrastructure error.
//
// Used from one thread; the only other process is the reference JVM.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "families.h"
#include "kstreams/logging.h"
#include "kstreams/streams_config.h"
#include "kstreams/topology_test_driver.h"

namespace kstreams::differential {
namespace {

struct Mode {
  const char* name;
  bool caching;
  bool in_order;
};

// Kafka's driver commits after every record, so caching only merges the updates one input causes
// (e.g. a table groupBy's subtract and add on one group); both settings are worth comparing.
constexpr Mode kModes[] = {
    {"caching-off", false, true},
    {"caching-on", true, true},
    {"out-of-order", false, false},
    {"out-of-order-caching-on", true, false},
};

struct Input {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
  Headers headers;
};

// One thing an input caused: a record written to an output topic, or an exception (error set,
// topic empty). Exceptions compare equal whatever their messages say.
struct Event {
  int index = 0;
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
  std::string headers;  // in the wire format, which is canonical
  std::optional<std::string> error;

  static Event record(int index, std::string topic, std::optional<std::string> key,
                      std::optional<std::string> value, int64_t timestamp, std::string headers) {
    Event e;
    e.index = index;
    e.topic = std::move(topic);
    e.key = std::move(key);
    e.value = std::move(value);
    e.timestamp = timestamp;
    e.headers = std::move(headers);
    return e;
  }
  static Event exception(int index, std::string message) {
    Event e;
    e.index = index;
    e.error = std::move(message);
    return e;
  }

  bool operator==(const Event& o) const {
    if (error.has_value() || o.error.has_value()) {
      return error.has_value() && o.error.has_value() && index == o.index;
    }
    return index == o.index && topic == o.topic && key == o.key && value == o.value &&
           timestamp == o.timestamp && headers == o.headers;
  }
};

struct Scenario {
  int id = 0;
  const Family* family = nullptr;
  const Mode* mode = nullptr;
  uint64_t seed = 0;
  std::vector<Input> inputs;
};

struct Options {
  int seeds = 3;
  std::optional<uint64_t> seed;
  std::string family;
  std::string mode;
  bool nulls = true;
  bool verbose = false;
  std::string reference = KSTREAMS_DIFF_REFERENCE;
};

// ---- Scenario generation ----

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Small key and value domains so that updates collide; "" next to null so that the two are told
// apart; values of length 0-3 because the families compute with lengths.
std::vector<Input> generate(const Family& family, const Mode& mode, uint64_t seed, bool nulls) {
  std::mt19937_64 rng(fnv1a(family.name) ^ fnv1a(mode.name) ^ (seed * 0x9e3779b97f4a7c15ull));
  auto pick = [&rng](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  static const char* const kKeys[] = {"a", "b", "c", "d"};
  static const char* const kValues[] = {"x", "yy", "zzz", "1", "7", "42", "abc"};
  const int n = 5 + pick(26);
  std::vector<Input> inputs;
  int64_t t = 1000;
  for (int i = 0; i < n; ++i) {
    Input in;
    in.topic = family.inputs[pick(static_cast<int>(family.inputs.size()))];
    const int k = pick(100);
    if (nulls && k < 8) {
      in.key = std::nullopt;
    } else if (k < 13) {
      in.key = "";
    } else {
      in.key = kKeys[pick(4)];
    }
    const int v = pick(100);
    if (nulls && v < 18) {
      in.value = std::nullopt;
    } else if (v < 25) {
      in.value = "";
    } else {
      in.value = kValues[pick(7)];
    }
    if (mode.in_order) {
      static const int kSteps[] = {0, 0, 1, 2, 5};
      t += kSteps[pick(5)];
      in.timestamp = t;
    } else {
      in.timestamp = 1000 + pick(25);
    }
    // Headers tell the records apart, so that a record forwarded with another record's headers
    // (or none) shows; some repeat a key or have a null value, as Kafka allows.
    const int h = pick(100);
    if (h < 70) {
      in.headers.add("i", std::to_string(i));
    } else if (h < 80) {
      in.headers.add("i", std::to_string(i)).add("i", "again");
    } else if (h < 90) {
      in.headers.add("n", std::nullopt);
    }
    inputs.push_back(std::move(in));
  }
  return inputs;
}

// ---- The wire format shared with Runner.java: "-" for null, "=" + hex otherwise ----

std::string encode(const std::optional<std::string>& b) {
  if (!b) return "-";
  static const char kHex[] = "0123456789abcdef";
  std::string s = "=";
  for (unsigned char c : *b) {
    s += kHex[c >> 4];
    s += kHex[c & 15];
  }
  return s;
}

std::optional<std::string> decode(const std::string& f) {
  if (f == "-") return std::nullopt;
  if (f.empty() || f[0] != '=' || f.size() % 2 != 1) throw std::runtime_error("bad field " + f);
  std::string out;
  for (size_t i = 1; i + 1 < f.size(); i += 2) {
    out += static_cast<char>(std::stoi(f.substr(i, 2), nullptr, 16));
  }
  return out;
}

// Headers: "~" for none, else key+value pairs (each field as above) separated by ",".
std::string encodeHeaders(const Headers& headers) {
  if (headers.empty()) return "~";
  std::string s;
  for (const Header& h : headers) {
    if (!s.empty()) s += ',';
    s += encode(h.key) + encode(h.value);
  }
  return s;
}

Headers decodeHeaders(const std::string& f) {
  Headers out;
  if (f == "~") return out;
  std::istringstream is(f);
  std::string pair;
  while (std::getline(is, pair, ',')) {
    // Hex digits never contain '=' or '-', so the value's field starts at the next one of them.
    const size_t split = pair.find_first_of("=-", 1);
    if (split == std::string::npos) throw std::runtime_error("bad header " + pair);
    out.add(*decode(pair.substr(0, split)), decode(pair.substr(split)));
  }
  return out;
}

void writeScenario(std::ostream& os, const Scenario& s) {
  os << "S " << s.id << ' ' << s.family->name << ' ' << (s.mode->caching ? 1 : 0) << ' ';
  for (size_t i = 0; i < s.family->outputs.size(); ++i) {
    os << (i ? "," : "") << s.family->outputs[i].name;
  }
  os << '\n';
  for (const Input& in : s.inputs) {
    os << "I " << in.topic << ' ' << encode(in.key) << ' ' << encode(in.value) << ' '
       << in.timestamp << ' ' << encodeHeaders(in.headers) << '\n';
  }
  os << "E\n";
}

struct ReferenceOutput {
  std::set<std::string> families;               // the families the Java side knows
  std::map<int, std::vector<Event>> scenarios;  // results by scenario id
};

ReferenceOutput readReference(std::istream& is) {
  ReferenceOutput result;
  auto& out = result.scenarios;
  std::string line;
  std::vector<Event>* current = nullptr;
  while (std::getline(is, line)) {
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag == "F") {
      std::string name;
      ls >> name;
      result.families.insert(name);
    } else if (tag == "S") {
      int id;
      ls >> id;
      current = &out[id];
    } else if (tag == "O" && current) {
      Event e;
      std::string k, v;
      ls >> e.index >> e.topic >> k >> v >> e.timestamp >> e.headers;
      e.key = decode(k);
      e.value = decode(v);
      current->push_back(std::move(e));
    } else if (tag == "X" && current) {
      Event e;
      ls >> e.index;
      std::string msg;
      std::getline(ls, msg);
      e.error = msg.empty() ? std::string("?") : msg.substr(1);
      current->push_back(std::move(e));
    } else if (tag == "E") {
      current = nullptr;
    } else {
      throw std::runtime_error("reference: unexpected line: " + line);
    }
  }
  return result;
}

// ---- The kstreams side ----

// The test driver commits after every record and a commit syncs RocksDB's WAL: on tmpfs that
// costs nothing, on a VM's disk it is most of the suite's time.
std::filesystem::path scratchRoot() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) {
    return "/dev/shm";
  }
  return std::filesystem::temp_directory_path();
}

// Appends an event per line of what print() wrote to `file`. Kafka Streams flushes the file only
// when its driver closes, so both sides read it then and attribute the lines to no input
// (`index` = the number of inputs).
void readPrinted(const std::filesystem::path& file, int index, std::vector<Event>& events) {
  std::ifstream in(file, std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  for (size_t p = 0; p < all.size(); ++p) {
    if (all[p] != '\n') continue;
    events.push_back(
        Event::record(index, kPrintFile, std::nullopt, all.substr(start, p - start), 0, "~"));
    start = p + 1;
  }
}

std::vector<Event> runKstreams(const Scenario& s, const std::filesystem::path& state_dir) {
  std::vector<Event> events;
  StreamsConfig config{{"application.id", "diff"},
                       {"state.dir", state_dir.string()},
                       {"statestore.cache.max.bytes", s.mode->caching ? "10485760" : "0"}};
  const std::filesystem::path print_file =
      state_dir.parent_path() / (std::to_string(s.id) + ".print");
  printPath() = print_file.string();
  StreamsBuilder builder;
  std::optional<Topology> topology;
  std::unique_ptr<TopologyTestDriver> driver;
  try {
    s.family->build(builder);
    topology.emplace(builder.build());
    driver = std::make_unique<TopologyTestDriver>(*topology, config);
  } catch (const std::exception& e) {
    events.push_back(Event::exception(-1, e.what()));
    return events;
  }
  for (size_t i = 0; i < s.inputs.size(); ++i) {
    const Input& in = s.inputs[i];
    try {
      driver->pipeRaw(in.topic, in.key, in.value, in.timestamp, in.headers);
    } catch (const std::exception& e) {
      events.push_back(Event::exception(static_cast<int>(i), e.what()));
      break;
    }
    for (const OutputTopic& t : s.family->outputs) {
      if (t.name == kPrintFile) continue;
      while (auto r = driver->readRaw(t.name)) {
        events.push_back(Event::record(static_cast<int>(i), t.name, std::move(r->key),
                                       std::move(r->value), r->timestamp,
                                       encodeHeaders(r->headers)));
      }
    }
  }
  driver.reset();
  topology.reset();  // closes the print() file
  for (const OutputTopic& t : s.family->outputs) {
    if (t.name == kPrintFile) readPrinted(print_file, static_cast<int>(s.inputs.size()), events);
  }
  std::error_code ignored;
  std::filesystem::remove(print_file, ignored);
  return events;
}

// ---- Reporting ----

std::string show(const std::optional<std::string>& b, Encoding e) {
  if (!b) return "null";
  if (e == Encoding::kLong && b->size() == 8) {
    int64_t v = 0;
    for (unsigned char c : *b) v = static_cast<int64_t>((static_cast<uint64_t>(v) << 8) | c);
    return std::to_string(v);
  }
  bool printable = true;
  for (unsigned char c : *b) printable = printable && c >= 0x20 && c < 0x7f;
  if (printable && e != Encoding::kBytes) return "\"" + *b + "\"";
  return "0x" + encode(b).substr(1);
}

Encoding encodingOf(const Family& f, const std::string& topic) {
  for (const auto& t : f.outputs) {
    if (t.name == topic) return t.encoding;
  }
  return Encoding::kBytes;
}

std::string show(const Headers& headers) {
  if (headers.empty()) return "";
  std::string s = " [";
  for (const Header& h : headers) {
    if (s.size() > 2) s += ", ";
    s += h.key + "=" + show(h.value, Encoding::kString);
  }
  return s + "]";
}

std::string show(const Family& f, const Event* e) {
  if (e == nullptr) return "(nothing)";
  if (e->error) return "input #" + std::to_string(e->index) + " threw: " + *e->error;
  return "input #" + std::to_string(e->index) + " -> " + e->topic + " " +
         show(e->key, Encoding::kString) + " " + show(e->value, encodingOf(f, e->topic)) + " @" +
         std::to_string(e->timestamp) + show(decodeHeaders(e->headers));
}

std::string show(const Input& in) {
  return in.topic + " " + show(in.key, Encoding::kString) + " " +
         show(in.value, Encoding::kString) + " @" + std::to_string(in.timestamp) + show(in.headers);
}

// Prints the first difference; returns whether the two agree.
bool compare(const Scenario& s, const std::vector<Event>& java, const std::vector<Event>& ours,
             bool verbose) {
  size_t i = 0;
  while (i < java.size() && i < ours.size() && java[i] == ours[i]) ++i;
  if (i == java.size() && i == ours.size()) return true;
  const Event* j = i < java.size() ? &java[i] : nullptr;
  const Event* o = i < ours.size() ? &ours[i] : nullptr;
  const int index = j && o ? std::min(j->index, o->index) : (j ? j->index : o->index);
  std::cout << "MISMATCH " << s.family->name << " mode=" << s.mode->name << " seed=" << s.seed
            << "  (rerun: --family " << s.family->name << " --mode " << s.mode->name << " --seed "
            << s.seed << " --verbose)\n";
  if (index >= 0 && index < static_cast<int>(s.inputs.size())) {
    std::cout << "  caused by input #" << index << ": " << show(s.inputs[index]) << "\n";
    // Tells a difference in null handling, which may surface records later, from another kind.
    int first_null = -1;
    for (int n = 0; n <= index && first_null < 0; ++n) {
      if (!s.inputs[n].key || !s.inputs[n].value) first_null = n;
    }
    std::cout << "  first input with a null key or value: "
              << (first_null < 0 ? std::string("none") : "#" + std::to_string(first_null)) << "\n";
  } else if (index == static_cast<int>(s.inputs.size())) {
    std::cout << "  after the last input (print() files are compared when the drivers close)\n";
  }
  std::cout << "  Kafka Streams: " << show(*s.family, j) << "\n";
  std::cout << "  kstreams:      " << show(*s.family, o) << "\n";
  if (verbose) {
    std::cout << "  inputs:\n";
    for (size_t n = 0; n < s.inputs.size(); ++n) {
      std::cout << "    #" << n << " " << show(s.inputs[n]) << "\n";
    }
    std::cout << "  Kafka Streams output:\n";
    for (const Event& e : java) std::cout << "    " << show(*s.family, &e) << "\n";
    std::cout << "  kstreams output:\n";
    for (const Event& e : ours) std::cout << "    " << show(*s.family, &e) << "\n";
  }
  return false;
}

int usage(const char* why) {
  std::cerr << "kstreams_differential: " << why
            << "\nusage: kstreams_differential [--seeds N] [--seed S] [--family NAME] "
               "[--mode MODE] [--no-nulls] [--reference PATH] [--verbose]\n";
  return 2;
}

// Throws std::invalid_argument for a bad command line.
Options parseOptions(int argc, char** argv) {
  Options opt;
  if (const char* env = std::getenv("KSTREAMS_DIFF_SEEDS")) opt.seeds = std::atoi(env);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--seeds") {
      opt.seeds = std::stoi(value());
    } else if (a == "--seed") {
      opt.seed = std::stoull(value());
    } else if (a == "--family") {
      opt.family = value();
    } else if (a == "--mode") {
      opt.mode = value();
    } else if (a == "--no-nulls") {
      opt.nulls = false;
    } else if (a == "--reference") {
      opt.reference = value();
    } else if (a == "--verbose") {
      opt.verbose = true;
    } else {
      throw std::invalid_argument("unknown argument " + a);
    }
  }
  return opt;
}

std::vector<Scenario> makeScenarios(const Options& opt) {
  std::vector<uint64_t> seeds;
  if (opt.seed) {
    seeds.push_back(*opt.seed);
  } else {
    for (int s = 1; s <= opt.seeds; ++s) seeds.push_back(static_cast<uint64_t>(s));
  }
  std::vector<Scenario> scenarios;
  for (const Family& f : families()) {
    if (!opt.family.empty() && f.name != opt.family) continue;
    for (const Mode& m : kModes) {
      if (!opt.mode.empty() && opt.mode != m.name) continue;
      for (uint64_t seed : seeds) {
        Scenario s;
        s.id = static_cast<int>(scenarios.size());
        s.family = &f;
        s.mode = &m;
        s.seed = seed;
        s.inputs = generate(f, m, seed, opt.nulls);
        scenarios.push_back(std::move(s));
      }
    }
  }
  return scenarios;
}

struct Outcomes {
  ReferenceOutput reference;
  std::vector<std::vector<Event>> ours;  // by scenario id
};

// Runs the reference JVM on the whole batch while kstreams does its side. Throws
// std::runtime_error when the reference fails.
Outcomes runBoth(const Options& opt, const std::vector<Scenario>& scenarios) {
  const std::filesystem::path dir =
      scratchRoot() / ("kstreams-differential-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  struct RemoveOnExit {
    std::filesystem::path path;
    ~RemoveOnExit() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_on_exit{dir};
  const auto in_path = dir / "scenarios.txt";
  const auto out_path = dir / "reference.txt";
  {
    std::ofstream os(in_path);
    for (const Scenario& s : scenarios) writeScenario(os, s);
  }
  const std::string command =
      "'" + opt.reference + "' run <'" + in_path.string() + "' >'" + out_path.string() + "'";
  FILE* java = ::popen(command.c_str(), "r");
  if (java == nullptr) throw std::runtime_error("cannot start " + command);

  Outcomes out;
  out.ours.reserve(scenarios.size());
  for (const Scenario& s : scenarios) out.ours.push_back(runKstreams(s, dir / "state"));

  const int status = ::pclose(java);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("the reference failed (" + command + ")");
  }
  std::ifstream is(out_path);
  out.reference = readReference(is);
  for (const Scenario& s : scenarios) {
    if (!out.reference.scenarios.count(s.id)) {
      throw std::runtime_error("no reference result for scenario " + std::to_string(s.id));
    }
  }
  return out;
}

// Compares every scenario, prints each mismatch and a summary; returns whether all agreed.
bool report(const Options& opt, const std::vector<Scenario>& scenarios, const Outcomes& outcomes) {
  // family -> mode -> {failed, run}
  std::map<std::string, std::map<std::string, std::pair<int, int>>> cells;
  int failed = 0;
  // Topics Kafka Streams wrote, per family: a topic it never writes is misnamed here (and then
  // compares empty with empty) or the family does not exercise it.
  std::map<std::string, std::set<std::string>> written;
  std::map<std::string, int> scenarios_of;
  for (const Scenario& s : scenarios) {
    const std::vector<Event>& java = outcomes.reference.scenarios.at(s.id);
    const bool ok = compare(s, java, outcomes.ours[s.id], opt.verbose);
    for (const Event& e : java) {
      if (!e.error) written[s.family->name].insert(e.topic);
    }
    scenarios_of[s.family->name]++;
    auto& cell = cells[s.family->name][s.mode->name];
    cell.second++;
    if (!ok) {
      cell.first++;
      failed++;
    }
  }
  // Each family exists on both sides, so that adding one to only one list cannot go unnoticed.
  int unpaired = 0;
  std::set<std::string> ours;
  for (const Family& f : families()) ours.insert(f.name);
  for (const std::string& name : outcomes.reference.families) {
    if (!ours.count(name)) {
      std::cout << "UNPAIRED " << name << ": in Families.java, not in families.cc\n";
      unpaired++;
    }
  }
  for (const std::string& name : ours) {
    if (!outcomes.reference.families.count(name)) {
      std::cout << "UNPAIRED " << name << ": in families.cc, not in Families.java\n";
      unpaired++;
    }
  }
  int silent = 0;
  for (const Family& f : families()) {
    // A handful of scenarios may leave a topic empty by chance; the default run may not.
    if (scenarios_of[f.name] < 8) continue;
    for (const OutputTopic& t : f.outputs) {
      if (!written[f.name].count(t.name)) {
        std::cout << "SILENT " << f.name << ": Kafka Streams wrote nothing to " << t.name << " in "
                  << scenarios_of[f.name] << " scenarios\n";
        silent++;
      }
    }
  }
  std::cout << "\n"
            << scenarios.size() - failed << "/" << scenarios.size()
            << " scenarios agree with Kafka Streams 4.4.0"
            << (opt.nulls ? "" : " (no null keys or values)") << "\n";
  if (failed > 0) {
    std::cout << "failing family x mode (failed/run):\n";
    for (const auto& [family, modes] : cells) {
      for (const auto& [mode, cell] : modes) {
        if (cell.first > 0) {
          std::cout << "  " << family << " x " << mode << ": " << cell.first << "/" << cell.second
                    << "\n";
        }
      }
    }
  }
  return failed == 0 && silent == 0 && unpaired == 0;
}

int run(int argc, char** argv) {
  Options opt;
  try {
    opt = parseOptions(argc, argv);
  } catch (const std::exception& e) {
    return usage(e.what());
  }
  // kstreams logs every skipped record and out-of-order update; Java's side is silent (slf4j-nop).
  if (!opt.verbose) setLogLevel(LogLevel::kError);
  const std::vector<Scenario> scenarios = makeScenarios(opt);
  if (scenarios.empty()) return usage("no family or mode matches");
  const Outcomes outcomes = runBoth(opt, scenarios);
  return report(opt, scenarios, outcomes) ? 0 : 1;
}

}  // namespace
}  // namespace kstreams::differential

int main(int argc, char** argv) {
  try {
    return kstreams::differential::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "kstreams_differential: " << e.what() << "\n";
    return 2;
  }
}
