#include "kstreams/topology.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <sstream>

namespace kstreams {
namespace {

using internal::NodeDef;

std::string typeName(std::type_index t) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(t.name(), nullptr, nullptr, &status);
  std::string out = status == 0 && demangled ? demangled : t.name();
  std::free(demangled);
  return out;
}

std::string joinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

void Topology::addNode(NodeDef def) {
  if (def.name.empty()) throw TopologyException("a node name must not be empty");
  if (index_.count(def.name)) {
    throw TopologyException("node " + def.name + " is already added");
  }
  if (def.kind == NodeDef::Kind::kSource) {
    if (def.topics.empty()) throw TopologyException("source " + def.name + " reads no topic");
    for (const auto& n : nodes_) {
      if (n.kind != NodeDef::Kind::kSource) continue;
      for (const auto& t : def.topics) {
        if (std::find(n.topics.begin(), n.topics.end(), t) != n.topics.end()) {
          throw TopologyException("topic " + t + " is already read by source " + n.name);
        }
      }
    }
  } else if (def.parents.empty()) {
    throw TopologyException("node " + def.name + " has no parent");
  }
  for (const auto& p : def.parents) {
    auto it = index_.find(p);
    if (it == index_.end()) {
      throw TopologyException("parent " + p + " of node " + def.name + " is not added yet");
    }
    const NodeDef& parent = nodes_[it->second];
    if (parent.kind == NodeDef::Kind::kSink) {
      throw TopologyException("sink " + p + " cannot be the parent of " + def.name);
    }
    if (parent.out_key != def.in_key || parent.out_value != def.in_value) {
      throw TopologyException("node " + def.name + " takes <" + typeName(def.in_key) + ", " +
                              typeName(def.in_value) + "> but its parent " + p + " forwards <" +
                              typeName(parent.out_key) + ", " + typeName(parent.out_value) + ">");
    }
  }
  for (const auto& p : def.parents) nodes_[index_.at(p)].children.push_back(def.name);
  index_[def.name] = nodes_.size();
  nodes_.push_back(std::move(def));
}

void Topology::addInternalTopic(internal::InternalTopicDef topic) {
  for (const auto& t : internal_topics_) {
    if (t.name == topic.name) throw TopologyException("internal topic " + t.name + " added twice");
  }
  internal_topics_.push_back(std::move(topic));
}

void Topology::connectStore(const std::string& node, const std::string& store) {
  auto it = index_.find(node);
  if (it == index_.end()) throw TopologyException("unknown node " + node);
  nodes_[it->second].stores.insert(store);
}

const NodeDef& Topology::node(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw TopologyException("unknown node " + name);
  return nodes_[it->second];
}

std::vector<internal::SubtopologyDef> Topology::subtopologies() const {
  // Union-find over node indices: edges and shared stores join nodes into one sub-topology.
  std::vector<size_t> parent(nodes_.size());
  std::iota(parent.begin(), parent.end(), 0);
  std::function<size_t(size_t)> find = [&](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  auto unite = [&](size_t a, size_t b) { parent[find(a)] = find(b); };
  std::map<std::string, size_t> store_owner;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (const auto& p : nodes_[i].parents) unite(i, index_.at(p));
    for (const auto& s : nodes_[i].stores) {
      auto [it, inserted] = store_owner.emplace(s, i);
      if (!inserted) unite(i, it->second);
    }
  }
  // Number groups in the order their first node was added, as Kafka Streams numbers them for
  // DSL-built topologies (sources come first in each group).
  std::map<size_t, int> group_id;
  std::vector<internal::SubtopologyDef> out;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    size_t root = find(i);
    auto [it, inserted] = group_id.emplace(root, static_cast<int>(out.size()));
    if (inserted) {
      out.emplace_back();
      out.back().id = it->second;
    }
    auto& sub = out[it->second];
    sub.nodes.push_back(nodes_[i].name);
    if (nodes_[i].kind == NodeDef::Kind::kSource) {
      for (const auto& t : nodes_[i].topics) sub.source_topics.emplace_back(t, nodes_[i].internal_topic);
    }
  }
  return out;
}

