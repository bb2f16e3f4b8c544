// Stream commands (Redis 7.0's t_stream.c): XADD, XLEN, XRANGE, XREVRANGE,
// XDEL, XTRIM, XSETID, XREAD (with BLOCK). Handlers parse in Redis's order,
// call kora-core's stream_ops and reply. Non-deterministic effects are stated
// for the change feed as Redis propagates them: XADD with its generated id, an
// approximate trim (~) as an exact one (=) to the length or first id reached.
#include <array>
#include <string>
#include <vector>

#include "scripting.h"
#include "args.h"
#include "blocking.h"
#include "kora/core/stream_ops.h"
#include "kora/server/call.h"
#include "kora/server/command.h"
#include "stream_args.h"

namespace kora::server {
namespace {

using core::Errc;
using core::StreamId;

// XADD/XTRIM options, Redis's streamParseAddOrTrimArgsOrReply.
struct AddTrimArgs {
  core::XAddArgs add{};
  std::size_t id_pos = 0;      // XADD: the id's index
  std::size_t trim_arg = 0;    // the MAXLEN/MINID value's index
  std::size_t limit_pos = 0;   // LIMIT's index (0: none)
};

core::Result<AddTrimArgs> parse_add_trim(CommandContext& ctx, bool xadd) {
  AddTrimArgs a;
  core::TrimArgs& t = a.add.trim;
  const auto& argv = ctx.argv;
  bool limit_given = false;
  std::size_t i = 2;
  for (; i < argv.size(); ++i) {
    const std::size_t more = argv.size() - 1 - i;
    std::string_view opt = argv[i];
    if (xadd && opt == "*") {
      break;
    } else if ((iequals(opt, "maxlen") || iequals(opt, "minid")) && more) {
      if (t.strategy != core::TrimStrategy::kNone) return Errc::kStreamMaxlenMinid;
      const bool maxlen = iequals(opt, "maxlen");
      t.approx = false;
      std::string_view next = argv[i + 1];
      if (more >= 2 && next == "~") {
        t.approx = true;
        ++i;
      } else if (more >= 2 && next == "=") {
        ++i;
      }
      if (maxlen) {
        auto v = to_int(argv[i + 1]);
        if (!v) return Errc::kNotInteger;
        if (*v < 0) return Errc::kStreamMaxlenNegative;
        t.maxlen = *v;
        t.strategy = core::TrimStrategy::kMaxLen;
      } else {
        auto id = core::parse_stream_id(argv[i + 1], 0, true);
        if (!id) return Errc::kStreamInvalidId;
        t.minid = *id;
        t.strategy = core::TrimStrategy::kMinId;
      }
      ++i;
      a.trim_arg = i;
    } else if (iequals(opt, "limit") && more) {
      auto v = to_int(argv[i + 1]);
      if (!v) return Errc::kNotInteger;
      if (*v < 0) return Errc::kStreamLimitNegative;
      t.limit = *v;
      limit_given = true;
      a.limit_pos = i;
      ++i;
    } else if (xadd && iequals(opt, "nomkstream")) {
      a.add.nomkstream = true;
    } else if (xadd) {
      bool seq_given = true;
      auto id = core::parse_stream_id(opt, 0, true, &seq_given);
      if (!id) return Errc::kStreamInvalidId;
      a.add.id = *id;
      a.add.seq_given = seq_given;
      break;
    } else {
      return Errc::kSyntax;
    }
  }
  a.id_pos = i;
  if (t.limit && t.strategy == core::TrimStrategy::kNone) return Errc::kStreamLimitNoStrategy;
  if (!xadd && t.strategy == core::TrimStrategy::kNone) return Errc::kStreamXtrimNoStrategy;
  if (ctx.db().loading()) {
    t.limit = 0;  // replaying: the effect was stated exactly
  } else if (limit_given) {
    if (!t.approx) return Errc::kStreamLimitNoApprox;
  } else if (t.approx) {
    const std::int64_t per_node = core::EncodingLimits::instance().stream_node_max_entries.load(std::memory_order_relaxed);
    t.limit = per_node > INT64_MAX / 100 ? 1000000 : 100 * per_node;
    if (t.limit <= 0) t.limit = 10000;
    if (t.limit > 1000000) t.limit = 1000000;
  }
  return a;
}

// The effect of an approximate trim: "~" as "=", its value as what it reached,
// without LIMIT (Redis's streamRewriteApproxSpecifier/TrimArgument).
void rewrite_trim(std::vector<std::string>& argv, const AddTrimArgs& a, std::size_t length, StreamId first) {
  argv[a.trim_arg - 1].assign(1, '=');
  argv[a.trim_arg] = a.add.trim.strategy == core::TrimStrategy::kMaxLen ? std::to_string(length) : first.str();
  if (a.limit_pos) argv.erase(argv.begin() + static_cast<std::ptrdiff_t>(a.limit_pos), argv.begin() + static_cast<std::ptrdiff_t>(a.limit_pos) + 2);
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
void xadd_command(CommandContext& ctx) {
  auto a = parse_add_trim(ctx, true);
  if (reply_if_error(ctx, a)) return;
  const std::size_t field_pos = a->id_pos + 1;
  if (ctx.argv.size() < field_pos + 2 || (ctx.argv.size() - field_pos) % 2 == 1) return ctx.error(Errc::kWrongArity);
  auto r = core::op_xadd(ctx.db(), ctx.argv[1], a->add, ctx.argv.subspan(field_pos), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (!r->id) return ctx.reply.null();
  reply_id(ctx, *r->id);
  const bool generated = !a->add.id || !a->add.seq_given;
  if (ctx.feed_active() && (generated || a->add.trim.approx)) {
    std::vector<std::string> effect(ctx.argv.begin(), ctx.argv.end());
    if (generated) effect[a->id_pos] = r->id->str();
    if (a->add.trim.approx) rewrite_trim(effect, *a, r->length, r->first_edge);
    ctx.propagate_argv(std::move(effect));
  }
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void xtrim_command(CommandContext& ctx) {
  auto a = parse_add_trim(ctx, false);
  if (reply_if_error(ctx, a)) return;
  auto r = core::op_xtrim(ctx.db(), ctx.argv[1], a->add.trim, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (r->deleted && a->add.trim.approx && ctx.feed_active()) {
    std::vector<std::string> effect(ctx.argv.begin(), ctx.argv.end());
    rewrite_trim(effect, *a, r->length, r->first_edge);
    ctx.propagate_argv(std::move(effect));
  }
  ctx.reply.integer(r->deleted);
}

void xlen_command(CommandContext& ctx) {
  auto r = core::op_xlen(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n]
void range_generic(CommandContext& ctx, bool rev) {
  std::string_view start_arg = rev ? ctx.argv[3] : ctx.argv[2];
  std::string_view end_arg = rev ? ctx.argv[2] : ctx.argv[3];
  auto start = core::parse_interval_id(start_arg, 0);
  if (reply_if_error(ctx, start)) return;
  StreamId s = start->id;
  if (start->exclusive && !s.incr()) return ctx.error(Errc::kStreamInvalidStart);
  auto end = core::parse_interval_id(end_arg, UINT64_MAX);
  if (reply_if_error(ctx, end)) return;
  StreamId e = end->id;
  if (end->exclusive && !e.decr()) return ctx.error(Errc::kStreamInvalidEnd);
  std::int64_t count = -1;
  for (std::size_t j = 4; j < ctx.argv.size(); ++j) {
    if (iequals(ctx.argv[j], "count") && j + 1 < ctx.argv.size()) {
      auto c = to_int(ctx.argv[++j]);
      if (!c) return ctx.error(Errc::kNotInteger);
      count = *c < 0 ? 0 : *c;
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  auto stream = core::find_stream(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, stream)) return;
  if (!*stream) return ctx.reply.array(0);
  if (count == 0) return ctx.reply.null_array();
  auto r = core::op_xrange(ctx.db(), ctx.argv[1], s, e, rev, count < 0 ? 0 : static_cast<std::size_t>(count),
                           ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  reply_entries(ctx, *r);
}

void xrange_command(CommandContext& ctx) { range_generic(ctx, false); }
void xrevrange_command(CommandContext& ctx) { range_generic(ctx, true); }

// XDEL key id [id ...]: a missing key answers 0 before the ids are checked.
void xdel_command(CommandContext& ctx) {
  auto stream = core::find_stream(ctx.db(), ctx.argv[1], ctx.now_ms);
  if (reply_if_error(ctx, stream)) return;
  if (!*stream) return ctx.reply.integer(0);
  std::vector<StreamId> ids;
  for (std::size_t j = 2; j < ctx.argv.size(); ++j) {
    auto id = core::parse_stream_id(ctx.argv[j], 0, true);
    if (!id) return ctx.error(Errc::kStreamInvalidId);
    ids.push_back(*id);
  }
  auto r = core::op_xdel(ctx.db(), ctx.argv[1], ids, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(*r));
}

// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
void xsetid_command(CommandContext& ctx) {
  core::XSetIdArgs a;
  auto id = core::parse_stream_id(ctx.argv[2], 0, true);
  if (!id) return ctx.error(Errc::kStreamInvalidId);
  a.id = *id;
  for (std::size_t i = 3; i < ctx.argv.size(); i += 2) {
    const bool more = i + 1 < ctx.argv.size();
    if (iequals(ctx.argv[i], "entriesadded") && more) {
      auto n = to_int(ctx.argv[i + 1]);
      if (!n) return ctx.error(Errc::kNotInteger);
      if (*n < 0) return ctx.error(Errc::kStreamEntriesAddedNegative);
      a.entries_added = *n;
    } else if (iequals(ctx.argv[i], "maxdeletedid") && more) {
      auto m = core::parse_stream_id(ctx.argv[i + 1], 0, true);
      if (!m) return ctx.error(Errc::kStreamInvalidId);
      if (a.id < *m) return ctx.error(Errc::kStreamSetIdBelowMaxDeletedArg);
      a.max_deleted = *m;
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  auto r = core::op_xsetid(ctx.db(), ctx.argv[1], a, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.ok();
}

// XREAD [COUNT n] [BLOCK ms] STREAMS key [key ...] id [id ...]
void xread_command(CommandContext& ctx) {
  auto a = parse_xread(ctx, false);
  if (reply_if_error(ctx, a)) return;
  if (a->block_ms >= 0 && script_running_here()) {
    return ctx.reply.error(core::error_message(Errc::kScriptBlockOption, ctx.argv[0]));
  }
  const auto keys = ctx.argv.subspan(a->streams_at, a->nstreams);
  std::string_view serve_key = ctx.env ? ctx.env->serve_key : std::string_view();
  if (!serve_key.empty()) {
    // Served from a write on serve_key's shard (the only one held): that key
    // only, after the id it blocked after ("$" was resolved when it blocked).
    std::size_t i = 0;
    while (i < a->nstreams && keys[i] != serve_key) ++i;
    auto id = core::parse_stream_id(ctx.argv[a->streams_at + a->nstreams + i], 0, true);
    if (!id) return ctx.error(Errc::kStreamInvalidId);
    StreamId from = *id;
    from.incr();
    const std::size_t count = a->count ? static_cast<std::size_t>(a->count) : 1000;
    auto r = core::op_xrange(ctx.db_for(serve_key), serve_key, from, StreamId::max(), false, count, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    StreamsRead served;
    served.emplace_back(serve_key, std::move(*r));
    reply_streams_read(ctx, served);
    return;
  }
  std::vector<StreamId> after(a->nstreams);
  for (std::size_t i = 0; i < a->nstreams; ++i) {
    auto stream = core::find_stream(ctx.db_for(keys[i]), keys[i], ctx.now_ms);
    if (reply_if_error(ctx, stream)) return;
    std::string_view arg = ctx.argv[a->streams_at + a->nstreams + i];
    if (arg == "$") {
      after[i] = *stream ? (*stream)->last_id() : StreamId{};
    } else if (arg == ">") {
      return ctx.error(Errc::kStreamGtOutsideGroup);
    } else {
      auto id = core::parse_stream_id(arg, 0, true);
      if (!id) return ctx.error(Errc::kStreamInvalidId);
      after[i] = *id;
    }
  }
  StreamsRead served;
  for (std::size_t i = 0; i < a->nstreams; ++i) {
    auto r = core::op_xread(ctx.db_for(keys[i]), keys[i], after[i], static_cast<std::size_t>(a->count), ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    if (*r) served.emplace_back(keys[i], std::move(**r));
  }
  if (!served.empty()) return reply_streams_read(ctx, served);
  if (a->block_ms < 0) return ctx.reply.null_array();
  // Block, waiting for ids beyond those read from: "$" is resolved now (as
  // Redis does), so the command that serves or retries it reads from there.
  auto ready = [keys = std::vector<std::string>(keys.begin(), keys.end()), after](std::string_view key,
                                                                                   const core::Entry& e) {
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == key) return e.as<core::StreamValue>().last_id() > after[i];
    }
    return false;
  };
  if (!block_client(ctx, keys, a->block_ms, core::ValueType::kStream, std::move(ready))) {
    return ctx.reply.null_array();
  }
  auto& blocked_argv = ctx.env->blocker->argv;
  for (std::size_t i = 0; i < a->nstreams; ++i) blocked_argv[a->streams_at + a->nstreams + i] = after[i].str();
}

constexpr std::uint32_t kWriteDenyOom = kWrite;

const std::array kStreamCommands = {
    CommandSpec{"xadd", -5, kWriteDenyOom | kFast, 1, 1, 1, xadd_command, Fanout::kNone, nullptr, "@write @stream @fast"},
    CommandSpec{"xlen", 2, kReadOnly | kFast, 1, 1, 1, xlen_command, Fanout::kNone, nullptr, "@read @stream @fast"},
    CommandSpec{"xrange", -4, kReadOnly, 1, 1, 1, xrange_command, Fanout::kNone, nullptr, "@read @stream @slow"},
    CommandSpec{"xrevrange", -4, kReadOnly, 1, 1, 1, xrevrange_command, Fanout::kNone, nullptr, "@read @stream @slow"},
    CommandSpec{"xdel", -3, kWrite | kFast, 1, 1, 1, xdel_command, Fanout::kNone, nullptr, "@write @stream @fast"},
    CommandSpec{"xtrim", -4, kWrite, 1, 1, 1, xtrim_command, Fanout::kNone, nullptr, "@write @stream @slow"},
    CommandSpec{"xsetid", -3, kWriteDenyOom | kFast, 1, 1, 1, xsetid_command, Fanout::kNone, nullptr, "@write @stream @fast"},
    CommandSpec{"xread", -4, kReadOnly | kBlocking | kMultiShard, 0, 0, 0, xread_command, Fanout::kNone, nullptr, "@read @stream @slow @blocking", xread_keys},
};

}  // namespace

std::span<const CommandSpec> stream_commands() { return kStreamCommands; }

}  // namespace kora::server
