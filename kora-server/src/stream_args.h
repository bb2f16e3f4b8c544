#pragma once
// Argument parsing and reply shapes shared by the stream commands
// (stream_commands.cc, stream_group_commands.cc).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "args.h"
#include "kora/core/stream_ops.h"
#include "kora/server/command.h"

namespace kora::server {

// "<a>\0<b>": the argument of the two-part NOGROUP errors.
inline std::string join_nul(std::string_view a, std::string_view b) {
  std::string s(a);
  s += '\0';
  s.append(b);
  return s;
}

// Replies an id as a bulk string.
inline void reply_id(CommandContext& ctx, core::StreamId id) { ctx.reply.bulk(id.str()); }

// One entry: [id, [field, value, ...]] (a missing one: [id, null array]).
inline void reply_entry(CommandContext& ctx, const core::StreamEntry& e) {
  ctx.reply.array(2);
  reply_id(ctx, e.id);
  if (e.missing) {
    ctx.reply.null_array();
    return;
  }
  ctx.reply.array(e.fv.size());
  for (const auto& s : e.fv) ctx.reply.bulk(s);
}

inline void reply_entries(CommandContext& ctx, const core::StreamEntries& entries) {
  ctx.reply.array(entries.size());
  for (const auto& e : entries) reply_entry(ctx, e);
}

// The key positions of XREAD / XREADGROUP: the first half of the arguments
// after STREAMS, found by skipping the options as the handler parses them.
inline void xread_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::size_t more = argv.size() - i - 1;
    if ((iequals(argv[i], "block") || iequals(argv[i], "count")) && more) {
      ++i;
    } else if (iequals(argv[i], "group") && more >= 2) {
      i += 2;
    } else if (iequals(argv[i], "noack")) {
    } else if (iequals(argv[i], "streams") && more) {
      if (more % 2 != 0) return;
      for (std::size_t k = 0; k < more / 2; ++k) out.push_back(static_cast<std::uint32_t>(i + 1 + k));
      return;
    } else {
      return;
    }
  }
}

// The options of XREAD / XREADGROUP, checked in Redis 7.0's order.
struct XReadArgs {
  std::int64_t block_ms = -1;  // -1: no BLOCK; else the deadline (0: forever)
  std::int64_t count = 0;
  std::size_t streams_at = 0;  // first key's index
  std::size_t nstreams = 0;
  std::optional<std::string_view> group, consumer;
  bool noack = false;
};

inline core::Result<XReadArgs> parse_xread(const CommandContext& ctx, bool xreadgroup) {
  XReadArgs a;
  const auto& argv = ctx.argv;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::size_t more = argv.size() - i - 1;
    if (iequals(argv[i], "block") && more) {
      auto t = to_int(argv[++i]);
      if (!t) return core::Errc::kTimeoutNotInteger;
      if (*t < 0) return core::Errc::kTimeoutNegative;
      // Redis 7.0 adds the time without a range check; saturate instead of wrapping.
      a.block_ms = *t == 0 ? 0 : (*t > INT64_MAX - ctx.now_ms ? INT64_MAX : *t + ctx.now_ms);
    } else if (iequals(argv[i], "count") && more) {
      auto c = to_int(argv[++i]);
      if (!c) return core::Errc::kNotInteger;
      a.count = *c < 0 ? 0 : *c;
    } else if (iequals(argv[i], "streams") && more) {
      if (more % 2 != 0) return core::Errc::kStreamUnbalanced;
      a.streams_at = i + 1;
      a.nstreams = more / 2;
      break;
    } else if (iequals(argv[i], "group") && more >= 2) {
      if (!xreadgroup) return core::Errc::kStreamGroupOnlyXreadgroup;
      a.group = argv[i + 1];
      a.consumer = argv[i + 2];
      i += 2;
    } else if (iequals(argv[i], "noack")) {
      if (!xreadgroup) return core::Errc::kStreamNoackOnlyXreadgroup;
      a.noack = true;
    } else {
      return core::Errc::kSyntax;
    }
  }
  if (a.streams_at == 0) return core::Errc::kSyntax;
  if (xreadgroup && !a.group) return core::Errc::kStreamMissingGroup;
  return a;
}

// The reply of XREAD / XREADGROUP: per stream read, its key and its entries
// (a RESP2 array of [key, entries] pairs, a RESP3 map key -> entries).
using StreamsRead = std::vector<std::pair<std::string_view, core::StreamEntries>>;
inline void reply_streams_read(CommandContext& ctx, const StreamsRead& served) {
  const bool resp2 = ctx.reply.resp() == 2;
  if (resp2) {
    ctx.reply.array(served.size());
  } else {
    ctx.reply.map(served.size());
  }
  for (const auto& [key, entries] : served) {
    if (resp2) ctx.reply.array(2);
    ctx.reply.bulk(key);
    reply_entries(ctx, entries);
  }
}

}  // namespace kora::server
