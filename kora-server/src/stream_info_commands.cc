// XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP (Redis 7.0's
// xinfoCommand): read-only reports of a stream, its groups and consumers, as
// RESP2 flat arrays or RESP3 maps. Idle times are computed from the command's
// time.
#include <array>
#include <string>

#include "args.h"
#include "kora/core/stream_group_ops.h"
#include "kora/server/command.h"
#include "stream_args.h"

namespace kora::server {
namespace {

using core::Errc;
using core::StreamId;

// The stream XINFO reports on: "no such key" when absent.
const core::StreamValue* info_stream(CommandContext& ctx) {
  auto s = core::find_stream(ctx.db(), ctx.argv[2], ctx.now_ms);
  if (reply_if_error(ctx, s)) return nullptr;
  if (!*s) {
    ctx.error(Errc::kNoSuchKey);
    return nullptr;
  }
  return *s;
}

void reply_lag(CommandContext& ctx, const core::StreamValue& s, const core::StreamGroup& g) {
  auto lag = core::group_lag(s, g);
  if (lag) {
    ctx.reply.integer(*lag);
  } else {
    ctx.reply.null();
  }
}

void reply_entries_read(CommandContext& ctx, const core::StreamGroup& g) {
  if (g.entries_read != core::kEntriesReadInvalid) {
    ctx.reply.integer(g.entries_read);
  } else {
    ctx.reply.null();
  }
}

// The first (or last) live entry, or a null.
void reply_edge(CommandContext& ctx, const core::StreamValue& s, bool last) {
  bool emitted = false;
  s.range(StreamId{}, StreamId::max(), last, 1, [&](const core::StreamEntryView& e) {
    reply_entry(ctx, core::copy_entry(e));
    emitted = true;
    return false;
  });
  if (!emitted) ctx.reply.null();
}

void reply_full_groups(CommandContext& ctx, const core::StreamValue& s, std::size_t count) {
  ctx.reply.array(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    ctx.reply.map(7);
    ctx.reply.bulk("name");
    ctx.reply.bulk(name);
    ctx.reply.bulk("last-delivered-id");
    reply_id(ctx, g.last_id);
    ctx.reply.bulk("entries-read");
    reply_entries_read(ctx, g);
    ctx.reply.bulk("lag");
    reply_lag(ctx, s, g);
    ctx.reply.bulk("pel-count");
    ctx.reply.integer(static_cast<std::int64_t>(g.pel.size()));
    ctx.reply.bulk("pending");
    const std::size_t npel = count ? std::min(count, g.pel.size()) : g.pel.size();
    ctx.reply.array(npel);
    std::size_t n = 0;
    for (auto it = g.pel.begin(); n < npel; ++it, ++n) {
      ctx.reply.array(4);
      reply_id(ctx, it->first);
      ctx.reply.bulk(it->second.consumer);
      ctx.reply.integer(it->second.delivery_time);
      ctx.reply.integer(static_cast<std::int64_t>(it->second.delivery_count));
    }
    ctx.reply.bulk("consumers");
    ctx.reply.array(g.consumers.size());
    for (const auto& [cname, c] : g.consumers) {
      ctx.reply.map(4);
      ctx.reply.bulk("name");
      ctx.reply.bulk(cname);
      ctx.reply.bulk("seen-time");
      ctx.reply.integer(c.seen_time);
      ctx.reply.bulk("pel-count");
      ctx.reply.integer(static_cast<std::int64_t>(c.pel.size()));
      ctx.reply.bulk("pending");
      const std::size_t ncpel = count ? std::min(count, c.pel.size()) : c.pel.size();
      ctx.reply.array(ncpel);
      std::size_t k = 0;
      for (auto id = c.pel.begin(); k < ncpel; ++id, ++k) {
        const core::StreamNack& nack = g.pel.at(*id);
        ctx.reply.array(3);
        reply_id(ctx, *id);
        ctx.reply.integer(nack.delivery_time);
        ctx.reply.integer(static_cast<std::int64_t>(nack.delivery_count));
      }
    }
  }
}

// XINFO STREAM key [FULL [COUNT count]]
void xinfo_stream(CommandContext& ctx) {
  const core::StreamValue* s = info_stream(ctx);
  if (!s) return;
  const std::size_t optc = ctx.argv.size() - 3;
  bool full = false;
  std::int64_t count = 10;
  if (optc != 0) {
    if ((optc != 1 && optc != 3) || !iequals(ctx.argv[3], "full")) return reply_subcommand_syntax(ctx, "xinfo");
    full = true;
    if (optc == 3) {
      if (!iequals(ctx.argv[4], "count")) return reply_subcommand_syntax(ctx, "xinfo");
      auto c = to_int(ctx.argv[5]);
      if (!c) return ctx.error(Errc::kNotInteger);
      count = *c < 0 ? 10 : *c;
    }
  }
  ctx.reply.map(full ? 9 : 10);
  ctx.reply.bulk("length");
  ctx.reply.integer(static_cast<std::int64_t>(s->length()));
  ctx.reply.bulk("radix-tree-keys");
  ctx.reply.integer(static_cast<std::int64_t>(s->node_count()));
  ctx.reply.bulk("radix-tree-nodes");
  ctx.reply.integer(static_cast<std::int64_t>(s->rax_nodes()));
  ctx.reply.bulk("last-generated-id");
  reply_id(ctx, s->last_id());
  ctx.reply.bulk("max-deleted-entry-id");
  reply_id(ctx, s->max_deleted_id());
  ctx.reply.bulk("entries-added");
  ctx.reply.integer(static_cast<std::int64_t>(s->entries_added()));
  ctx.reply.bulk("recorded-first-entry-id");
  reply_id(ctx, s->first_id());
  if (!full) {
    ctx.reply.bulk("groups");
    ctx.reply.integer(static_cast<std::int64_t>(s->groups().size()));
    ctx.reply.bulk("first-entry");
    reply_edge(ctx, *s, false);
    ctx.reply.bulk("last-entry");
    reply_edge(ctx, *s, true);
    return;
  }
  ctx.reply.bulk("entries");
  core::StreamEntries entries;
  s->range(StreamId{}, StreamId::max(), false, static_cast<std::size_t>(count), [&](const core::StreamEntryView& e) {
    entries.push_back(core::copy_entry(e));
    return true;
  });
  reply_entries(ctx, entries);
  ctx.reply.bulk("groups");
  reply_full_groups(ctx, *s, static_cast<std::size_t>(count));
}

// XINFO GROUPS key
void xinfo_groups(CommandContext& ctx) {
  const core::StreamValue* s = info_stream(ctx);
  if (!s) return;
  ctx.reply.array(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    ctx.reply.map(6);
    ctx.reply.bulk("name");
    ctx.reply.bulk(name);
    ctx.reply.bulk("consumers");
    ctx.reply.integer(static_cast<std::int64_t>(g.consumers.size()));
    ctx.reply.bulk("pending");
    ctx.reply.integer(static_cast<std::int64_t>(g.pel.size()));
    ctx.reply.bulk("last-delivered-id");
    reply_id(ctx, g.last_id);
    ctx.reply.bulk("entries-read");
    reply_entries_read(ctx, g);
    ctx.reply.bulk("lag");
    reply_lag(ctx, *s, g);
  }
}

// XINFO CONSUMERS key group
void xinfo_consumers(CommandContext& ctx) {
  const core::StreamValue* s = info_stream(ctx);
  if (!s) return;
  auto it = s->groups().find(ctx.argv[3]);
  if (it == s->groups().end()) {
    return ctx.reply.error(core::error_message(Errc::kStreamNoGroupForKey, join_nul(ctx.argv[3], ctx.argv[2])));
  }
  ctx.reply.array(it->second.consumers.size());
  for (const auto& [name, c] : it->second.consumers) {
    const std::int64_t idle = ctx.now_ms - c.seen_time;
    ctx.reply.map(3);
    ctx.reply.bulk("name");
    ctx.reply.bulk(name);
    ctx.reply.bulk("pending");
    ctx.reply.integer(static_cast<std::int64_t>(c.pel.size()));
    ctx.reply.bulk("idle");
    ctx.reply.integer(idle < 0 ? 0 : idle);
  }
}

void xinfo_help(CommandContext& ctx) {
  reply_help(ctx, "xinfo",
             {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
              "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
              "    Show information about the stream.", "HELP", "    Prints this help."});
}

constexpr Subcommand kXinfoSubcommands[] = {
    {"consumers", 4, xinfo_consumers},
    {"groups", 3, xinfo_groups},
    {"stream", -3, xinfo_stream},
    {"help", 2, xinfo_help},
};

void xinfo_command(CommandContext& ctx) { dispatch_subcommand(ctx, "xinfo", kXinfoSubcommands); }

const std::array kStreamInfoCommands = {
    CommandSpec{"xinfo", -2, kReadOnly, 2, 2, 1, xinfo_command, Fanout::kNone, nullptr, "@read @stream @slow"},
};

}  // namespace

std::span<const CommandSpec> stream_info_commands() { return kStreamInfoCommands; }

}  // namespace kora::server
