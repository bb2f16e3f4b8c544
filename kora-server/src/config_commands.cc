// CONFIG GET / SET / RESETSTAT / REWRITE over one table of parameters, with
// Redis 7.0's names, aliases, ranges and error texts.
#include <array>
#include <atomic>
#include <climits>
#include <set>
#include <string>
#include <vector>

#include "args.h"
#include "kora/core/glob.h"
#include "kora/core/object.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;

struct ConfigParam {
  std::string_view name;
  std::string_view alias;  // Redis 7's old "ziplist" name, if any
  std::atomic<std::int64_t>* value;  // nullptr: a fixed value (fixed_text)
  std::int64_t min;
  std::int64_t max;
  std::string_view fixed_text;  // immutable parameters: what CONFIG GET reports
};

const std::vector<ConfigParam>& params() {
  auto& l = core::EncodingLimits::instance();
  static const std::vector<ConfigParam> kParams = {
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", &l.hash_max_listpack_entries, 0, LLONG_MAX, {}},
      {"hash-max-listpack-value", "hash-max-ziplist-value", &l.hash_max_listpack_value, 0, LLONG_MAX, {}},
      {"set-max-intset-entries", {}, &l.set_max_intset_entries, 0, LLONG_MAX, {}},
      {"list-max-listpack-size", "list-max-ziplist-size", &l.list_max_listpack_size, INT_MIN, INT_MAX, {}},
      {"zset-max-listpack-entries", "zset-max-ziplist-entries", &l.zset_max_listpack_entries, 0, LLONG_MAX, {}},
      {"zset-max-listpack-value", "zset-max-ziplist-value", &l.zset_max_listpack_value, 0, LLONG_MAX, {}},
      // Facts of this build, reported for clients that ask; not settable.
      {"databases", {}, nullptr, 0, 0, "16"},
      {"maxmemory", {}, nullptr, 0, 0, "0"},
      {"save", {}, nullptr, 0, 0, ""},
      {"appendonly", {}, nullptr, 0, 0, "no"},
  };
  return kParams;
}

const ConfigParam* find_param(std::string_view name) {
  for (const auto& p : params()) {
    if (iequals(p.name, name) || (!p.alias.empty() && iequals(p.alias, name))) return &p;
  }
  return nullptr;
}

std::string value_text(const ConfigParam& p) {
  return p.value ? std::to_string(p.value->load(std::memory_order_relaxed)) : std::string(p.fixed_text);
}

// CONFIG GET parameter [parameter ...]: glob patterns, matched against names and aliases.
void config_get(CommandContext& ctx) {
  std::vector<std::pair<std::string_view, std::string>> out;
  std::set<std::string_view> seen;
  for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
    for (const auto& p : params()) {
      for (std::string_view name : {p.name, p.alias}) {
        if (name.empty() || seen.count(name)) continue;
        if (core::glob_match(ctx.argv[i], name, true)) {
          seen.insert(name);
          out.emplace_back(name, value_text(p));
        }
      }
    }
  }
  ctx.reply.map(out.size());
  for (const auto& [name, value] : out) {
    ctx.reply.bulk(name);
    ctx.reply.bulk(value);
  }
}

// CONFIG SET parameter value [parameter value ...]: all or nothing.
void config_set(CommandContext& ctx) {
  if (ctx.argv.size() % 2 != 0) return ctx.error(Errc::kWrongArity);
  auto failed = [&ctx](std::string_view name, std::string_view why) {
    ctx.reply.error("ERR CONFIG SET failed (possibly related to argument '" + std::string(name) +
                    "') - " + std::string(why));
  };
  std::vector<std::pair<const ConfigParam*, std::int64_t>> updates;
  for (std::size_t i = 2; i + 1 < ctx.argv.size(); i += 2) {
    const ConfigParam* p = find_param(ctx.argv[i]);
    if (!p) {
      return ctx.reply.error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                             std::string(ctx.argv[i]) + "'");
    }
    for (const auto& u : updates) {
      if (u.first == p && iequals(ctx.argv[i], p->name)) return failed(ctx.argv[i], "duplicate parameter");
    }
    if (!p->value) return failed(ctx.argv[i], "can't set immutable config");
    auto v = to_int(ctx.argv[i + 1]);
    if (!v) {
      // Redis reports an integer outside long long's range as out of range.
      std::string_view t = ctx.argv[i + 1];
      bool digits = !t.empty() && t.find_first_not_of("-0123456789") == std::string_view::npos;
      if (digits && t.size() > 18) {
        return failed(ctx.argv[i], "argument must be between " + std::to_string(p->min) + " and " +
                                       std::to_string(p->max) + " inclusive");
      }
      return failed(ctx.argv[i], "argument couldn't be parsed into an integer");
    }
    if (*v < p->min || *v > p->max) {
      return failed(ctx.argv[i], "argument must be between " + std::to_string(p->min) + " and " +
                                     std::to_string(p->max) + " inclusive");
    }
    updates.emplace_back(p, *v);
  }
  for (const auto& [p, v] : updates) p->value->store(v, std::memory_order_relaxed);
  ctx.reply.ok();
}

void config_resetstat(CommandContext& ctx) { ctx.reply.ok(); }

void config_rewrite(CommandContext& ctx) {
  ctx.reply.error("ERR The server is running without a config file");
}

constexpr Subcommand kConfigSubcommands[] = {
    {"get", -3, config_get}, {"set", -4, config_set}, {"resetstat", 2, config_resetstat},
    {"rewrite", 2, config_rewrite}};

void config_command(CommandContext& ctx) { dispatch_subcommand(ctx, "config", kConfigSubcommands); }

const std::array kConfigCommands = {
    CommandSpec{"config", -2, kAdmin | kLoading | kStale, 0, 0, 0, config_command, Fanout::kNone, nullptr, "@admin @slow @dangerous"},
};

}  // namespace

std::span<const CommandSpec> config_commands() { return kConfigCommands; }

}  // namespace kora::server
