// Private to kstreams.
#pragma once

#include <exception>
#include <string>

namespace kstreams::internal {

// The message of an exception caught as an exception_ptr, for log lines and handlers: what()
// for std::exception, a fixed text for anything else thrown (user code may throw anything).
inline std::string describeException(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace kstreams::internal
