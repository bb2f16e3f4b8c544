// SLOWLOG and LATENCY: reports of the execution wrapper's records (call.h),
// kept per shard (server_shard.h). Each command runs once holding every shard
// (Fanout::kWhole) and merges the shards' records as typed values.
#include <algorithm>
#include <array>
#include <map>

#include "args.h"
#include "kora/core/clock.h"
#include "kora/server/command.h"
#include "server_shard.h"

namespace kora::server {
namespace {

using core::Errc;

template <typename F>
void for_each_shard(CommandContext& ctx, F&& fn) {
  for (core::ShardId s = 0; s < ctx.engine.shard_count(); ++s) fn(ServerShard::of(ctx.engine.shard(s)));
}

// Every shard's slow log, newest first, cut to slowlog-max-len: each shard
// keeps that many of its own, the server as a whole that many in all.
std::vector<const SlowlogEntry*> slowlog_entries(CommandContext& ctx) {
  std::vector<const SlowlogEntry*> all;
  for_each_shard(ctx, [&](ServerShard& st) {
    for (const SlowlogEntry& e : st.slowlog) all.push_back(&e);
  });
  std::sort(all.begin(), all.end(), [](const SlowlogEntry* a, const SlowlogEntry* b) { return a->id > b->id; });
  const auto max_len = std::max<std::int64_t>(0, StatsConfig::instance().slowlog_max_len.load());
  if (all.size() > static_cast<std::size_t>(max_len)) all.resize(static_cast<std::size_t>(max_len));
  return all;
}

// SLOWLOG GET [count]: the newest `count` entries (10; -1: all), newest first.
void slowlog_get(CommandContext& ctx) {
  std::int64_t count = 10;
  if (ctx.argv.size() > 3) return reply_subcommand_syntax(ctx, "slowlog");
  if (ctx.argv.size() == 3) {
    auto v = to_int(ctx.argv[2]);
    if (!v || *v < -1) return ctx.error(Errc::kSlowlogCount);
    count = *v;
  }
  std::vector<const SlowlogEntry*> all = slowlog_entries(ctx);
  if (count >= 0 && all.size() > static_cast<std::size_t>(count)) all.resize(static_cast<std::size_t>(count));
  ctx.reply.array(all.size());
  for (const SlowlogEntry* e : all) {
    ctx.reply.array(6);
    ctx.reply.integer(static_cast<std::int64_t>(e->id));
    ctx.reply.integer(e->time_s);
    ctx.reply.integer(static_cast<std::int64_t>(e->duration_us));
    ctx.reply.array(e->argv.size());
    for (const std::string& a : e->argv) ctx.reply.bulk(a);
    ctx.reply.bulk(e->addr);
    ctx.reply.bulk(e->name);
  }
}

void slowlog_len(CommandContext& ctx) { ctx.reply.integer(static_cast<std::int64_t>(slowlog_entries(ctx).size())); }

void slowlog_reset(CommandContext& ctx) {
  for_each_shard(ctx, [](ServerShard& st) { st.slowlog.clear(); });
  ctx.reply.ok();
}

void slowlog_help(CommandContext& ctx) {
  reply_help(ctx, "slowlog",
             {"GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
              "    Entries are made of:",
              "    id, timestamp, time in microseconds, arguments array, client IP and port,",
              "    client name", "LEN", "    Return the length of the slowlog.", "RESET",
              "    Reset the slowlog.", "HELP", "    Print this help."});
}

constexpr std::array kSlowlogSubcommands = {
    Subcommand{"get", -2, slowlog_get},
    Subcommand{"len", 2, slowlog_len},
    Subcommand{"reset", 2, slowlog_reset},
    Subcommand{"help", 2, slowlog_help},
};

void slowlog_command(CommandContext& ctx) { dispatch_subcommand(ctx, "slowlog", kSlowlogSubcommands); }

// Every shard's samples of each event, merged: one sample per second (the
// largest), oldest first.
std::map<std::string, std::vector<LatencySample>> merged_latency(CommandContext& ctx) {
  std::map<std::string, std::vector<LatencySample>> out;
  for_each_shard(ctx, [&](ServerShard& st) {
    for (const auto& [event, samples] : st.latency) {
      auto& v = out[event];
      v.insert(v.end(), samples.begin(), samples.end());
    }
  });
  for (auto& [event, v] : out) {
    std::sort(v.begin(), v.end(), [](const LatencySample& a, const LatencySample& b) { return a.time_s < b.time_s; });
    std::vector<LatencySample> merged;
    for (const LatencySample& s : v) {
      if (!merged.empty() && merged.back().time_s == s.time_s) {
        merged.back().ms = std::max(merged.back().ms, s.ms);
      } else {
        merged.push_back(s);
      }
    }
    if (merged.size() > 160) merged.erase(merged.begin(), merged.end() - 160);
    v = std::move(merged);
  }
  return out;
}

// LATENCY LATEST: [event, time of the latest sample, its ms, the largest ms].
void latency_latest(CommandContext& ctx) {
  auto events = merged_latency(ctx);
  ctx.reply.array(events.size());
  for (const auto& [event, samples] : events) {
    std::uint64_t max = 0;
    for (const LatencySample& s : samples) max = std::max(max, s.ms);
    ctx.reply.array(4);
    ctx.reply.bulk(event);
    ctx.reply.integer(samples.back().time_s);
    ctx.reply.integer(static_cast<std::int64_t>(samples.back().ms));
    ctx.reply.integer(static_cast<std::int64_t>(max));
  }
}

// LATENCY HISTORY event: [time, ms] per sample, oldest first.
void latency_history(CommandContext& ctx) {
  auto events = merged_latency(ctx);
  auto it = events.find(std::string(ctx.argv[2]));
  if (it == events.end()) return ctx.reply.array(0);
  ctx.reply.array(it->second.size());
  for (const LatencySample& s : it->second) {
    ctx.reply.array(2);
    ctx.reply.integer(s.time_s);
    ctx.reply.integer(static_cast<std::int64_t>(s.ms));
  }
}

// LATENCY RESET [event ...]: how many events were reset.
void latency_reset(CommandContext& ctx) {
  std::map<std::string, bool> reset;
  for_each_shard(ctx, [&](ServerShard& st) {
    if (ctx.argv.size() == 2) {
      for (const auto& [event, samples] : st.latency) reset[event] = true;
      st.latency.clear();
      return;
    }
    for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
      auto it = st.latency.find(std::string(ctx.argv[i]));
      if (it == st.latency.end()) continue;
      reset[it->first] = true;
      st.latency.erase(it);
    }
  });
  ctx.reply.integer(static_cast<std::int64_t>(reset.size()));
}

// LATENCY HISTOGRAM [command ...]: per command, its calls and the cumulative
// count of calls at or below each power-of-two number of µs (Redis's CDF over
// its HdrHistogram), for the buckets where the count grows.
void latency_histogram(CommandContext& ctx) {
  auto merged = merge_command_stats(ctx.engine, /*with_latency=*/true);
  // Every command, or those named (a container name covers its subcommands).
  auto wanted = [&](const std::string& name) {
    if (ctx.argv.size() == 2) return true;
    for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
      std::string arg(ctx.argv[i]);
      for (char& c : arg) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == arg || name.rfind(arg + "|", 0) == 0) return true;
    }
    return false;
  };
  std::vector<std::pair<const std::string*, const observability::LatencyHistogram*>> rows;
  for (const auto& [name, m] : merged) {
    if (m.latency && m.latency->count() > 0 && wanted(name)) rows.emplace_back(&name, m.latency.get());
  }
  ctx.reply.map(rows.size());
  for (const auto& [name, hist] : rows) {
    const std::uint64_t calls = hist->count();
    ctx.reply.bulk(*name);
    ctx.reply.map(2);
    ctx.reply.bulk("calls");
    ctx.reply.integer(static_cast<std::int64_t>(calls));
    ctx.reply.bulk("histogram_usec");
    // Buckets in ns; cumulative counts at 1, 2, 4 ... µs.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> cdf;
    std::uint64_t below = 0;
    std::uint64_t bound_us = 1;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets;
    hist->for_each_bucket([&](std::uint64_t, std::uint64_t highest, std::uint64_t n) {
      buckets.emplace_back(highest, n);
    });
    std::size_t i = 0;
    while (below < calls) {
      std::uint64_t add = 0;
      while (i < buckets.size() && buckets[i].first <= bound_us * 1000) add += buckets[i++].second;
      below += add;
      if (add > 0) cdf.emplace_back(bound_us, below);
      if (bound_us > (std::uint64_t{1} << 40)) break;
      bound_us *= 2;
    }
    ctx.reply.map(cdf.size());
    for (auto [bound, n] : cdf) {
      ctx.reply.integer(static_cast<std::int64_t>(bound));
      ctx.reply.integer(static_cast<std::int64_t>(n));
    }
  }
}

