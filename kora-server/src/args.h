#pragma once
// Argument helpers shared by the command families.

#include <cstdint>
#include <optional>
#include <string_view>

#include "kora/core/numbers.h"

namespace kora::server {

// ASCII case-insensitive equality, for option names ("EX", "nx", ...).
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

inline std::optional<std::int64_t> to_int(std::string_view s) { return core::parse_int64(s); }

}  // namespace kora::server
