// An iterator over entries copied out of a store (private): the in-memory store's iterators and
// empty results (inverted ranges).
#pragma once

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "kstreams/state/key_value_iterator.h"

namespace kstreams::state::internal {

class SnapshotIterator final : public KeyValueIterator {
 public:
  // `entries` in the order they are to be returned.
  explicit SnapshotIterator(std::vector<KeyValue> entries) : entries_(std::move(entries)) {}

  bool hasNext() override { return pos_ < entries_.size(); }
  KeyValue next() override {
    if (pos_ >= entries_.size()) return {};
    return std::move(entries_[pos_++]);
  }
  std::string_view peekNextKey() override {
    if (pos_ >= entries_.size()) return {};
    return entries_[pos_].key;
  }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  std::vector<KeyValue> entries_;
  std::size_t pos_ = 0;
};

inline std::unique_ptr<KeyValueIterator> emptyIterator() {
  return std::make_unique<SnapshotIterator>(std::vector<KeyValue>{});
}

}  // namespace kstreams::state::internal
