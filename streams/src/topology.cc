#include "kstreams/topology.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <sstream>
#include <string_view>

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

// ---- Java collection emulation for describe() ----
//
// Kafka Streams prints a sub-topology's nodes, and each node's successors and predecessors, in
// java.util.TreeSets ordered by "size of the sub-graph below the node, then name". The sizes
// grow while the sets are being filled (InternalTopologyBuilder#describeSubtopology connects
// nodes in java.util.HashMap iteration order and updates sizes as it goes), so the printed order
// of successor and predecessor lists depends on when each element was inserted, not only on the
// final sizes: e.g. Java prints "<-- KSTREAM-MERGE-0000000005, KSTREAM-MAPVALUES-0000000004"
// although both have the same final size and "MAPVALUES" sorts first. To print the same text as
// Java for the same graph, describe() replays that algorithm: HashMap bucket order (String
// hashCode, table sizes as java.util.HashMap grows them) and TreeMap's red-black insertion.
// Not replayed: HashMap bins that turn into trees (8+ names colliding in one bucket of a table
// of 64+), which no realistic topology reaches.

std::u16string toUtf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 0x6 && i + 1 < s.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      len = 2;
    } else if ((c >> 4) == 0xE && i + 2 < s.size()) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      len = 3;
    } else if ((c >> 3) == 0x1E && i + 3 < s.size()) {
      cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      len = 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

// java.lang.String#hashCode.
uint32_t javaHashCode(std::string_view s) {
  uint32_t h = 0;
  for (char16_t c : toUtf16(s)) h = 31 * h + c;
  return h;
}

// java.lang.String#compareTo (UTF-16 code unit order, which differs from UTF-8 byte order only
// for characters beyond the BMP).
int javaCompare(std::string_view a, std::string_view b) {
  const std::u16string ua = toUtf16(a), ub = toUtf16(b);
  return ua.compare(ub);
}

// HashMap's bucket index for a key in a table of `capacity` buckets (HashMap#hash spreads the
// high bits down).
size_t javaBucket(std::string_view key, size_t capacity) {
  const uint32_t h = javaHashCode(key);
  return (h ^ (h >> 16)) & (capacity - 1);
}

// Table size of a default-constructed HashMap/HashSet after `n` insertions (it doubles when the
// size exceeds 3/4 of the table).
size_t javaGrownCapacity(size_t n) {
  size_t cap = 16;
  while (n > cap * 3 / 4) cap *= 2;
  return cap;
}

// Table size of `new HashSet<>(collection)` for a collection of `n` elements.
size_t javaCopyCapacity(size_t n) {
  const size_t wanted =
      std::max<size_t>(static_cast<size_t>(static_cast<float>(n) / 0.75f) + 1, 16);
  size_t cap = 1;
  while (cap < wanted) cap *= 2;
  return cap;
}

// Iteration order of a java.util.HashSet holding `names` (given in insertion order) in a table of
// `capacity` buckets: by bucket, then by insertion within a bucket.
std::vector<std::string> javaHashOrder(const std::vector<std::string>& names, size_t capacity) {
  std::vector<size_t> idx(names.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<size_t> bucket(names.size());
  for (size_t i = 0; i < names.size(); ++i) bucket[i] = javaBucket(names[i], capacity);
  std::stable_sort(idx.begin(), idx.end(),
                   [&](size_t a, size_t b) { return bucket[a] < bucket[b]; });
  std::vector<std::string> out;
  out.reserve(names.size());
  for (size_t i : idx) out.push_back(names[i]);
  return out;
}

// "[a, b]" as java.util.AbstractCollection#toString prints a `new HashSet<>(names)`.
std::string javaSetToString(const std::vector<std::string>& names) {
  std::string out = "[";
  bool first = true;
  for (const auto& n : javaHashOrder(names, javaCopyCapacity(names.size()))) {
    if (!first) out += ", ";
    out += n;
    first = false;
  }
  return out + "]";
}

// The insertion algorithm of java.util.TreeMap (a red-black tree), holding ints (node indices).
// The comparator is evaluated at insertion time only, as in Java, which is what makes the
// iteration order depend on the history of the sizes it reads.
class JavaTreeSet {
 public:
  template <typename Compare>
  void add(int key, Compare compare) {
    if (root_ < 0) {
      root_ = newEntry(key, -1);
      return;
    }
    int t = root_;
    int parent = -1;
    int cmp = 0;
    do {
      parent = t;
      cmp = compare(key, e_[t].key);
      if (cmp < 0) {
        t = e_[t].left;
      } else if (cmp > 0) {
        t = e_[t].right;
      } else {
        return;  // already present
      }
    } while (t >= 0);
    const int x = newEntry(key, parent);
    if (cmp < 0) {
      e_[parent].left = x;
    } else {
      e_[parent].right = x;
    }
    fixAfterInsertion(x);
  }

  std::vector<int> inOrder() const {
    std::vector<int> out;
    std::vector<int> stack;
    int cur = root_;
    while (cur >= 0 || !stack.empty()) {
      while (cur >= 0) {
        stack.push_back(cur);
        cur = e_[cur].left;
      }
      cur = stack.back();
      stack.pop_back();
      out.push_back(e_[cur].key);
      cur = e_[cur].right;
    }
    return out;
  }

  // Every key, in no particular order (for walking predecessors when sizes change).
  template <typename F>
  void forEach(F f) const {
    for (const auto& e : e_) f(e.key);
  }

 private:
  struct Entry {
    int key;
    int left = -1, right = -1, parent = -1;
    bool black = true;
  };

  int newEntry(int key, int parent) {
    e_.push_back(Entry{key, -1, -1, parent, true});
    return static_cast<int>(e_.size()) - 1;
  }
  int parentOf(int p) const { return p < 0 ? -1 : e_[p].parent; }
  int leftOf(int p) const { return p < 0 ? -1 : e_[p].left; }
  int rightOf(int p) const { return p < 0 ? -1 : e_[p].right; }
  bool isBlack(int p) const { return p < 0 ? true : e_[p].black; }
  void setBlack(int p, bool black) {
    if (p >= 0) e_[p].black = black;
  }

  void rotateLeft(int p) {
    if (p < 0) return;
    const int r = e_[p].right;
    e_[p].right = e_[r].left;
    if (e_[r].left >= 0) e_[e_[r].left].parent = p;
    e_[r].parent = e_[p].parent;
    if (e_[p].parent < 0) {
      root_ = r;
    } else if (e_[e_[p].parent].left == p) {
      e_[e_[p].parent].left = r;
    } else {
      e_[e_[p].parent].right = r;
    }
    e_[r].left = p;
    e_[p].parent = r;
  }

  void rotateRight(int p) {
    if (p < 0) return;
    const int l = e_[p].left;
    e_[p].left = e_[l].right;
    if (e_[l].right >= 0) e_[e_[l].right].parent = p;
    e_[l].parent = e_[p].parent;
    if (e_[p].parent < 0) {
      root_ = l;
    } else if (e_[e_[p].parent].right == p) {
      e_[e_[p].parent].right = l;
    } else {
      e_[e_[p].parent].left = l;
    }
    e_[l].right = p;
    e_[p].parent = l;
  }

  void fixAfterInsertion(int x) {
    e_[x].black = false;
    while (x >= 0 && x != root_ && !e_[e_[x].parent].black) {
      if (parentOf(x) == leftOf(parentOf(parentOf(x)))) {
        const int y = rightOf(parentOf(parentOf(x)));
        if (!isBlack(y)) {
          setBlack(parentOf(x), true);
          setBlack(y, true);
          setBlack(parentOf(parentOf(x)), false);
          x = parentOf(parentOf(x));
        } else {
          if (x == rightOf(parentOf(x))) {
            x = parentOf(x);
            rotateLeft(x);
          }
          setBlack(parentOf(x), true);
          setBlack(parentOf(parentOf(x)), false);
          rotateRight(parentOf(parentOf(x)));
        }
      } else {
        const int y = leftOf(parentOf(parentOf(x)));
        if (!isBlack(y)) {
          setBlack(parentOf(x), true);
          setBlack(y, true);
          setBlack(parentOf(parentOf(x)), false);
          x = parentOf(parentOf(x));
        } else {
          if (x == leftOf(parentOf(x))) {
            x = parentOf(x);
            rotateRight(x);
          }
          setBlack(parentOf(x), true);
          setBlack(parentOf(parentOf(x)), false);
          rotateLeft(parentOf(parentOf(x)));
        }
      }
    }
    e_[root_].black = true;
  }

  std::vector<Entry> e_;
  int root_ = -1;
};

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
  for (size_t i = 0; i < def.parents.size(); ++i) {
    // A repeated parent would deliver every record twice.
    if (std::find(def.parents.begin(), def.parents.begin() + i, def.parents[i]) !=
        def.parents.begin() + i) {
      throw TopologyException("node " + def.name + " lists parent " + def.parents[i] + " twice");
    }
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
  for (const auto& store : nodes_.back().stores) maybeAddChangelog(store);
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
  if (nodes_[it->second].kind != NodeDef::Kind::kProcessor) {
    throw TopologyException("only processors can use state stores; " + node + " is not one");
  }
  nodes_[it->second].stores.insert(store);
  maybeAddChangelog(store);
}

void Topology::addStore(internal::StoreDef def, const std::vector<std::string>& processor_names) {
  const std::string name = def.name();
  if (name.empty()) throw TopologyException("a state store name must not be empty");
  if (stores_.count(name)) throw TopologyException("StateStore " + name + " is already added.");
  for (const auto& p : processor_names) {
    if (!index_.count(p)) throw TopologyException("Processor " + p + " is not added yet.");
  }
  stores_.emplace(name, std::move(def));
  for (const auto& p : processor_names) connectStore(p, name);
  // Connected earlier by name (addProcessor's store list)?
  for (const auto& n : nodes_) {
    if (n.stores.count(name)) maybeAddChangelog(name);
  }
}

Topology& Topology::connectProcessorAndStateStores(const std::string& processor_name,
                                                   const std::vector<std::string>& store_names) {
  for (const auto& s : store_names) {
    if (!stores_.count(s)) throw TopologyException("StateStore " + s + " is not added yet.");
  }
  if (!index_.count(processor_name)) {
    throw TopologyException("Processor " + processor_name + " is not added yet.");
  }
  for (const auto& s : store_names) connectStore(processor_name, s);
  return *this;
}

const internal::StoreDef* Topology::storeDef(const std::string& name) const {
  auto it = stores_.find(name);
  return it == stores_.end() ? nullptr : &it->second;
}

void Topology::maybeAddChangelog(const std::string& store) {
  auto it = stores_.find(store);
  if (it == stores_.end() || !it->second.builder.loggingEnabled()) return;
  const std::string topic = store + "-changelog";
  for (const auto& t : internal_topics_) {
    if (t.name == topic) return;
  }
  internal::InternalTopicDef def{topic, -1, it->second.builder.logConfig()};
  def.configs["cleanup.policy"] = "compact";
  internal_topics_.push_back(std::move(def));
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
      for (const auto& t : nodes_[i].topics)
        sub.source_topics.emplace_back(t, nodes_[i].internal_topic);
    }
  }
  return out;
}

