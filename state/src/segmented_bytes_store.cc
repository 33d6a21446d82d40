#include "kstreams/state/segmented_bytes_store.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <limits>
#include <mutex>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl_compat.h"
#include "kstreams/state/in_memory_key_value_store.h"
#include "kstreams/state/rocksdb_key_value_store.h"
#include "kstreams/state/window_key_schema.h"
#include "snapshot_iterator.h"

namespace kstreams::state {
namespace {

constexpr char kCheckpointFile[] = "kstreams.checkpoint";

// a - b without overflow (saturating at the int64 limits).
int64_t saturatingSub(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) {
    return b > 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return out;
}

// Walks the iterators of several segments in order, returning only the entries `keep` accepts.
// Holds the segments it reads (a segment dropped meanwhile ends its part: its iterator reports
// FailedPrecondition, which ends the whole iteration).
class SegmentedIterator final : public KeyValueIterator {
 public:
  SegmentedIterator(std::vector<std::shared_ptr<KeyValueStore>> segments,
                    std::vector<std::unique_ptr<KeyValueIterator>> parts,
                    std::function<bool(std::string_view)> keep)
      : segments_(std::move(segments)), parts_(std::move(parts)), keep_(std::move(keep)) {}

  bool hasNext() override { return advance(); }
  KeyValue next() override {
    if (!advance()) return {};
    return parts_[index_]->next();
  }
  std::string_view peekNextKey() override {
    if (!advance()) return {};
    return parts_[index_]->peekNextKey();
  }
  absl::Status status() const override { return status_; }

 private:
  // Moves to the next accepted entry; false at the end or after a failure.
  bool advance() {
    if (!status_.ok()) return false;
    while (index_ < parts_.size()) {
      KeyValueIterator& it = *parts_[index_];
      while (it.hasNext()) {
        if (!keep_ || keep_(it.peekNextKey())) return true;
        it.next();
      }
      if (absl::Status s = it.status(); !s.ok()) {
        status_ = s;
        return false;
      }
      ++index_;
    }
    return false;
  }