TopologyDescription Topology::describe() const {
  std::ostringstream text;
  std::ostringstream dot;
  text << "Topologies:\n";
  dot << "digraph topology {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  std::set<std::string> topics_drawn;
  auto drawTopic = [&](const std::string& t) {
    if (topics_drawn.insert(t).second) {
      dot << "  \"topic:" << t << "\" [label=\"" << t << "\", shape=box, style=filled, "
          << "fillcolor=lightgrey];\n";
    }
  };
  for (const auto& sub : subtopologies()) {
    // Kafka orders the nodes of a sub-topology by the size of the sub-graph below them (largest
    // first, so roughly sources to sinks) and breaks ties by name; successor and predecessor lists
    // are ordered the same way.
    std::map<std::string, long> size;
    std::function<long(const std::string&)> subtree = [&](const std::string& n) -> long {
      auto it = size.find(n);
      if (it != size.end()) return it->second;
      long s = 1;
      for (const auto& c : node(n).children) s += subtree(c);
      size[n] = s;
      return s;
    };
    auto order = [&](std::vector<std::string> names) {
      std::sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
        long sa = subtree(a), sb = subtree(b);
        return sa != sb ? sa > sb : a < b;
      });
      return names;
    };
    text << "   Sub-topology: " << sub.id << "\n";
    dot << "  subgraph cluster_" << sub.id << " {\n    label=\"Sub-topology: " << sub.id
        << "\";\n";
    for (const auto& name : order(sub.nodes)) {
      const NodeDef& n = node(name);
      switch (n.kind) {
        case NodeDef::Kind::kSource: {
          text << "    Source: " << n.name << " (topics: [";
          for (size_t i = 0; i < n.topics.size(); ++i) text << (i ? ", " : "") << n.topics[i];
          text << "])\n      --> " << joinNames(order(n.children)) << "\n";
          dot << "    \"" << n.name << "\" [shape=ellipse];\n";
          break;
        }
        case NodeDef::Kind::kProcessor: {
          text << "    Processor: " << n.name << " (stores: [";
          size_t i = 0;
          for (const auto& s : n.stores) text << (i++ ? ", " : "") << s;
          text << "])\n      --> " << joinNames(order(n.children)) << "\n      <-- "
               << joinNames(order(n.parents)) << "\n";
          dot << "    \"" << n.name << "\" [shape=box, style=rounded];\n";
          break;
        }
        case NodeDef::Kind::kSink: {
          text << "    Sink: " << n.name << " (topic: " << n.topics.at(0) << ")\n      <-- "
               << joinNames(order(n.parents)) << "\n";
          dot << "    \"" << n.name << "\" [shape=invhouse];\n";
          break;
        }
      }
    }
    text << "\n";
    dot << "  }\n";
    for (const auto& name : sub.nodes) {
      const NodeDef& n = node(name);
      for (const auto& c : n.children) dot << "  \"" << n.name << "\" -> \"" << c << "\";\n";
      if (n.kind == NodeDef::Kind::kSource) {
        for (const auto& t : n.topics) {
          drawTopic(t);
          dot << "  \"topic:" << t << "\" -> \"" << n.name << "\";\n";
        }
      } else if (n.kind == NodeDef::Kind::kSink) {
        drawTopic(n.topics.at(0));
        dot << "  \"" << n.name << "\" -> \"topic:" << n.topics.at(0) << "\";\n";
      }
      for (const auto& s : n.stores) {
        dot << "  \"store:" << s << "\" [label=\"" << s << "\", shape=cylinder];\n";
        dot << "  \"" << n.name << "\" -> \"store:" << s << "\" [dir=both, style=dashed];\n";
      }
    }
  }
  dot << "}\n";
  return TopologyDescription(text.str(), dot.str());
}

}  // namespace kstreams
