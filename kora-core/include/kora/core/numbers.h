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

// Redis's string2ld: strtold over the whole string (decimal, exponent, hex,
// "inf"); rejects empty strings, a leading space, trailing bytes, NaN, overflow to
// infinity, underflow to zero and strings of 5120 bytes or more.
std::optional<long double> parse_long_double(std::string_view s);

// Redis's ld2string(..., LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a
// trailing '.') removed, "-0" printed as "0", infinities as "inf" / "-inf".
std::string format_long_double_human(long double v);

// Redis's parseScanCursorOrReply: strtoul rules (optional sign, decimal, the
// empty string is 0, a negative value wraps), rejecting a leading space, trailing
// bytes and overflow. The string ends at its first NUL, as in C.
std::optional<std::uint64_t> parse_scan_cursor(std::string_view s);

}  // namespace kora::core
