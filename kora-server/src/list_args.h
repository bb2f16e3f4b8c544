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

// [B]LMPOP ... numkeys key [key ...] LEFT|RIGHT [COUNT count], numkeys at argv[at].
inline core::Result<MpopArgs> parse_mpop(std::span<const std::string_view> argv, std::size_t at) {
  auto tail = parse_mpop_tail(argv, at, "left", "right");
  if (!tail.ok()) return tail.error();
  return MpopArgs{tail->numkeys, tail->first ? core::ListEnd::kHead : core::ListEnd::kTail, tail->count};
}

}  // namespace kora::server
