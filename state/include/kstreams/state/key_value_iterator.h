// File: kstreams/state/key_value_iterator.h
//
// The iterator every key-value store query returns (Java's KeyValueIterator<Bytes, byte[]>):
//
//   auto it = store.range("a", "m");              // absl::StatusOr<std::unique_ptr<...>>
//   if (!it.ok()) return it.status();
//   while ((*it)->hasNext()) {
//     kstreams::state::KeyValue kv = (*it)->next();
//     ...
//   }
//   if (!(*it)->status().ok()) ...                // an I/O error or a closed store ended it
//
// Java's close() is the destructor: an iterator holds resources of its store (a RocksDB
// iterator pins memtables and SST files), so do not keep one longer than needed.
//
// Threads: an iterator is used by one thread at a time (the one that created it, or any thread
// it is handed to). It sees a consistent snapshot of the store taken when it was created; writes
// made afterwards, by the owning thread or anyone, are not visible through it and do not
// invalidate it. Closing the store ends every open iterator of that store: hasNext() turns
// false and status() becomes FailedPrecondition.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"

namespace kstreams::state {

// One entry of a store, as bytes.
struct KeyValue {
  std::string key;
  std::string value;

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

class KeyValueIterator {
 public:
  virtual ~KeyValueIterator() = default;

  // True while there is an entry to return. False at the end, and also when iteration stopped
  // early: check status() to tell the two apart.
  virtual bool hasNext() = 0;
  // Returns the next entry and advances. Precondition: hasNext(). (Called otherwise it returns
  // an empty KeyValue, where Java would throw NoSuchElementException.)
  virtual KeyValue next() = 0;
  // The key next() would return, without advancing. The view is valid until the next call of
  // any method of this iterator. Precondition: hasNext() (otherwise an empty view).
  virtual std::string_view peekNextKey() = 0;
  // OK, or the error that ended the iteration early (I/O error, store closed).
  virtual absl::Status status() const = 0;
};

}  // namespace kstreams::state