TopologyDescription Topology::describe() const {
  // Text: InternalTopologyBuilder.TopologyDescription#toString. The first sub-topology line gets
  // one more space than the others because Java appends "Topologies:\n " once and then "  " before
  // each sub-topology.
  std::ostringstream text;
  std::ostringstream dot;
  text << "Topologies:\n ";
  dot << "digraph topology {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  // Processor API names may contain any character: quote DOT ids and labels.
  auto q = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  };
  std::set<std::string> topics_drawn;
  auto drawTopic = [&](const std::string& t) {
    if (topics_drawn.insert(t).second) {
      dot << "  " << q("topic:" + t) << " [label=" << q(t)
          << ", shape=box, style=filled, fillcolor=lightgrey];\n";
    }
  };
  for (const auto& sub : subtopologies()) {
    // InternalTopologyBuilder#describeSubtopology, replayed (see the comment on JavaTreeSet).
    const size_t n = sub.nodes.size();
    std::map<std::string, int> local;
    for (size_t i = 0; i < n; ++i) local[sub.nodes[i]] = static_cast<int>(i);
    std::vector<long> size(n, 1);
    std::vector<JavaTreeSet> preds(n), succs(n);
    auto compare = [&](int a, int b) {
      if (a == b) return 0;
      if (size[a] != size[b]) return size[b] < size[a] ? -1 : 1;
      return javaCompare(sub.nodes[a], sub.nodes[b]);
    };
    std::function<void(int, long)> updateSize = [&](int node, long delta) {
      size[node] += delta;
      preds[node].forEach([&](int p) { updateSize(p, delta); });
    };
    for (const auto& name : javaHashOrder(sub.nodes, javaGrownCapacity(n))) {
      const int i = local.at(name);
      for (const auto& parent : node(name).parents) {
        const int p = local.at(parent);
        preds[i].add(p, compare);
        succs[p].add(i, compare);
        updateSize(p, size[i]);
      }
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return compare(a, b) < 0; });
    auto names = [&](const JavaTreeSet& set) {
      std::vector<std::string> out;
      for (int i : set.inOrder()) out.push_back(sub.nodes[i]);
      return joinNames(out);
    };

    text << "  Sub-topology: " << sub.id << "\n";
    dot << "  subgraph cluster_" << sub.id << " {\n    label=\"Sub-topology: " << sub.id << "\";\n";
    for (int i : order) {
      const NodeDef& nd = node(sub.nodes[i]);
      switch (nd.kind) {
        case NodeDef::Kind::kSource:
          text << "    Source: " << nd.name << " (topics: " << javaSetToString(nd.topics)
               << ")\n      --> " << names(succs[i]) << "\n";
          dot << "    " << q(nd.name) << " [shape=ellipse];\n";
          break;
        case NodeDef::Kind::kProcessor: {
          const std::vector<std::string> stores(nd.stores.begin(), nd.stores.end());
          text << "    Processor: " << nd.name << " (stores: " << javaSetToString(stores)
               << ")\n      --> " << names(succs[i]) << "\n      <-- " << names(preds[i]) << "\n";
          dot << "    " << q(nd.name) << " [shape=box, style=rounded];\n";
          break;
        }
        case NodeDef::Kind::kSink:
          text << "    Sink: " << nd.name << " (topic: " << nd.topics.at(0) << ")\n      <-- "
               << names(preds[i]) << "\n";
          dot << "    " << q(nd.name) << " [shape=invhouse];\n";
          break;
      }
    }
    text << "\n";
    dot << "  }\n";
    for (const auto& name : sub.nodes) {
      const NodeDef& nd = node(name);
      for (const auto& c : nd.children) dot << "  " << q(nd.name) << " -> " << q(c) << ";\n";
      if (nd.kind == NodeDef::Kind::kSource) {
        for (const auto& t : nd.topics) {
          drawTopic(t);
          dot << "  " << q("topic:" + t) << " -> " << q(nd.name) << ";\n";
        }
      } else if (nd.kind == NodeDef::Kind::kSink) {
        drawTopic(nd.topics.at(0));
        dot << "  " << q(nd.name) << " -> " << q("topic:" + nd.topics.at(0)) << ";\n";
      }
      for (const auto& s : nd.stores) {
        dot << "  " << q("store:" + s) << " [label=" << q(s) << ", shape=cylinder];\n";
        dot << "  " << q(nd.name) << " -> " << q("store:" + s) << " [dir=both, style=dashed];\n";
      }
    }
  }
  dot << "}\n";
  return TopologyDescription(text.str(), dot.str());
}

}  // namespace kstreams