void latency_doctor(CommandContext& ctx) {
  const std::int64_t threshold = StatsConfig::instance().latency_monitor_threshold.load();
  std::string text;
  if (threshold == 0) {
    text =
        "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Kora instance. "
        "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it.\n";
    return ctx.reply.verbatim(text);
  }
  auto events = merged_latency(ctx);
  if (events.empty()) {
    text = "Dave, no latency spike was observed during the lifetime of this Kora instance, not in the "
           "slightest bit. I honestly think you ought to sleep better.\n";
    return ctx.reply.verbatim(text);
  }
  text = "Dave, I have observed latency spikes in this Kora instance. You don't mind talking about it, "
         "do you Dave?\n\n";
  int n = 1;
  for (const auto& [event, samples] : events) {
    std::uint64_t max = 0, sum = 0;
    for (const LatencySample& s : samples) {
      max = std::max(max, s.ms);
      sum += s.ms;
    }
    text += std::to_string(n++) + ". " + event + ": " + std::to_string(samples.size()) +
            " latency spikes (average " + std::to_string(sum / samples.size()) + "ms, worst " +
            std::to_string(max) + "ms).\n";
  }
  text += "\nThe threshold is " + std::to_string(threshold) + " ms (latency-monitor-threshold).\n";
  ctx.reply.verbatim(text);
}

