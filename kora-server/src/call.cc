// The execution wrapper (call.h): statistics, slow log, latency events, the
// change feed, and serving blocked clients, around every command.
#include "kora/server/call.h"

#include <new>

#include "kora/core/clock.h"
#include "kora/core/dump.h"
#include "kora/protocol/reply_writer.h"
#include "maxmemory.h"
#include "pubsub_service.h"
#include "server_shard.h"
#include "tracking.h"

namespace kora::server {

namespace {
// Timing::kSampled's counter: per thread, so that callers sharing shards do not
// share its cache line.
thread_local std::uint32_t sample_tick __attribute__((tls_model("initial-exec"))) = 0;
}  // namespace

CommandRun::CommandRun(const CommandSpec& spec, core::Shard& shard, int db, bool count, Timing timing)
    : spec_(spec),
      shard_(shard),
      counted_lookups_before_(core::Db::count_lookups((spec.flags & kReadOnly) != 0)),
      state_(ServerShard::of(shard)),
      ready_(state_.ready_flag()),
      db_(db),
      counted_(count),
      feed_active_(shard.feed().active()),
      writes_before_(shard.events().writes()),
      timed_(timing == Timing::kEvery || sample_tick++ % kTimingSample == 0),
      start_ticks_(timed_ ? core::ticks_now() : 0) {}

void CommandRun::add_dirty(std::uint64_t writes) { state_.dirty += writes; }

std::uint64_t CommandRun::stop_clock() { return core::ticks_to_ns(core::ticks_now() - start_ticks_); }

bool CommandRun::record(std::uint64_t ns, std::string_view error) {
  if (!counted_) return false;  // a later part of a fan-out: the command counts once
  if (!error.empty()) ErrorStats::instance().count_error(error);
  if (rejected_) {
    std::string name(spec_.name);
    if (!subcommand_.empty()) name.append("|").append(subcommand_);
    ErrorStats::instance().count_rejected(name);
    return false;
  }
  CommandStat& s = subcommand_.empty()
                       ? state_.stats[spec_.id]
                       : state_.sub_stats[std::string(spec_.name).append("|").append(subcommand_)];
  ++s.calls;
  if (!error.empty()) ++s.failed;
  if (!timed_) return false;
  ++s.timed;
  s.ns += ns;
  StatsConfig& config = StatsConfig::instance();
  if (config.latency_tracking.load(std::memory_order_relaxed)) {
    if (!s.latency) s.latency = std::make_unique<NsHistogram>();
    s.latency->record(ns);
  }
  const std::int64_t threshold_ms = config.latency_monitor_threshold.load(std::memory_order_relaxed);
  if (threshold_ms > 0 && ns / 1000000 >= static_cast<std::uint64_t>(threshold_ms)) {
    auto& series = state_.latency[(spec_.flags & kFast) ? "fast-command" : "command"];
    const std::int64_t now_s = core::now_ms() / 1000;
    if (!series.empty() && series.back().time_s == now_s) {
      series.back().ms = std::max(series.back().ms, ns / 1000000);
    } else {
      series.push_back({now_s, ns / 1000000});
      if (series.size() > 160) series.pop_front();  // Redis keeps 160 samples per event
    }
  }
  const std::int64_t slower_than = config.slowlog_log_slower_than.load(std::memory_order_relaxed);
  return slower_than >= 0 && ns / 1000 >= static_cast<std::uint64_t>(slower_than);
}

void CommandRun::log_slow(std::uint64_t ns, const std::vector<std::string>& argv,
                          const ClientIdentity* who) {
  // As Redis: at most 32 arguments (the last one saying how many more), each
  // cut to 128 bytes with a note of how many more it had.
  constexpr std::size_t kMaxArgc = 32, kMaxString = 128;
  SlowlogEntry e;
  e.id = StatsConfig::instance().next_slowlog_id.fetch_add(1, std::memory_order_relaxed);
  e.time_s = core::now_ms() / 1000;
  e.duration_us = ns / 1000;
  const std::size_t n = std::min(argv.size(), kMaxArgc);
  for (std::size_t i = 0; i < n; ++i) {
    if (n == kMaxArgc && i == kMaxArgc - 1 && argv.size() > kMaxArgc) {
      e.argv.push_back("... (" + std::to_string(argv.size() - kMaxArgc + 1) + " more arguments)");
      break;
    }
    if (argv[i].size() > kMaxString) {
      e.argv.push_back(argv[i].substr(0, kMaxString) + "... (" +
                       std::to_string(argv[i].size() - kMaxString) + " more bytes)");
    } else {
      e.argv.push_back(argv[i]);
    }
  }
  if (who) {
    e.addr = who->addr;
    e.name = who->name;
  }
  state_.slowlog.push_front(std::move(e));
  const auto max_len = StatsConfig::instance().slowlog_max_len.load(std::memory_order_relaxed);
  while (state_.slowlog.size() > static_cast<std::size_t>(std::max<std::int64_t>(0, max_len))) {
    state_.slowlog.pop_back();
  }
}

void CommandRun::publish() {
  for (auto& argv : effects_) shard_.feed().publish(db_, std::move(argv));
}

std::vector<std::string> restore_effect(std::string_view key, const core::Entry& e) {
  return {"RESTORE", std::string(key), std::to_string(e.expire_at_ms()), core::dump_payload(e), "REPLACE", "ABSTTL"};
}

namespace {

std::string_view error_text(const std::string& out, std::size_t mark) {
  if (out.size() <= mark || out[mark] != '-') return {};
  std::string_view line(out.data() + mark + 1, out.size() - mark - 1);
  return line.substr(0, line.find('\r'));
}

}  // namespace

CallStatus call_command(const CommandSpec& spec, std::span<const std::string_view> argv,
                        core::Shard& shard, const CallEnv& env, std::string& out) {
  protocol::ReplyWriter writer(&out, env.resp);
  const std::size_t mark = out.size();
  CommandRun run(spec, shard, env.db, env.count);
  CommandContext ctx{argv, env.engine, shard, env.db, core::now_ms(), writer, env.client, env.server};
  ctx.env = &env;
  ctx.effects = run.effects();
  // maxmemory (Redis's processCommand): a command that may use more memory
  // first makes room on its shard, or is refused. Not inside EXEC or a script
  // (checked once for the whole block / before the script's first write),
  // nor when a blocked client is served.
  if ((spec.flags & kDenyOom) && !env.no_block && env.serve_key.empty() && !make_room(env.engine, shard))
      [[unlikely]] {
    writer.error(core::error_message(core::Errc::kOutOfMemory));
    run.set_subcommand({}, /*rejected=*/true);
    run.finish(error_text(out, mark), [&] { return std::vector<std::string>(argv.begin(), argv.end()); }, env.who);
    return CallStatus::kError;
  }
  // A command whose keys span shards publishes each touched key's final state
  // on that key's shard instead of its command line.
  bool capture = false;
  for (core::ShardId s : env.capture) {
    core::ChangeFeed& feed = env.engine.shard(s).feed();
    if (feed.active()) {
      feed.begin_capture();
      capture = true;
    }
  }
  if (capture || (spec.flags & kScript)) {
    ctx.effects = nullptr;
    run.skip_feed();
  }
  // Keyspace notifications of class m (keymiss): one branch when off.
  if (shard.events().notifying(core::notify::kKeyMiss)) [[unlikely]] {
    announce_key_misses(spec, argv, env.engine, env.db, ctx.now_ms);
  }
  tracking_before_call(env);
  try {
    spec.handler(ctx);
  } catch (const std::bad_alloc&) {
    out.resize(mark);
    writer.error(core::error_message(core::Errc::kOutOfMemory));
  }
  if (!ctx.blocked) tracking_after_call(spec, argv, shard, env);
  tracking_end_call();
  run.set_subcommand(ctx.subcommand, ctx.rejected);
  if (ctx.blocked) {
    if (capture) {
      for (core::ShardId s : env.capture) env.engine.shard(s).feed().take_captured();
    }
    return CallStatus::kBlocked;
  }
  const std::string_view error = error_text(out, mark);
  run.finish(error, [&] { return std::vector<std::string>(argv.begin(), argv.end()); }, env.who);
  if (capture) publish_captured(env.engine, env.capture, ctx.now_ms);
  if (env.serve_blocked) run.serve_blocked(env.engine, env.server);
  return error.empty() ? CallStatus::kOk : CallStatus::kError;
}

void publish_captured(core::ShardEngine& engine, std::span<const core::ShardId> shards,
                      std::int64_t now_ms) {
  for (core::ShardId s : shards) {
    core::Shard& shard = engine.shard(s);
    core::ChangeFeed& feed = shard.feed();
    if (!feed.active()) continue;
    for (auto& [db, key] : feed.take_captured()) {
      core::EntryRef ref = shard.db(db).find(key, now_ms, /*touch=*/false);
      if (!ref) {
        feed.publish(db, {"DEL", key});
        continue;
      }
      feed.publish(db, restore_effect(key, *ref.entry));
    }
  }
}

}  // namespace kora::server
