#pragma once
// Replies shared by the sorted-set command files (zset_commands.cc,
// zset_range_commands.cc, zset_blocking_commands.cc).

#include <vector>

#include "kora/core/zset_ops.h"
#include "kora/server/command.h"

namespace kora::server {

// Elements as Redis's zrange handlers emit them: members only, or with scores
// as a flat array (RESP2) or [member, score] pairs (RESP3).
inline void reply_scored(CommandContext& ctx, const std::vector<core::ScoredMember>& items, bool withscores) {
  const bool pairs = withscores && ctx.reply.resp() >= 3;
  ctx.reply.array(withscores && !pairs ? items.size() * 2 : items.size());
  for (const auto& it : items) {
    if (pairs) ctx.reply.array(2);
    ctx.reply.bulk(it.member);
    if (withscores) ctx.reply.dbl(it.score);
  }
}

// ZPOPMIN/ZPOPMAX-style pairs: flat [m, s, m, s...] or, when `nested`,
// [[m, s], ...].
inline void reply_popped(CommandContext& ctx, const std::vector<core::ScoredMember>& items, bool nested) {
  ctx.reply.array(nested ? items.size() : items.size() * 2);
  for (const auto& it : items) {
    if (nested) ctx.reply.array(2);
    ctx.reply.bulk(it.member);
    ctx.reply.dbl(it.score);
  }
}

}  // namespace kora::server
