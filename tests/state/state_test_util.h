// Helpers shared by the state-store tests: status assertions, a temporary directory, draining
// iterators.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kstreams/state/key_value_iterator.h"

#define KS_ASSERT_OK(expr)                      \
  do {                                          \
    const ::absl::Status ks_status_ = (expr);   \
    ASSERT_TRUE(ks_status_.ok()) << ks_status_; \
  } while (0)

#define KS_EXPECT_OK(expr)                      \
  do {                                          \
    const ::absl::Status ks_status_ = (expr);   \
    EXPECT_TRUE(ks_status_.ok()) << ks_status_; \
  } while (0)

namespace kstreams::state::testing {

inline absl::Status statusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status statusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

// The value of an OK StatusOr; records a failure (and returns a default T) otherwise.
template <typename T>
T valueOf(absl::StatusOr<T> s) {
  if (!s.ok()) {
    ADD_FAILURE() << s.status();
    return T{};
  }
  return std::move(*s);
}

// A fresh directory under /tmp, removed with everything in it at destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "kstreams-state-XXXXXX");
    if (mkdtemp(templ.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Reads an iterator to its end; records a failure if it ended with an error.
inline std::vector<KeyValue> drain(absl::StatusOr<std::unique_ptr<KeyValueIterator>> it) {
  std::vector<KeyValue> out;
  if (!it.ok()) {
    ADD_FAILURE() << it.status();
    return out;
  }
  while ((*it)->hasNext()) out.push_back((*it)->next());
  EXPECT_TRUE((*it)->status().ok()) << (*it)->status();
  return out;
}

inline std::vector<std::string> keysOf(const std::vector<KeyValue>& entries) {
  std::vector<std::string> keys;
  for (const auto& kv : entries) keys.push_back(kv.key);
  return keys;
}

}  // namespace kstreams::state::testing
