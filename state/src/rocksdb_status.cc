#include "rocksdb_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl_compat.h"

namespace kstreams::state::internal {

absl::Status fromRocksDb(const rocksdb::Status& status, std::string_view what,
                         std::string_view subject) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(av(what), av(subject), ": ", status.ToString());
  switch (status.code()) {
    case rocksdb::Status::kCorruption:
      return absl::DataLossError(message);
    case rocksdb::Status::kIOError:
      // RocksDB reports a LOCK file held by another DB instance as a plain IOError; its message
      // is the only way to tell it apart ("While lock file: ...: Resource temporarily
      // unavailable", or "lock hold by current process").
      if (const std::string text = status.ToString();
          text.find("While lock file") != std::string::npos ||
          text.find("lock hold by current process") != std::string::npos) {
        return absl::UnavailableError(message);
      }
      return absl::InternalError(message);
    case rocksdb::Status::kBusy:
    case rocksdb::Status::kTryAgain:
    case rocksdb::Status::kTimedOut:
      return absl::UnavailableError(message);
    case rocksdb::Status::kNotFound:
      return absl::NotFoundError(message);
    case rocksdb::Status::kInvalidArgument:
      return absl::InvalidArgumentError(message);
    case rocksdb::Status::kNotSupported:
      return absl::UnimplementedError(message);
    case rocksdb::Status::kAborted:
      return absl::AbortedError(message);
    default:
      return absl::UnknownError(message);
  }
}

}  // namespace kstreams::state::internal