  std::vector<std::shared_ptr<KeyValueStore>> segments_;
  std::vector<std::unique_ptr<KeyValueIterator>> parts_;
  std::function<bool(std::string_view)> keep_;
  size_t index_ = 0;
  absl::Status status_;
};

bool inKeyRange(std::string_view key, const std::optional<std::string>& from,
                const std::optional<std::string>& to) {
  if (from && key < std::string_view(*from)) return false;
  if (to && key > std::string_view(*to)) return false;
  return true;
}

std::optional<std::string> copyOf(std::optional<std::string_view> v) {
  if (!v) return std::nullopt;
  return std::string(*v);
}

}  // namespace

// --- SegmentedBytesStore ----------------------------------------------------------------------

SegmentedBytesStore::SegmentedBytesStore(Options options) : options_(std::move(options)) {}

SegmentedBytesStore::~SegmentedBytesStore() { (void)close(); }

std::string SegmentedBytesStore::segmentName(int64_t segment_id) const {
  return absl::StrCat(options_.name, ".", segment_id * options_.segment_interval_ms);
}

absl::Status SegmentedBytesStore::checkOpen() const {
  if (!open_.load()) {
    return absl::FailedPreconditionError(
        absl::StrCat("state store ", options_.name, " is not open"));
  }
  return absl::OkStatus();
}

std::optional<int64_t> SegmentedBytesStore::segmentTimestamp(std::string_view key) const {
  if (options_.schema == SegmentedKeySchema::kWindow) {
    if (!WindowKeySchema::validWindowKey(key)) return std::nullopt;
    return WindowKeySchema::extractStoreTimestamp(key);
  }
  if (!SessionKeySchema::validSessionKey(key)) return std::nullopt;
  return SessionKeySchema::extractEndTimestamp(key);
}

int64_t SegmentedBytesStore::actualFrom(int64_t from) const {
  const int64_t min_live = saturatingSub(observed_stream_time_.load(), options_.retention_ms);
  if (min_live == std::numeric_limits<int64_t>::min()) return from;
  return std::max(from, min_live + 1);
}

void SegmentedBytesStore::observe(int64_t timestamp) {
  int64_t seen = observed_stream_time_.load();
  while (timestamp > seen && !observed_stream_time_.compare_exchange_weak(seen, timestamp)) {
  }
}

bool SegmentedBytesStore::expiredForPut(int64_t timestamp, int64_t segment_id) const {
  const int64_t min_live_timestamp =
      saturatingSub(observed_stream_time_.load(), options_.retention_ms);
  if (segment_id < segmentId(min_live_timestamp)) return true;
  // Java's in-memory stores expire per record.
  return !options_.persistent && timestamp <= min_live_timestamp;
}

absl::Status SegmentedBytesStore::init(const StateStoreContext& context) {
  if (open_.load()) {
    return absl::FailedPreconditionError(
        absl::StrCat("state store ", options_.name, " is already open"));
  }
  if (options_.name.empty() || options_.name.find('/') != std::string::npos ||
      options_.name == "." || options_.name == "..") {
    return absl::InvalidArgumentError(
        absl::StrCat("'", options_.name, "' is not a usable state store name"));
  }
  if (options_.segment_interval_ms <= 0 || options_.retention_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("state store ", options_.name, ": bad retention or segment interval"));
  }
  context_ = context;
  context_.change_logger = nullptr;
  observed_stream_time_.store(-1);
  checkpoint_.reset();
  if (options_.persistent) {
    if (context.store_dir.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("state store ", options_.name, " needs a directory"));
    }
    dir_ = context.store_dir;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot create ", dir_.string(), ": ", ec.message()));
    }
    // The checkpoint.
    const std::filesystem::path cp = dir_ / kCheckpointFile;
    if (std::filesystem::exists(cp, ec)) {
      std::ifstream in(cp);
      std::string text;
      std::getline(in, text);
      int64_t offset = 0;
      auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), offset);
      if (err != std::errc() || end != text.data() + text.size() || text.empty()) {
        return absl::DataLossError(
            absl::StrCat("state store ", options_.name, ": unreadable checkpoint ", cp.string()));
      }
      checkpoint_ = offset;
    }
    // The existing segments, "<name>.<segment id * interval>", in id order.
    std::vector<int64_t> ids;
    const std::string prefix = options_.name + ".";
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string file = entry.path().filename().string();
      if (file.size() <= prefix.size() || file.compare(0, prefix.size(), prefix) != 0) continue;
      int64_t start = 0;
      const char* first = file.data() + prefix.size();
      const char* last = file.data() + file.size();
      auto [end, err] = std::from_chars(first, last, start);
      if (err != std::errc() || end != last || start < 0) continue;
      ids.push_back(start / options_.segment_interval_ms);
    }
    if (ec) {
      return absl::InternalError(absl::StrCat("cannot list ", dir_.string(), ": ", ec.message()));
    }
    std::sort(ids.begin(), ids.end());
    open_.store(true);
    for (int64_t id : ids) {
      absl::StatusOr<SegmentPtr> seg = openSegment(id);
      if (!seg.ok()) {
        (void)close();
        return seg.status();
      }
      std::unique_lock lock(mu_);
      segments_[id] = *std::move(seg);
    }
  } else {
    open_.store(true);
  }
  return cleanupExpiredSegments(observed_stream_time_.load());
}

absl::StatusOr<SegmentedBytesStore::SegmentPtr> SegmentedBytesStore::openSegment(
    int64_t segment_id) {
  const std::string seg_name = segmentName(segment_id);
  SegmentPtr seg;
  if (options_.persistent) {
    seg = std::make_shared<RocksDbKeyValueStore>(seg_name);
  } else {
    seg = std::make_shared<InMemoryKeyValueStore>(seg_name);
  }
  StateStoreContext ctx = context_;
  ctx.store_dir = options_.persistent ? dir_ / seg_name : std::filesystem::path();
  if (absl::Status s = seg->init(ctx); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("state store ", options_.name, ": segment ",
                                               seg_name, ": ", s.message()));
  }
  return seg;
}

