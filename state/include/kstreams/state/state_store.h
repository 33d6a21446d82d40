// File: kstreams/state/state_store.h
//
// What every state store is (Java's org.apache.kafka.streams.processor.StateStore), and the
// context the runtime hands it when a task initializes its stores.
//
//   auto store = kstreams::state::Stores::keyValueStoreBuilder(
//                    kstreams::state::Stores::persistentKeyValueStore("counts")).build();
//   kstreams::state::StateStoreContext ctx;
//   ctx.store_dir = "/tmp/kstreams/my-app/0_1/counts";  // state.dir/application.id/task/store
//   ctx.rocksdb_resources = resources;                   // shared by all stores of the instance
//   ctx.change_logger = &logger;                         // sends to my-app-counts-changelog
//   if (absl::Status s = store->init(ctx); !s.ok()) ...  // DataLoss: wipe the dir and rebuild
//
// Ownership and threads: a store belongs to one task and is written only by the stream thread
// that runs the task ("the owning thread"): init(), flush(), close() and every write are called
// there. Interactive queries read through ReadOnlyKeyValueStore (key_value_store.h) from any
// thread; name(), persistent() and isOpen() may be called from any thread too.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/status.h"

namespace kstreams::state {

class ChangeLogger;
class RocksDbResources;

// What a task gives its stores in init(). Plain data; the pointers are borrowed.
struct StateStoreContext {
  // The directory of this store: state.dir/application.id/<task>/<store>. Persistent stores
  // create it if missing; in-memory stores ignore it.
  std::filesystem::path store_dir;
  // The memory budget (block cache and write buffers) shared by every RocksDB store of the
  // KafkaStreams instance. Null: RocksDbResources::processDefault().
  std::shared_ptr<RocksDbResources> rocksdb_resources;
  // Where a change-logging store sends its changes; owned by the runtime and valid until the
  // store is closed. Null when logging is disabled (a logging store then fails init()).
  ChangeLogger* change_logger = nullptr;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // The store's name, unique within a topology; also the last component of its directory and
  // part of its changelog topic name. Any thread.
  virtual const std::string& name() const = 0;
  // Opens the store (owning thread, once, before any other call). Errors: InvalidArgument for a
  // bad name or context, DataLoss for a corrupt store directory (the caller wipes it and
  // restores from the changelog), Unavailable when another process holds the directory.
  virtual absl::Status init(const StateStoreContext& context) = 0;
  // Makes the writes so far durable as far as the store can (commit path; owning thread).
  virtual absl::Status flush() = 0;
  // Closes the store and ends its open iterators; idempotent (owning thread). The destructor
  // closes too, ignoring errors.
  virtual absl::Status close() = 0;
  // True if the store survives a restart (RocksDB); false for in-memory stores. Any thread.
  virtual bool persistent() const = 0;
  // True between a successful init() and close(). Any thread.
  virtual bool isOpen() const = 0;
};

}  // namespace kstreams::state
