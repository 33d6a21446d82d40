// File: kstreams/internal/store_def.h — NOT part of the public API; may change at any time.
//
// What a Topology keeps per state store: the byte-level store builder (supplier, logging and
// caching flags, changelog topic configs) and a factory for the typed facade processors see.
// Made by StoreBuilder<S> (kstreams/stores.h) and by the DSL; read by StreamTask, which builds
// one store per task from it. Immutable once the topology is built.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kstreams/internal/node.h"
#include "kstreams/state/key_value_store.h"
#include "kstreams/state/store_builders.h"

namespace kstreams::internal {

class CacheFlushHook;

struct StoreDef {
  // Supplier, logging (with the changelog's topic configs) and caching flags.
  state::KeyValueStoreBuilder builder;
  // Values are ValueAndTimestamp bytes (8-byte big-endian timestamp + value): the changelog gets
  // the plain value with that timestamp as the record's (Kafka's timestamped stores), and a
  // restore must add the record timestamp back in front (see StreamTask::changelogToStoreValue).
  bool timestamped = false;
  // Makes the typed facade (a KeyValueStore<K, V>) over the task's byte store; resolves null
  // serdes against the config defaults of `task`. Called once per task.
  std::function<std::unique_ptr<StateStore>(state::KeyValueStore& store, const TaskContext& task,
                                            CacheFlushHook* cache)>
      make_facade;

  const std::string& name() const { return builder.name(); }
};

}  // namespace kstreams::internal
