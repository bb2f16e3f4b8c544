#pragma once
// Argument helpers shared by the command families.

#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/ascii.h"
#include "kora/core/numbers.h"
#include "kora/core/result.h"
#include "kora/server/command.h"

namespace kora::server {

// ASCII case-insensitive equality, for option names ("EX", "nx", ...).
inline bool iequals(std::string_view a, std::string_view b) { return core::ascii_iequals(a, b); }

// The words of a whitespace-separated value (a CONFIG list such as "3600 1
// 300 100", a script's shebang flags); runs of whitespace skipped, no quoting
// (Redis's sdssplitargs also takes quotes, which these values never need).
// Views into `text`.
inline std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

inline std::optional<std::int64_t> to_int(std::string_view s) { return core::parse_int64(s); }

// Replies the error of `r` and returns true when it holds one.
template <typename T>
bool reply_if_error(CommandContext& ctx, const core::Result<T>& r) {
  if (r.ok()) return false;
  ctx.reply.error(r.error().message);
  return true;
}

// The options of SSCAN/HSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count].
// Redis reads the key before it judges the options: a missing key answers an
// empty page whatever they say, so the caller reports `error` only for a key
// that exists.
struct ScanOptions {
  std::optional<std::string_view> pattern;
  std::optional<core::Errc> error;
};

inline ScanOptions parse_scan_options(std::span<const std::string_view> argv, std::size_t from) {
  ScanOptions out;
  for (std::size_t i = from; i < argv.size() && !out.error; i += 2) {
    const bool has_value = i + 1 < argv.size();
    if (iequals(argv[i], "count") && has_value) {
      auto n = to_int(argv[i + 1]);
      if (!n) {
        out.error = core::Errc::kNotInteger;
      } else if (*n < 1) {
        out.error = core::Errc::kSyntax;
      }
    } else if (iequals(argv[i], "match") && has_value) {
      out.pattern = argv[i + 1];
    } else {
      out.error = core::Errc::kSyntax;
    }
  }
  return out;
}

// The "numkeys key [key ...] WHERE [COUNT count]" tail of LMPOP, BLMPOP, ZMPOP
// and BZMPOP, numkeys at argv[at], checked in Redis 7.0's order; `first` tells
// whether argv's WHERE word was `word_a` (else it was `word_b`).
struct MpopTail {
  std::size_t numkeys = 0;
  bool first = true;
  std::size_t count = 1;
};

inline core::Result<MpopTail> parse_mpop_tail(std::span<const std::string_view> argv, std::size_t at,
                                              std::string_view word_a, std::string_view word_b) {
  auto numkeys = to_int(argv[at]);
  if (!numkeys || *numkeys < 1) return core::Errc::kNumkeysNotPositive;
  const auto argc = static_cast<std::int64_t>(argv.size());
  if (*numkeys > argc - static_cast<std::int64_t>(at) - 2) return core::Errc::kSyntax;  // no room for WHERE
  MpopTail out;
  out.numkeys = static_cast<std::size_t>(*numkeys);
  const std::size_t where = at + 1 + out.numkeys;
  if (iequals(argv[where], word_a)) {
    out.first = true;
  } else if (iequals(argv[where], word_b)) {
    out.first = false;
  } else {
    return core::Errc::kSyntax;
  }
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

// The keys of a command whose argv[At] is numkeys followed by that many keys
// (LMPOP, ZUNION, ZINTERCARD...): argv[At+1 .. At+numkeys] when numkeys fits.
template <std::size_t At>
void numkeys_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  if (argv.size() <= At) return;
  auto numkeys = to_int(argv[At]);
  if (!numkeys || *numkeys < 1 || *numkeys > static_cast<std::int64_t>(argv.size()) - static_cast<std::int64_t>(At) - 1) return;
  for (std::int64_t i = 0; i < *numkeys; ++i) out.push_back(static_cast<std::uint32_t>(At + 1 + static_cast<std::size_t>(i)));
}

// A subcommand of a container command (CLIENT, COMMAND, CONFIG, OBJECT), with
// Redis's arity counted from the container's name.
struct Subcommand {
  std::string_view name;  // lowercase
  int arity;
  void (*run)(CommandContext&);
};

// The argument of the subcommand errors: "<argv[1], at most 128 bytes>\0<CONTAINER>".
inline std::string subcommand_error_detail(const CommandContext& ctx, std::string_view container) {
  std::string detail(ctx.argv[1].substr(0, 128));
  detail += '\0';
  for (char c : container) detail += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return detail;
}

// Replies Redis's addReplySubcommandSyntaxError: a subcommand given arguments
// its own parser does not accept.
inline void reply_subcommand_syntax(CommandContext& ctx, std::string_view container) {
  ctx.reply.error(core::error_message(core::Errc::kSubcommandSyntax, subcommand_error_detail(ctx, container)));
}

// Replies Redis's addReplyHelp: "<CONTAINER> <subcommand> [<arg> [value] [opt]
// ...]. Subcommands are:" then `lines`, each a status reply.
inline void reply_help(CommandContext& ctx, std::string_view container, std::initializer_list<std::string_view> lines) {
  ctx.reply.array(lines.size() + 1);
  std::string first(container);
  for (char& c : first) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.reply.simple(first + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (std::string_view l : lines) ctx.reply.simple(l);
}

// Finds argv[1] among `subs` and runs it after the arity check; otherwise replies
// Redis's errors: "wrong number of arguments for '<container>|<sub>' command" or
// "unknown subcommand '<sub>'. Try <CONTAINER> HELP.".
inline void dispatch_subcommand(CommandContext& ctx, std::string_view container,
                                std::span<const Subcommand> subs) {
  for (const Subcommand& sub : subs) {
    if (!iequals(ctx.argv[1], sub.name)) continue;
    int argc = static_cast<int>(ctx.argv.size());
    ctx.subcommand = sub.name;
    if ((sub.arity > 0 && argc != sub.arity) || (sub.arity < 0 && argc < -sub.arity)) {
      ctx.rejected = true;
      std::string full(container);
      full += '|';
      full += sub.name;
      ctx.reply.error(core::error_message(core::Errc::kWrongArity, full));
      return;
    }
    sub.run(ctx);
    return;
  }
  ctx.rejected = true;
  ctx.reply.error(core::error_message(core::Errc::kUnknownSubcommand, subcommand_error_detail(ctx, container)));
}

// Redis's memtoull: digits and an optional unit (b, k, kb, m, mb, g, gb, any
// case); nullopt when malformed. Overflow wraps as in Redis (a huge value then
// fails the range check instead).
inline std::optional<std::uint64_t> parse_memory(std::string_view t) {
  if (!t.empty() && t[0] == '-') return std::nullopt;
  std::size_t digits = 0;
  while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
  const std::string_view unit = t.substr(digits);
  std::uint64_t mul;
  if (unit.empty() || iequals(unit, "b")) mul = 1;
  else if (iequals(unit, "k")) mul = 1000;
  else if (iequals(unit, "kb")) mul = 1024;
  else if (iequals(unit, "m")) mul = 1000 * 1000;
  else if (iequals(unit, "mb")) mul = 1024 * 1024;
  else if (iequals(unit, "g")) mul = 1000ULL * 1000 * 1000;
  else if (iequals(unit, "gb")) mul = 1024ULL * 1024 * 1024;
  else return std::nullopt;
  if (digits >= 128) return std::nullopt;
  std::uint64_t val = 0;
  bool overflow = false;
  for (std::size_t i = 0; i < digits; ++i) {
    const auto d = static_cast<std::uint64_t>(t[i] - '0');
    if (val > (UINT64_MAX - d) / 10) overflow = true;
    if (!overflow) val = val * 10 + d;
  }
  if (overflow) val = UINT64_MAX;  // strtoull's ERANGE result, unchecked by Redis
  return val * mul;
}

}  // namespace kora::server
