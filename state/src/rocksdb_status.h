// The one conversion of rocksdb::Status into absl::Status (private).
#pragma once

#include <rocksdb/status.h>

#include <string_view>

#include "absl/status/status.h"

namespace kstreams::state::internal {

// OK stays OK; otherwise a canonical code with RocksDB's message:
//   Corruption                          -> DataLoss (wipe the store and restore it)
//   IOError on the directory lock,
//   Busy, TryAgain, TimedOut            -> Unavailable (another owner may release it)
//   IOError (other), e.g. disk full     -> Internal
//   NotFound                            -> NotFound
//   InvalidArgument                     -> InvalidArgument
//   NotSupported                        -> Unimplemented
//   Aborted, others                     -> Aborted / Unknown
// The message is "<what><subject>: ..."; it is built only on error, so hot paths pass the pieces
// rather than a concatenated string.
absl::Status fromRocksDb(const rocksdb::Status& status, std::string_view what,
                         std::string_view subject = {});

}  // namespace kstreams::state::internal
