// Consumer group commands (Redis 7.0's t_stream.c): XGROUP, XREADGROUP (with
// BLOCK), XACK, XPENDING, XCLAIM, XAUTOCLAIM. Reads that deliver or claim state
// their effects for the change feed as Redis propagates them (XCLAIM ... TIME
// <abs ms> RETRYCOUNT <n> FORCE JUSTID LASTID <id>, XGROUP SETID ...
// ENTRIESREAD <n>, XGROUP CREATECONSUMER), so that a replay rebuilds the same
// groups whatever the time. XINFO is in stream_info_commands.cc.
#include <array>
#include <string>
#include <vector>

#include "scripting.h"
#include "args.h"
#include "blocking.h"
#include "kora/core/stream_group_ops.h"
#include "kora/server/call.h"
#include "kora/server/command.h"
#include "stream_args.h"

namespace kora::server {
namespace {

using core::Errc;
using core::StreamId;

// States what a group operation did, as Redis propagates it.
void propagate_group(CommandContext& ctx, std::string_view key, std::string_view group,
                     const core::GroupEffects& fx) {
  if (!ctx.feed_active()) return;
  for (const auto& c : fx.created_consumers) ctx.propagate("XGROUP", "CREATECONSUMER", key, group, c);
  for (const auto& c : fx.claims) {
    ctx.propagate("XCLAIM", key, group, c.consumer, "0", c.id.str(), "TIME", std::to_string(c.delivery_time),
                  "RETRYCOUNT", std::to_string(c.delivery_count), "FORCE", "JUSTID", "LASTID",
                  c.group_last_id.str());
  }
  if (fx.set_id) {
    ctx.propagate("XGROUP", "SETID", key, group, fx.last_id.str(), "ENTRIESREAD", std::to_string(fx.entries_read));
  }
}

// --- XGROUP ---

// The shared checks of every XGROUP subcommand but HELP, in Redis's order:
// options (CREATE: MKSTREAM, ENTRIESREAD; SETID: ENTRIESREAD), the key, the
// group (SETID, CREATECONSUMER, DELCONSUMER); then the subcommand's own arity.
void xgroup_generic(CommandContext& ctx, std::string_view sub) {
  const bool create = sub == "create";
  const bool setid = sub == "setid";
  bool mkstream = false;
  std::int64_t entries_read = core::kEntriesReadInvalid;
  for (std::size_t i = 5; i < ctx.argv.size();) {
    if (create && iequals(ctx.argv[i], "mkstream")) {
      mkstream = true;
      ++i;
    } else if ((create || setid) && iequals(ctx.argv[i], "entriesread") && i + 1 < ctx.argv.size()) {
      auto v = to_int(ctx.argv[i + 1]);
      if (!v) return ctx.error(Errc::kNotInteger);
      if (*v < 0 && *v != core::kEntriesReadInvalid) return ctx.error(Errc::kStreamEntriesReadInvalid);
      entries_read = *v;
      i += 2;
    } else {
      return reply_subcommand_syntax(ctx, "xgroup");
    }
  }
  std::string_view key = ctx.argv[2], group = ctx.argv[3];
  core::Db& db = ctx.db();
  auto stream = core::xgroup_stream(db, key, mkstream, ctx.now_ms);
  if (reply_if_error(ctx, stream)) return;
  if (!mkstream && !create && !(sub == "destroy") && !(*stream)->group(group)) {
    return ctx.reply.error(core::error_message(Errc::kStreamNoGroupForKey, join_nul(group, key)));
  }
  const std::size_t argc = ctx.argv.size();
  if (create && argc >= 5 && argc <= 8) {
    auto r = core::op_xgroup_create(db, key, group, ctx.argv[4], mkstream, entries_read, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.ok();
  } else if (setid && (argc == 5 || argc == 7)) {
    auto r = core::op_xgroup_setid(db, key, group, ctx.argv[4], entries_read, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.ok();
  } else if (sub == "destroy" && argc == 4) {
    auto r = core::op_xgroup_destroy(db, key, group, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.integer(*r ? 1 : 0);
  } else if (sub == "createconsumer" && argc == 5) {
    auto r = core::op_xgroup_createconsumer(db, key, group, ctx.argv[4], ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.integer(*r ? 1 : 0);
  } else if (sub == "delconsumer" && argc == 5) {
    auto r = core::op_xgroup_delconsumer(db, key, group, ctx.argv[4], ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.integer(static_cast<std::int64_t>(*r));
  } else {
    reply_subcommand_syntax(ctx, "xgroup");
  }
}

void xgroup_create(CommandContext& ctx) { xgroup_generic(ctx, "create"); }
void xgroup_setid(CommandContext& ctx) { xgroup_generic(ctx, "setid"); }
void xgroup_destroy(CommandContext& ctx) { xgroup_generic(ctx, "destroy"); }
void xgroup_createconsumer(CommandContext& ctx) { xgroup_generic(ctx, "createconsumer"); }
void xgroup_delconsumer(CommandContext& ctx) { xgroup_generic(ctx, "delconsumer"); }

void xgroup_help(CommandContext& ctx) {
  reply_help(ctx, "xgroup",
             {"CREATE <key> <groupname> <id|$> [option]", "    Create a new consumer group. Options are:",
              "    * MKSTREAM", "      Create the empty stream if it does not exist.",
              "    * ENTRIESREAD entries_read", "      Set the group's entries_read counter (internal use).",
              "CREATECONSUMER <key> <groupname> <consumer>", "    Create a new consumer in the specified group.",
              "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
              "DESTROY <key> <groupname>", "    Remove the specified group.",
              "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
              "    Set the current group ID and entries_read counter.", "HELP", "    Prints this help."});
}

constexpr Subcommand kXgroupSubcommands[] = {
    {"create", -5, xgroup_create},
    {"setid", -5, xgroup_setid},
    {"destroy", 4, xgroup_destroy},
    {"createconsumer", 5, xgroup_createconsumer},
    {"delconsumer", 5, xgroup_delconsumer},
    {"help", 2, xgroup_help},
};

void xgroup_command(CommandContext& ctx) { dispatch_subcommand(ctx, "xgroup", kXgroupSubcommands); }

// --- XREADGROUP ---

// XREADGROUP GROUP group consumer [COUNT n] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...]
void xreadgroup_command(CommandContext& ctx) {
  auto a = parse_xread(ctx, true);
  if (reply_if_error(ctx, a)) return;
  if (a->block_ms >= 0 && script_running_here()) {
    return ctx.reply.error(core::error_message(Errc::kScriptBlockOption, ctx.argv[0]));
  }
  const auto keys = ctx.argv.subspan(a->streams_at, a->nstreams);
  const std::string_view group = *a->group, consumer = *a->consumer;
  std::string_view serve_key = ctx.env ? ctx.env->serve_key : std::string_view();
  if (!serve_key.empty()) {
    // Served from a write on serve_key's shard (the only one held): that key
    // only, new entries for the group (gone: Redis's NOGROUP of a blocked read).
    core::GroupEffects fx;
    const std::size_t count = a->count ? static_cast<std::size_t>(a->count) : 1000;
    auto r = core::op_xreadgroup(ctx.db_for(serve_key), serve_key, group, consumer, std::nullopt, count, a->noack,
                                 ctx.now_ms, fx);
    if (!r.ok() && r.code() == Errc::kStreamNoGroupRead) return ctx.error(Errc::kStreamGroupGone);
    if (reply_if_error(ctx, r)) return;
    propagate_group(ctx, serve_key, group, fx);
    StreamsRead served;
    served.emplace_back(serve_key, *r ? std::move(**r) : core::StreamEntries{});
    reply_streams_read(ctx, served);
    return;
  }
  std::vector<std::optional<StreamId>> from(a->nstreams);  // nullopt: ">"
  for (std::size_t i = 0; i < a->nstreams; ++i) {
    auto s = core::group_stream(ctx.db_for(keys[i]), keys[i], group, Errc::kStreamNoGroupRead, ctx.now_ms);
    if (reply_if_error(ctx, s)) return;
    std::string_view arg = ctx.argv[a->streams_at + a->nstreams + i];
    if (arg == "$") return ctx.error(Errc::kStreamDollarInGroup);
    if (arg == ">") continue;
    auto id = core::parse_stream_id(arg, 0, true);
    if (!id) return ctx.error(Errc::kStreamInvalidId);
    // The last possible id is Redis's internal form of ">": it reads new entries.
    if (id->is_max()) continue;
    id->incr();  // the history after the id
    from[i] = *id;
  }
  StreamsRead served;
  for (std::size_t i = 0; i < a->nstreams; ++i) {
    core::GroupEffects fx;
    auto r = core::op_xreadgroup(ctx.db_for(keys[i]), keys[i], group, consumer, from[i],
                                 static_cast<std::size_t>(a->count), a->noack, ctx.now_ms, fx);
    if (reply_if_error(ctx, r)) return;
    propagate_group(ctx, keys[i], group, fx);
    if (*r) served.emplace_back(keys[i], std::move(**r));
  }
  if (!served.empty()) return reply_streams_read(ctx, served);
  if (a->block_ms < 0) return ctx.reply.null_array();
  // Served when the stream gets an id beyond the group's last delivered one
  // (or the group is gone: answered with NOGROUP); answered with an error when
  // the key is deleted or overwritten by another type.
  auto ready = [group = std::string(group)](std::string_view, const core::Entry& e) {
    const auto& s = e.as<core::StreamValue>();
    auto it = s.groups().find(group);
    return it == s.groups().end() || s.last_id() > it->second.last_id;
  };
  if (!block_client(ctx, keys, a->block_ms, core::ValueType::kStream, std::move(ready),
                    core::error_message(Errc::kStreamKeyGone))) {
    ctx.reply.null_array();
  }
}

// --- XACK ---

// XACK key group id [id ...]: a missing key or group answers 0 before the ids are checked.
void xack_command(CommandContext& ctx) {
  auto s = core::find_stream(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, s)) return;
  if (!*s || !(*s)->groups().count(ctx.argv[2])) return ctx.reply.integer(0);
  std::vector<StreamId> ids;
  for (std::size_t j = 3; j < ctx.argv.size(); ++j) {
    auto id = core::parse_stream_id(ctx.argv[j], 0, true);
    if (!id) return ctx.error(Errc::kStreamInvalidId);
    ids.push_back(*id);
  }
  auto r = core::op_xack(ctx.db(), ctx.argv[1], ctx.argv[2], ids, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// --- XPENDING ---

// XPENDING key group [[IDLE min-idle] start end count [consumer]]
void xpending_command(CommandContext& ctx) {
  const std::size_t argc = ctx.argv.size();
  if (argc != 3 && (argc < 6 || argc > 9)) return ctx.error(Errc::kSyntax);
  std::string_view key = ctx.argv[1], group = ctx.argv[2];
  if (argc == 3) {
    auto r = core::op_xpending_summary(ctx.db(), key, group, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    ctx.reply.array(4);
    ctx.reply.integer(static_cast<std::int64_t>(r->count));
    if (r->count == 0) {
      ctx.reply.null();
      ctx.reply.null();
      ctx.reply.null_array();
      return;
    }
    reply_id(ctx, r->min);
    reply_id(ctx, r->max);
    ctx.reply.array(r->consumers.size());
    for (const auto& [name, n] : r->consumers) {
      ctx.reply.array(2);
      ctx.reply.bulk(name);
      ctx.reply.bulk(std::to_string(n));
    }
    return;
  }
  core::XPendingArgs a;
  std::size_t at = 3;
  if (iequals(ctx.argv[3], "idle")) {
    auto idle = to_int(ctx.argv[4]);
    if (!idle) return ctx.error(Errc::kNotInteger);
    if (argc < 8) return ctx.error(Errc::kSyntax);
    a.min_idle = *idle;
    at += 2;
  }
  auto count = to_int(ctx.argv[at + 2]);
  if (!count) return ctx.error(Errc::kNotInteger);
  a.count = *count < 0 ? 0 : *count;
  auto start = core::parse_interval_id(ctx.argv[at], 0);
  if (reply_if_error(ctx, start)) return;
  a.start = start->id;
  if (start->exclusive && !a.start.incr()) return ctx.error(Errc::kStreamInvalidStart);
  auto end = core::parse_interval_id(ctx.argv[at + 1], UINT64_MAX);
  if (reply_if_error(ctx, end)) return;
  a.end = end->id;
  if (end->exclusive && !a.end.decr()) return ctx.error(Errc::kStreamInvalidEnd);
  if (at + 3 < argc) a.consumer = ctx.argv[at + 3];
  auto r = core::op_xpending(ctx.db(), key, group, a, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(r->size());
  for (const auto& p : *r) {
    ctx.reply.array(4);
    reply_id(ctx, p.id);
    ctx.reply.bulk(p.consumer);
    ctx.reply.integer(p.idle);
    ctx.reply.integer(static_cast<std::int64_t>(p.delivery_count));
  }
}

// --- XCLAIM / XAUTOCLAIM ---

void reply_claimed(CommandContext& ctx, const core::StreamEntries& entries, bool justid) {
  ctx.reply.array(entries.size());
  for (const auto& e : entries) {
    if (justid) {
      reply_id(ctx, e.id);
    } else {
      reply_entry(ctx, e);
    }
  }
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms]
//        [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]
void xclaim_command(CommandContext& ctx) {
  std::string_view key = ctx.argv[1], group = ctx.argv[2];
  auto s = core::group_stream(ctx.db(), key, group, Errc::kStreamNoKeyOrGroup, ctx.now_ms);
  if (reply_if_error(ctx, s)) return;
  auto bad = [&ctx](std::string_view what) { ctx.reply.error(core::error_message(Errc::kStreamBadOptionArg, what)); };
  auto min_idle = to_int(ctx.argv[4]);
  if (!min_idle) return bad("Invalid min-idle-time argument for XCLAIM");
  core::XClaimArgs a;
  a.min_idle = *min_idle < 0 ? 0 : *min_idle;
  std::size_t j = 5;
  for (; j < ctx.argv.size(); ++j) {
    auto id = core::parse_stream_id(ctx.argv[j], 0, true);
    if (!id) break;
    a.ids.push_back(*id);
  }
  for (; j < ctx.argv.size(); ++j) {
    const bool more = j + 1 < ctx.argv.size();
    std::string_view opt = ctx.argv[j];
    if (iequals(opt, "force")) {
      a.force = true;
    } else if (iequals(opt, "justid")) {
      a.justid = true;
    } else if (iequals(opt, "idle") && more) {
      auto v = to_int(ctx.argv[++j]);
      if (!v) return bad("Invalid IDLE option argument for XCLAIM");
      a.delivery_time = ctx.now_ms - *v;
    } else if (iequals(opt, "time") && more) {
      auto v = to_int(ctx.argv[++j]);
      if (!v) return bad("Invalid TIME option argument for XCLAIM");
      a.delivery_time = *v;
    } else if (iequals(opt, "retrycount") && more) {
      auto v = to_int(ctx.argv[++j]);
      if (!v) return bad("Invalid RETRYCOUNT option argument for XCLAIM");
      a.retry_count = *v;
    } else if (iequals(opt, "lastid") && more) {
      auto id = core::parse_stream_id(ctx.argv[++j], 0, true);
      if (!id) return ctx.error(Errc::kStreamInvalidId);
      a.last_id = *id;
    } else {
      return ctx.reply.error(core::error_message(Errc::kStreamXclaimOption, opt));
    }
  }
  core::GroupEffects fx;
  auto r = core::op_xclaim(ctx.db(), key, group, ctx.argv[3], a, ctx.now_ms, fx);
  if (reply_if_error(ctx, r)) return;
  propagate_group(ctx, key, group, fx);
  reply_claimed(ctx, *r, a.justid);
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void xautoclaim_command(CommandContext& ctx) {
  std::string_view key = ctx.argv[1], group = ctx.argv[2];
  auto min_idle = to_int(ctx.argv[4]);
  if (!min_idle) {
    return ctx.reply.error(core::error_message(Errc::kStreamBadOptionArg, "Invalid min-idle-time argument for XAUTOCLAIM"));
  }
  auto start = core::parse_interval_id(ctx.argv[5], 0);
  if (reply_if_error(ctx, start)) return;
  StreamId from = start->id;
  if (start->exclusive && !from.incr()) return ctx.error(Errc::kStreamInvalidStart);
  std::int64_t count = 100;
  bool justid = false;
  for (std::size_t j = 6; j < ctx.argv.size(); ++j) {
    if (iequals(ctx.argv[j], "count") && j + 1 < ctx.argv.size()) {
      auto c = to_int(ctx.argv[++j]);
      if (!c || *c < 1 || *c > INT64_MAX / 16) return ctx.error(Errc::kStreamXautoclaimCount);
      count = *c;
    } else if (iequals(ctx.argv[j], "justid")) {
      justid = true;
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  core::GroupEffects fx;
  auto r = core::op_xautoclaim(ctx.db(), key, group, ctx.argv[3], *min_idle < 0 ? 0 : *min_idle, from, count, justid,
                               ctx.now_ms, fx);
  if (reply_if_error(ctx, r)) return;
  propagate_group(ctx, key, group, fx);
  ctx.reply.array(3);
  reply_id(ctx, r->next);
  reply_claimed(ctx, r->claimed, justid);
  ctx.reply.array(r->deleted.size());
  for (StreamId id : r->deleted) reply_id(ctx, id);
}

constexpr std::uint32_t kWriteDenyOom = kWrite;

const std::array kStreamGroupCommands = {
    // The key is argv[2] (none for HELP: argv is shorter).
    CommandSpec{"xgroup", -2, kWrite, 2, 2, 1, xgroup_command, Fanout::kNone, nullptr, "@write @stream @slow"},
    CommandSpec{"xreadgroup", -7, kWrite | kBlocking | kMultiShard, 0, 0, 0, xreadgroup_command, Fanout::kNone, nullptr, "@write @stream @slow @blocking", xread_keys},
    CommandSpec{"xack", -4, kWrite | kFast, 1, 1, 1, xack_command, Fanout::kNone, nullptr, "@write @stream @fast"},
    CommandSpec{"xpending", -3, kReadOnly, 1, 1, 1, xpending_command, Fanout::kNone, nullptr, "@read @stream @slow"},
    CommandSpec{"xclaim", -6, kWriteDenyOom | kFast, 1, 1, 1, xclaim_command, Fanout::kNone, nullptr, "@write @stream @fast"},
    CommandSpec{"xautoclaim", -6, kWriteDenyOom | kFast, 1, 1, 1, xautoclaim_command, Fanout::kNone, nullptr, "@write @stream @fast"},
};

}  // namespace

std::span<const CommandSpec> stream_group_commands() { return kStreamGroupCommands; }

}  // namespace kora::server