absl::StatusOr<SegmentedBytesStore::SegmentPtr> SegmentedBytesStore::getOrCreateSegmentIfLive(
    int64_t segment_id, int64_t stream_time) {
  if (segment_id < segmentId(saturatingSub(stream_time, options_.retention_ms))) {
    return SegmentPtr();
  }
  {
    std::shared_lock lock(mu_);
    auto it = segments_.find(segment_id);
    if (it != segments_.end()) return it->second;
  }
  absl::StatusOr<SegmentPtr> seg = openSegment(segment_id);
  if (!seg.ok()) return seg.status();
  std::unique_lock lock(mu_);
  segments_[segment_id] = *seg;
  return seg;
}

absl::Status SegmentedBytesStore::cleanupExpiredSegments(int64_t stream_time) {
  const int64_t min_live = segmentId(saturatingSub(stream_time, options_.retention_ms));
  std::vector<SegmentPtr> dropped;
  {
    std::unique_lock lock(mu_);
    auto end = segments_.lower_bound(min_live);
    for (auto it = segments_.begin(); it != end; ++it) dropped.push_back(it->second);
    segments_.erase(segments_.begin(), end);
  }
  absl::Status result;
  for (const SegmentPtr& seg : dropped) {
    if (absl::Status s = seg->close(); !s.ok() && result.ok()) result = s;
    if (options_.persistent) {
      if (absl::Status s = RocksDbKeyValueStore::wipe(dir_ / seg->name()); !s.ok() && result.ok()) {
        result = s;
      }
    }
  }
  return result;
}

SegmentedBytesStore::SegmentPtr SegmentedBytesStore::segmentFor(int64_t timestamp) const {
  std::shared_lock lock(mu_);
  auto it = segments_.find(segmentId(timestamp));
  return it == segments_.end() ? SegmentPtr() : it->second;
}

std::vector<int64_t> SegmentedBytesStore::segmentIds() const {
  std::shared_lock lock(mu_);
  std::vector<int64_t> ids;
  for (const auto& [id, seg] : segments_) ids.push_back(id);
  return ids;
}

