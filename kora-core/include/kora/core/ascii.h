#pragma once
// ASCII case folding for protocol words (command names, options, units):
// no locale, as Redis's strcasecmp on its command table.

#include <cstddef>
#include <string_view>

namespace kora::core {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Equality ignoring ASCII case. O(n).
inline bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace kora::core
