#pragma once
// Argument parsing shared by the list commands and their blocking forms.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "args.h"
#include "kora/core/list_value.h"
#include "kora/core/result.h"

namespace kora::server {

// LEFT|RIGHT, case-insensitive.
inline std::optional<core::ListEnd> parse_end(std::string_view arg) {
  if (iequals(arg, "left")) return core::ListEnd::kHead;
  if (iequals(arg, "right")) return core::ListEnd::kTail;
  return std::nullopt;
}

struct MpopArgs {
  std::size_t numkeys;
  core::ListEnd end;
  std::size_t count = 1;
};

// [B]LMPOP ... numkeys key [key ...] LEFT|RIGHT [COUNT count], numkeys at
// argv[at], checked as Redis 7.0's lmpopGenericCommand does.
inline core::Result<MpopArgs> parse_mpop(std::span<const std::string_view> argv, std::size_t at) {
  auto numkeys = to_int(argv[at]);
  if (!numkeys || *numkeys < 1) return core::Errc::kNumkeysNotPositive;
  const auto argc = static_cast<std::int64_t>(argv.size());
  if (*numkeys > argc - static_cast<std::int64_t>(at) - 2) return core::Errc::kSyntax;  // no room for LEFT|RIGHT
  MpopArgs out{static_cast<std::size_t>(*numkeys), core::ListEnd::kHead};
  const std::size_t where = at + 1 + out.numkeys;
  auto end = parse_end(argv[where]);
  if (!end) return core::Errc::kSyntax;
  out.end = *end;
  bool counted = false;
  for (std::size_t j = where + 1; j < argv.size(); ++j) {
    if (counted || !iequals(argv[j], "count") || j + 1 == argv.size()) return core::Errc::kSyntax;
    auto v = to_int(argv[++j]);
    if (!v || *v < 1) return core::Errc::kCountNotPositive;
    out.count = static_cast<std::size_t>(*v);
    counted = true;
  }
  return out;
}

// The keys of [B]LMPOP (numkeys at argv[At]): argv[At+1 .. At+numkeys] when
// numkeys fits the arguments.
template <std::size_t At>
void mpop_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  if (argv.size() <= At) return;
  auto numkeys = to_int(argv[At]);
  if (!numkeys || *numkeys < 1 || *numkeys > static_cast<std::int64_t>(argv.size()) - static_cast<std::int64_t>(At) - 1) return;
  for (std::int64_t i = 0; i < *numkeys; ++i) out.push_back(static_cast<std::uint32_t>(At + 1 + static_cast<std::size_t>(i)));
}

}  // namespace kora::server