absl::Status SegmentedBytesStore::flush() {
  if (absl::Status s = checkOpen(); !s.ok()) return s;
  std::vector<SegmentPtr> segs;
  {
    std::shared_lock lock(mu_);
    for (const auto& [id, seg] : segments_) segs.push_back(seg);
  }
  for (const SegmentPtr& seg : segs) {
    if (absl::Status s = seg->flush(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SegmentedBytesStore::close() {
  std::map<int64_t, SegmentPtr> segs;
  {
    std::unique_lock lock(mu_);
    segs.swap(segments_);
  }
  open_.store(false);
  absl::Status result;
  for (auto& [id, seg] : segs) {
    if (absl::Status s = seg->close(); !s.ok() && result.ok()) result = s;
  }
  return result;
}

// --- KeyValueStore view ---------------------------------------------------------------------

absl::StatusOr<std::optional<std::string>> SegmentedBytesStore::get(std::string_view key) const {
  if (absl::Status s = checkOpen(); !s.ok()) return s;
  std::optional<int64_t> ts = segmentTimestamp(key);
  if (!ts) return absl::InvalidArgumentError("a window or session store key is too short");
  if (*ts < actualFrom(std::numeric_limits<int64_t>::min())) return std::optional<std::string>();
  SegmentPtr seg = segmentFor(*ts);
  if (!seg) return std::optional<std::string>();
  return seg->get(key);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedBytesStore::segmentedScan(
    int64_t seg_from, int64_t seg_to, std::optional<std::string> lower,
    std::optional<std::string> upper, std::function<bool(std::string_view)> keep,
    bool forward) const {
  if (absl::Status s = checkOpen(); !s.ok()) return s;
  std::vector<SegmentPtr> segs;
  std::vector<std::unique_ptr<KeyValueIterator>> parts;
  std::shared_lock lock(mu_);
  const int64_t first = segmentId(seg_from);
  const int64_t last = segmentId(seg_to);
  if (first > last) return internal::emptyIterator();
  auto begin = segments_.lower_bound(first);
  auto end = segments_.upper_bound(last);
  for (auto it = begin; it != end; ++it) segs.push_back(it->second);
  if (!forward) std::reverse(segs.begin(), segs.end());
  for (const SegmentPtr& seg : segs) {
    absl::StatusOr<std::unique_ptr<KeyValueIterator>> part =
        lower && upper ? (forward ? seg->range(*lower, *upper) : seg->reverseRange(*lower, *upper))
                       : (forward ? seg->all() : seg->reverseAll());
    if (!part.ok()) return part.status();
    parts.push_back(*std::move(part));
  }
  return std::make_unique<SegmentedIterator>(std::move(segs), std::move(parts), std::move(keep));
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedBytesStore::range(
    std::string_view from, std::string_view to) const {
  const int64_t live = actualFrom(std::numeric_limits<int64_t>::min());
  return segmentedScan(
      live, std::numeric_limits<int64_t>::max(), std::string(from), std::string(to),
      [this, live](std::string_view k) { return segmentTimestamp(k).value_or(live - 1) >= live; },
      true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedBytesStore::reverseRange(
    std::string_view from, std::string_view to) const {
  const int64_t live = actualFrom(std::numeric_limits<int64_t>::min());
  return segmentedScan(
      live, std::numeric_limits<int64_t>::max(), std::string(from), std::string(to),
      [this, live](std::string_view k) { return segmentTimestamp(k).value_or(live - 1) >= live; },
      false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedBytesStore::all() const {
  const int64_t live = actualFrom(std::numeric_limits<int64_t>::min());
  return segmentedScan(
      live, std::numeric_limits<int64_t>::max(), std::nullopt, std::nullopt,
      [this, live](std::string_view k) { return segmentTimestamp(k).value_or(live - 1) >= live; },
      true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedBytesStore::reverseAll() const {
  const int64_t live = actualFrom(std::numeric_limits<int64_t>::min());
  return segmentedScan(
      live, std::numeric_limits<int64_t>::max(), std::nullopt, std::nullopt,
      [this, live](std::string_view k) { return segmentTimestamp(k).value_or(live - 1) >= live; },
      false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedBytesStore::prefixScan(
    std::string_view prefix) const {
  const int64_t live = actualFrom(std::numeric_limits<int64_t>::min());
  return segmentedScan(
      live, std::numeric_limits<int64_t>::max(), std::nullopt, std::nullopt,
      [this, live, p = std::string(prefix)](std::string_view k) {
        return k.substr(0, p.size()) == p && segmentTimestamp(k).value_or(live - 1) >= live;
      },
      true);
}

absl::StatusOr<int64_t> SegmentedBytesStore::approximateNumEntries() const {
  if (absl::Status s = checkOpen(); !s.ok()) return s;
  std::shared_lock lock(mu_);
  int64_t total = 0;
  for (const auto& [id, seg] : segments_) {
    absl::StatusOr<int64_t> n = seg->approximateNumEntries();
    if (!n.ok()) return n.status();
    total += *n;
  }
  return total;
}

absl::Status SegmentedBytesStore::put(std::string_view key, std::string_view value) {
  if (absl::Status s = checkOpen(); !s.ok()) return s;
  std::optional<int64_t> ts = segmentTimestamp(key);
  if (!ts) return absl::InvalidArgumentError("a window or session store key is too short");
  observe(*ts);
  const int64_t stream_time = observed_stream_time_.load();
  const int64_t id = segmentId(*ts);
  if (expiredForPut(*ts, id)) {
    dropped_expired_.fetch_add(1);
    return cleanupExpiredSegments(stream_time);
  }
  absl::StatusOr<SegmentPtr> seg = getOrCreateSegmentIfLive(id, stream_time);
  if (!seg.ok()) return seg.status();
  if (absl::Status s = cleanupExpiredSegments(stream_time); !s.ok()) return s;
  if (!*seg) {
    dropped_expired_.fetch_add(1);
    return absl::OkStatus();
  }
  return (*seg)->put(key, value);
}

absl::StatusOr<std::optional<std::string>> SegmentedBytesStore::putIfAbsent(
    std::string_view key, std::string_view value) {
  absl::StatusOr<std::optional<std::string>> existing = get(key);
  if (!existing.ok() || existing->has_value()) return existing;
  if (absl::Status s = put(key, value); !s.ok()) return s;
  return std::optional<std::string>();
}

absl::Status SegmentedBytesStore::putAll(const KeyValueChanges& changes) {
  for (const auto& [key, value] : changes) {
    if (value) {
      if (absl::Status s = put(key, *value); !s.ok()) return s;
    } else {
      absl::StatusOr<std::optional<std::string>> r = remove(key);
      if (!r.ok()) return r.status();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> SegmentedBytesStore::remove(std::string_view key) {
  if (absl::Status s = checkOpen(); !s.ok()) return s;
  std::optional<int64_t> ts = segmentTimestamp(key);
  if (!ts) return absl::InvalidArgumentError("a window or session store key is too short");
  observe(*ts);
  SegmentPtr seg = segmentFor(*ts);
  if (!seg) return std::optional<std::string>();
  return seg->remove(key);
}

absl::Status SegmentedBytesStore::restoreBatch(const KeyValueChanges& records,
                                               int64_t changelog_offset) {
  if (absl::Status s = checkOpen(); !s.ok()) return s;
  // As Java: stream time first moves to the batch's largest timestamp.
  for (const auto& [key, value] : records) {
    std::optional<int64_t> ts = segmentTimestamp(key);
    if (!ts) {
      return absl::DataLossError(absl::StrCat("state store ", options_.name,
                                              ": a changelog key is too short for its layout"));
    }
    observe(*ts);
  }
  const int64_t stream_time = observed_stream_time_.load();
  std::map<int64_t, std::pair<SegmentPtr, KeyValueChanges>> batches;
  for (const auto& [key, value] : records) {
    const int64_t ts = *segmentTimestamp(key);
    const int64_t id = segmentId(ts);
    if (expiredForPut(ts, id)) continue;
    auto it = batches.find(id);
    if (it == batches.end()) {
      absl::StatusOr<SegmentPtr> seg = getOrCreateSegmentIfLive(id, stream_time);
      if (!seg.ok()) return seg.status();
      if (!*seg) continue;
      it = batches.emplace(id, std::make_pair(*seg, KeyValueChanges())).first;
    }
    it->second.second.emplace_back(key, value);
  }
  for (auto& [id, batch] : batches) {
    if (absl::Status s = batch.first->putAll(batch.second); !s.ok()) return s;
  }
  if (absl::Status s = cleanupExpiredSegments(stream_time); !s.ok()) return s;
  return writeCheckpoint(changelog_offset);
}

std::optional<int64_t> SegmentedBytesStore::checkpointedOffset() const { return checkpoint_; }

absl::Status SegmentedBytesStore::writeCheckpointFile(int64_t offset) {
  const std::filesystem::path cp = dir_ / kCheckpointFile;
  const std::filesystem::path tmp = dir_ / (std::string(kCheckpointFile) + ".tmp");
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return absl::InternalError(absl::StrCat("cannot write ", tmp.string()));
  const std::string text = std::to_string(offset) + "\n";
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size() &&
                       std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
  std::fclose(f);
  if (!written) return absl::InternalError(absl::StrCat("cannot write ", tmp.string()));
  std::error_code ec;
  std::filesystem::rename(tmp, cp, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", tmp.string(), " to ", cp.string(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::Status SegmentedBytesStore::writeCheckpoint(int64_t offset) {
  if (absl::Status s = checkOpen(); !s.ok()) return s;
  if (options_.persistent) {
    // The data first (every segment's WAL synced), so the checkpoint never leads it.
    if (absl::Status s = flush(); !s.ok()) return s;
    if (absl::Status s = writeCheckpointFile(offset); !s.ok()) return s;
  }
  checkpoint_ = offset;
  return absl::OkStatus();
}

absl::Status SegmentedBytesStore::putAllWithCheckpoint(const KeyValueChanges& changes,
                                                       int64_t offset) {
  if (absl::Status s = putAll(changes); !s.ok()) return s;
  return writeCheckpoint(offset);
}

// --- SegmentedWindowStore -------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<SegmentedWindowStore>> SegmentedWindowStore::create(
    std::string name, int64_t retention_ms, int64_t window_size_ms, bool retain_duplicates,
    bool persistent) {
  if (retention_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("retentionPeriod cannot be negative (store ", name, ")"));
  }
  if (window_size_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("windowSize cannot be negative (store ", name, ")"));
  }
  if (window_size_ms > retention_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("The retention period of the window store ", name,
                     " must be no smaller than its window size. Got size=[", window_size_ms,
                     "], retention=[", retention_ms, "]"));
  }
  Options options;
  options.name = std::move(name);
  options.retention_ms = retention_ms;
  options.segment_interval_ms = defaultSegmentInterval(retention_ms);
  options.persistent = persistent;
  options.schema = SegmentedKeySchema::kWindow;
  return std::make_unique<SegmentedWindowStore>(std::move(options), window_size_ms,
                                                retain_duplicates);
}

SegmentedWindowStore::SegmentedWindowStore(Options options, int64_t window_size_ms,
                                           bool retain_duplicates)
    : SegmentedBytesStore([&] {
        options.schema = SegmentedKeySchema::kWindow;
        return std::move(options);
      }()),
      window_size_(window_size_ms),
      retain_duplicates_(retain_duplicates) {}

absl::Status SegmentedWindowStore::putWindow(std::string_view key,
                                             std::optional<std::string_view> value,
                                             int64_t window_start, std::string* store_key_out) {
  if (store_key_out != nullptr) store_key_out->clear();
  // A delete in a store of duplicates is a no-op (Java's RocksDBWindowStore.put).
  if (!value && retain_duplicates_) return absl::OkStatus();
  int32_t seq = seqnum_.load();
  if (retain_duplicates_) {
    seq = (seq + 1) & 0x7FFFFFFF;
    seqnum_.store(seq);
  }
  std::string store_key = WindowKeySchema::toStoreKeyBinary(key, window_start, seq);
  absl::Status s;
  if (value) {
    s = put(store_key, *value);
  } else {
    absl::StatusOr<std::optional<std::string>> r = remove(store_key);
    s = r.status();
  }
  if (s.ok() && store_key_out != nullptr) *store_key_out = std::move(store_key);
  return s;
}

absl::StatusOr<std::optional<std::string>> SegmentedWindowStore::fetch(std::string_view key,
                                                                       int64_t window_start) const {
  return get(WindowKeySchema::toStoreKeyBinary(key, window_start, seqnum_.load()));
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::fetchKey(
    std::string_view key, int64_t time_from, int64_t time_to, bool forward) const {
  const int64_t from = actualFrom(time_from);
  if (time_to < from) return internal::emptyIterator();
  std::string lower = WindowKeySchema::toStoreKeyBinary(key, std::max<int64_t>(0, from), 0);
  std::string upper =
      WindowKeySchema::toStoreKeyBinary(key, time_to, std::numeric_limits<int32_t>::max());
  return segmentedScan(
      from, time_to, std::move(lower), std::move(upper),
      [k = std::string(key), from, time_to](std::string_view sk) {
        if (WindowKeySchema::extractStoreKeyBytes(sk) != k) return false;
        const int64_t ts = WindowKeySchema::extractStoreTimestamp(sk);
        return ts >= from && ts <= time_to;
      },
      forward);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::fetch(
    std::string_view key, int64_t time_from, int64_t time_to) const {
  return fetchKey(key, time_from, time_to, true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::backwardFetch(
    std::string_view key, int64_t time_from, int64_t time_to) const {
  return fetchKey(key, time_from, time_to, false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::fetchRange(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to, bool forward) const {
  if (key_from && key_to && *key_from > *key_to) return internal::emptyIterator();
  const int64_t from = actualFrom(time_from);
  if (time_to < from) return internal::emptyIterator();
  std::optional<std::string> lower;
  std::optional<std::string> upper;
  if (key_to) {
    lower = key_from ? std::string(*key_from) : std::string();
    upper = std::string(*key_to) + std::string(WindowKeySchema::kSuffixSize, '\xff');
  }
  return segmentedScan(
      from, time_to, std::move(lower), std::move(upper),
      [kf = copyOf(key_from), kt = copyOf(key_to), from, time_to](std::string_view sk) {
        if (!inKeyRange(WindowKeySchema::extractStoreKeyBytes(sk), kf, kt)) return false;
        const int64_t ts = WindowKeySchema::extractStoreTimestamp(sk);
        return ts >= from && ts <= time_to;
      },
      forward);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::fetch(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to) const {
  return fetchRange(key_from, key_to, time_from, time_to, true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::backwardFetch(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to) const {
  return fetchRange(key_from, key_to, time_from, time_to, false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::fetchAll(
    int64_t time_from, int64_t time_to) const {
  return fetchRange(std::nullopt, std::nullopt, time_from, time_to, true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::backwardFetchAll(
    int64_t time_from, int64_t time_to) const {
  return fetchRange(std::nullopt, std::nullopt, time_from, time_to, false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::fetchAllWindows() const {
  return fetchRange(std::nullopt, std::nullopt, 0, std::numeric_limits<int64_t>::max(), true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedWindowStore::backwardFetchAllWindows()
    const {
  return fetchRange(std::nullopt, std::nullopt, 0, std::numeric_limits<int64_t>::max(), false);
}

// --- SegmentedSessionStore ------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<SegmentedSessionStore>> SegmentedSessionStore::create(
    std::string name, int64_t retention_ms, bool persistent) {
  if (retention_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("retentionPeriod cannot be negative (store ", name, ")"));
  }
  Options options;
  options.name = std::move(name);
  options.retention_ms = retention_ms;
  options.segment_interval_ms = defaultSegmentInterval(retention_ms);
  options.persistent = persistent;
  options.schema = SegmentedKeySchema::kSession;
  return std::make_unique<SegmentedSessionStore>(std::move(options));
}

SegmentedSessionStore::SegmentedSessionStore(Options options)
    : SegmentedBytesStore([&] {
        options.schema = SegmentedKeySchema::kSession;
        return std::move(options);
      }()) {}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedSessionStore::find(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    bool single_key, int64_t earliest_end, int64_t latest_start, bool forward) const {
  if (key_from && key_to && *key_from > *key_to) return internal::emptyIterator();
  const int64_t from = actualFrom(earliest_end);
  std::optional<std::string> lower;
  std::optional<std::string> upper;
  if (single_key) {
    lower = SessionKeySchema::toBinary(*key_from, 0, std::max<int64_t>(0, from));
    upper =
        SessionKeySchema::toBinary(*key_from, latest_start, std::numeric_limits<int64_t>::max());
  } else if (key_to) {
    lower = key_from ? std::string(*key_from) : std::string();
    upper = std::string(*key_to) + std::string(SessionKeySchema::kSuffixSize, '\xff');
  }
  // Sessions are segmented by end: every segment from the earliest end on may hold one.
  return segmentedScan(
      from, std::numeric_limits<int64_t>::max(), std::move(lower), std::move(upper),
      [kf = copyOf(key_from), kt = copyOf(key_to), from, latest_start](std::string_view sk) {
        if (!inKeyRange(SessionKeySchema::extractKeyBytes(sk), kf, kt)) return false;
        return SessionKeySchema::extractEndTimestamp(sk) >= from &&
               SessionKeySchema::extractStartTimestamp(sk) <= latest_start;
      },
      forward);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedSessionStore::findSessions(
    std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) const {
  return find(key, key, true, earliest_session_end, latest_session_start, true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedSessionStore::backwardFindSessions(
    std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) const {
  return find(key, key, true, earliest_session_end, latest_session_start, false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedSessionStore::findSessions(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t earliest_session_end, int64_t latest_session_start) const {
  return find(key_from, key_to, false, earliest_session_end, latest_session_start, true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> SegmentedSessionStore::backwardFindSessions(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t earliest_session_end, int64_t latest_session_start) const {
  return find(key_from, key_to, false, earliest_session_end, latest_session_start, false);
}

absl::StatusOr<std::optional<std::string>> SegmentedSessionStore::fetchSession(std::string_view key,
                                                                               int64_t start,
                                                                               int64_t end) const {
  return get(SessionKeySchema::toBinary(key, start, end));
}

absl::Status SegmentedSessionStore::putSession(std::string_view key, int64_t start, int64_t end,
                                               std::optional<std::string_view> aggregate) {
  const std::string binary = SessionKeySchema::toBinary(key, start, end);
  if (aggregate) return put(binary, *aggregate);
  return remove(binary).status();
}

absl::Status SegmentedSessionStore::removeSession(std::string_view key, int64_t start,
                                                  int64_t end) {
  return remove(SessionKeySchema::toBinary(key, start, end)).status();
}

}  // namespace kstreams::state
