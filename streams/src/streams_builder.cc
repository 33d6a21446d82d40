// The non-template parts of the DSL: StreamsBuilder and InternalStreamsBuilder (names, sources,
// build()). The operators themselves are templates in kstreams/kstream.h.
#include "kstreams/streams_builder.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>

#include "kstreams/errors.h"
#include "kstreams/logging.h"

namespace kstreams {
namespace internal {

namespace {

constexpr size_t kMaxNameLength = 249;  // Java's Named.MAX_NAME_LENGTH
constexpr std::string_view kRepartitionTopicSuffix = "-repartition";

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Java's `prefix.matches("KSTREAM.*-[0-9]{10}")`: whether a repartition prefix is a generated
// name (then the repartition's nodes get generated names too).
bool isGeneratedName(std::string_view s) {
  if (s.size() < 7 + 11 || s.substr(0, 7) != "KSTREAM") return false;
  const std::string_view tail = s.substr(s.size() - 11);
  if (tail[0] != '-') return false;
  return std::all_of(tail.begin() + 1, tail.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

void validateName(const std::string& name) {
  // Java's Named#validate, same messages.
  if (name.empty()) throw TopologyException("Name is illegal, it can't be empty");
  if (name == "." || name == "..") throw TopologyException("Name cannot be \".\" or \"..\"");
  if (name.size() > kMaxNameLength) {
    throw TopologyException("Name is illegal, it can't be longer than " +
                            std::to_string(kMaxNameLength) + " characters, name: " + name);
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      throw TopologyException("Name \"" + name +
                              "\" is illegal, it contains a character other than ASCII "
                              "alphanumerics, '.', '_' and '-'");
    }
  }
}

Topology& InternalStreamsBuilder::topology() {
  if (built_) {
    throw TopologyException(
        "StreamsBuilder::build() was already called; build a new StreamsBuilder to add to the "
        "topology");
  }
  return topology_;
}

Topology InternalStreamsBuilder::build() {
  Topology t = std::move(topology());
  built_ = true;
  return t;
}

std::string InternalStreamsBuilder::newProcessorName(std::string_view prefix) {
  char digits[16];
  std::snprintf(digits, sizeof(digits), "%010d", index_++);
  std::string name(prefix);
  name += digits;
  return name;
}

std::string InternalStreamsBuilder::nameOrGenerate(const std::optional<std::string>& name,
                                                   std::string_view prefix) {
  if (name) validateName(*name);
  std::string generated = newProcessorName(prefix);
  return name ? *name : generated;
}

InternalStreamsBuilder::RepartitionNames InternalStreamsBuilder::newRepartitionNames(
    const std::string& prefix) {
  RepartitionNames n;
  n.topic = endsWith(prefix, kRepartitionTopicSuffix)
                ? prefix
                : prefix + std::string(kRepartitionTopicSuffix);
  // Java generates all three names first, in this order, "to burn index counter for
  // compatibility", and then uses them only for generated prefixes.
  std::string sink = newProcessorName("KSTREAM-SINK-");
  std::string filter = newProcessorName("KSTREAM-FILTER-");
  std::string source = newProcessorName("KSTREAM-SOURCE-");
  if (isGeneratedName(prefix)) {
    n.sink = std::move(sink);
    n.filter = std::move(filter);
    n.source = std::move(source);
  } else {
    n.sink = n.topic + "-sink";
    n.filter = n.topic + "-filter";
    n.source = n.topic + "-source";
  }
  return n;
}

std::string InternalStreamsBuilder::newStoreName(std::string_view prefix) {
  std::string name(prefix);
  name += "STATE-STORE-";
  return newProcessorName(name);
}

std::optional<std::string> InternalStreamsBuilder::joinRepartitionSource(
    const std::string& node) const {
  auto it = join_repartition_sources_.find(node);
  if (it == join_repartition_sources_.end()) return std::nullopt;
  return it->second;
}

void InternalStreamsBuilder::setJoinRepartitionSource(const std::string& node,
                                                      const std::string& source) {
  join_repartition_sources_[node] = source;
}

void warnGeneratedStoreName(const std::string& store, const std::string& processor) {
  logLine(LogLevel::kWarn,
          "state store " + store + " of " + processor +
              " has a generated name, which changes when operators are added or removed "
              "upstream: the store and its changelog topic would then be orphaned and the state "
              "rebuilt from nothing. Name it (Materialized::as) in an application that is meant "
              "to be upgraded.");
}

std::optional<std::string> InternalStreamsBuilder::findSameSource(
    const std::vector<std::string>& topics, std::type_index key_type, std::type_index value_type,
    const SerdeBase* key_serde, const SerdeBase* value_serde) const {
  std::vector<std::string> sorted = topics;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  for (const auto& s : sources_) {
    if (s.sorted_topics == sorted) {
      if (s.key_type != key_type || s.value_type != value_type || s.key_serde != key_serde ||
          s.value_serde != value_serde) {
        throw TopologyException(
            "source " + s.name +
            " already reads these topics with other key/value types or serdes; read them once "
            "and reuse that KStream");
      }
      return s.name;
    }
    for (const auto& t : sorted) {
      if (std::binary_search(s.sorted_topics.begin(), s.sorted_topics.end(), t)) {
        throw TopologyException(
            "Two source nodes are subscribed to overlapping but not equal input topics (" + t +
            " is read by " + s.name + ")");
      }
    }
  }
  return std::nullopt;
}

void InternalStreamsBuilder::recordSource(const std::string& name,
                                          const std::vector<std::string>& topics,
                                          std::type_index key_type, std::type_index value_type,
                                          const SerdeBase* key_serde,
                                          const SerdeBase* value_serde) {
  std::vector<std::string> sorted = topics;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  sources_.push_back(
      StreamSource{name, std::move(sorted), key_type, value_type, key_serde, value_serde});
}

}  // namespace internal

StreamsBuilder::StreamsBuilder() : impl_(std::make_unique<internal::InternalStreamsBuilder>()) {}
StreamsBuilder::~StreamsBuilder() = default;
StreamsBuilder::StreamsBuilder(StreamsBuilder&&) noexcept = default;
StreamsBuilder& StreamsBuilder::operator=(StreamsBuilder&&) noexcept = default;

Topology StreamsBuilder::build() { return impl_->build(); }

}  // namespace kstreams
