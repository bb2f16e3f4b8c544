#pragma once
// Number parsing and formatting exactly as Redis does it (string2ll, ll2string).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kora::core {

// Parses a decimal int64 with Redis's strict rules: optional '-', no '+', no
// spaces, no leading zeros (except "0" itself), no overflow. nullopt otherwise.
std::optional<std::int64_t> parse_int64(std::string_view s);

// Appends the decimal form of v to out.
void append_int64(std::string& out, std::int64_t v);

}  // namespace kora::core
