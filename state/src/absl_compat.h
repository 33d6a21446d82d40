// Debian's Abseil (20220623) has its own absl::string_view, which std::string_view does not
// convert to: every std::string_view passed into Abseil goes through av() (private helper).
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace kstreams::state::internal {

inline absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace kstreams::state::internal