// LATENCY GRAPH event: the samples as a text chart, newest last: Redis's
// header line, then one column per sample (height proportional to its ms) with
// the sample's age below it. (Redis draws the same data as a sparkline.)
void latency_graph(CommandContext& ctx) {
  auto events = merged_latency(ctx);
  auto it = events.find(std::string(ctx.argv[2]));
  if (it == events.end() || it->second.empty()) {
    return ctx.reply.error(core::error_message(Errc::kNoSamples, ctx.argv[2]));
  }
  const auto& samples = it->second;
  std::uint64_t high = 0, low = UINT64_MAX;
  for (const LatencySample& x : samples) {
    high = std::max(high, x.ms);
    low = std::min(low, x.ms);
  }
  std::string text = it->first + " - high " + std::to_string(high) + " ms, low " + std::to_string(low) +
                     " ms (all time high " + std::to_string(high) + " ms)\n";
  text += std::string(80, '-') + "\n";
  constexpr int kRows = 4;
  const std::size_t first = samples.size() > 80 ? samples.size() - 80 : 0;
  for (int row = kRows; row >= 1; --row) {
    for (std::size_t i = first; i < samples.size(); ++i) {
      const std::uint64_t level = high == 0 ? 0 : (samples[i].ms * kRows + high - 1) / high;
      text += level >= static_cast<std::uint64_t>(row) ? '#' : ' ';
    }
    text += '\n';
  }
  const std::int64_t now = core::now_ms() / 1000;
  text += '\n';
  for (std::size_t i = first; i < samples.size(); ++i) {
    const std::int64_t age = now - samples[i].time_s;
    text += age < 60 ? 's' : age < 3600 ? 'm' : 'h';
  }
  text += '\n';
  ctx.reply.verbatim(text);
}

void latency_help(CommandContext& ctx) {
  reply_help(ctx, "latency",
             {"DOCTOR", "    Return a human readable latency analysis report.", "HISTORY <event>",
              "    Return time-latency samples for the <event> class.", "LATEST",
              "    Return the latest latency samples for all events.", "RESET [<event> ...]",
              "    Reset latency data of one or more <event> classes.",
              "    (default: reset all data for all event classes)", "HISTOGRAM [COMMAND ...]",
              "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
              "    If no commands are specified then all histograms are replied.", "HELP",
              "    Print this help."});
}

constexpr std::array kLatencySubcommands = {
    Subcommand{"latest", 2, latency_latest},       Subcommand{"history", 3, latency_history},
    Subcommand{"reset", -2, latency_reset},        Subcommand{"histogram", -2, latency_histogram},
    Subcommand{"doctor", 2, latency_doctor},       Subcommand{"graph", 3, latency_graph},
    Subcommand{"help", 2, latency_help},
};

void latency_command(CommandContext& ctx) { dispatch_subcommand(ctx, "latency", kLatencySubcommands); }

const std::array kStatsCommands = {
    CommandSpec{"slowlog", -2, kAdmin | kLoading | kStale | kAllShards, 0, 0, 0, slowlog_command, Fanout::kWhole, nullptr, "@admin @slow @dangerous"},
    CommandSpec{"latency", -2, kAdmin | kLoading | kStale | kAllShards, 0, 0, 0, latency_command, Fanout::kWhole, nullptr, "@admin @slow @dangerous"},
};

}  // namespace

std::span<const CommandSpec> stats_commands() { return kStatsCommands; }

}  // namespace kora::server
