// Connection and server commands: PING, ECHO, QUIT, SELECT-free ones such as
// HELLO, CLIENT, COMMAND (generated from the command table) and INFO.
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "args.h"
#include "kora/core/clock.h"
#include "kora/core/glob.h"
#include "kora/server/command.h"
#include "kora/server/server_state.h"
#include "blocking.h"
#include "client_commands.h"
#include "client_registry.h"
#include "tracking.h"
#include "server_shard.h"

namespace kora::server {
namespace {

using core::Errc;

// The Redis version Kora answers as: clients gate features on it.
constexpr std::string_view kRedisVersion = "7.0.15";
constexpr std::string_view kKoraVersion = "0.1.0";

void ping_command(CommandContext& ctx) {
  if (ctx.argv.size() > 2) return ctx.error(Errc::kWrongArity);
  if (ctx.argv.size() == 2) {
    ctx.reply.bulk(ctx.argv[1]);
  } else {
    ctx.reply.simple("PONG");
  }
}

void echo_command(CommandContext& ctx) { ctx.reply.bulk(ctx.argv[1]); }

// The identity SLOWLOG records is replaced, not changed, when the name changes
// (a hop may still read the old one): refresh_identity (client_commands.h).



void quit_command(CommandContext& ctx) {
  ctx.client->close_after_reply = true;
  ctx.reply.ok();
}

// Redis's rule for client names and library attributes: printable ASCII, no space.
bool valid_client_text(std::string_view s) {
  for (char c : s) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void hello_command(CommandContext& ctx) {
  int resp = ctx.client->resp;
  std::size_t j = 1;
  if (ctx.argv.size() > 1) {
    auto v = to_int(ctx.argv[1]);
    if (!v) return ctx.error(Errc::kProtocolVersion);
    if (*v != 2 && *v != 3) return ctx.error(Errc::kNoProto);
    resp = static_cast<int>(*v);
    j = 2;
  }
  std::string name = ctx.client->name;
  bool rename = false;
  for (; j < ctx.argv.size(); ++j) {
    bool more = j + 1 < ctx.argv.size();
    if (iequals(ctx.argv[j], "auth") && j + 2 < ctx.argv.size()) {
      if (ctx.argv[j + 1] != "default") {
        return ctx.error(Errc::kWrongPass);
      }
      j += 2;  // no password is configured: the default user takes any
    } else if (iequals(ctx.argv[j], "setname") && more) {
      name = ctx.argv[++j];
      rename = true;
    } else {
      return ctx.reply.error(core::error_message(Errc::kHelloSyntax, ctx.argv[j]));
    }
  }
  if (rename && !valid_client_text(name)) {
    return ctx.error(Errc::kClientName);
  }
  ctx.client->resp = resp;
  ctx.client->name = name;
  refresh_identity(*ctx.client);
  protocol::ReplyWriter w(&ctx.reply.buffer(), resp);
  w.map(7);
  w.bulk("server");  w.bulk("redis");
  w.bulk("version"); w.bulk(kRedisVersion);
  w.bulk("proto");   w.integer(resp);
  w.bulk("id");      w.integer(static_cast<std::int64_t>(ctx.client->id));
  w.bulk("mode");    w.bulk("standalone");
  w.bulk("role");    w.bulk("master");
  w.bulk("modules"); w.array(0);
}

// CLIENT ID | GETNAME | SETNAME name | SETINFO attr value
void client_id(CommandContext& ctx) { ctx.reply.integer(static_cast<std::int64_t>(ctx.client->id)); }

void client_getname(CommandContext& ctx) {
  if (ctx.client->name.empty()) {
    ctx.reply.null();
  } else {
    ctx.reply.bulk(ctx.client->name);
  }
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: 1 when the client was blocked in a
// blocking command and is now answered (as on a timeout, or with an UNBLOCKED
// error), else 0.
void client_unblock(CommandContext& ctx) {
  if (ctx.argv.size() > 4) return reply_subcommand_syntax(ctx, "client");
  // As Redis 7.0: the reason is checked before the id.
  bool error = false;
  if (ctx.argv.size() == 4) {
    if (iequals(ctx.argv[3], "error")) {
      error = true;
    } else if (!iequals(ctx.argv[3], "timeout")) {
      return ctx.error(Errc::kUnblockReason);
    }
  }
  auto id = to_int(ctx.argv[2]);
  if (!id) return ctx.error(Errc::kNotInteger);
  std::shared_ptr<BlockedClient> c = ctx.server ? ctx.server->find_blocked(static_cast<std::uint64_t>(*id)) : nullptr;
  if (!c) return ctx.reply.integer(0);
  std::string reply;
  if (error) {
    protocol::ReplyWriter(&reply, c->resp).error(core::error_message(Errc::kUnblocked));
  } else {
    reply = timeout_reply(*c->spec, c->resp);
  }
  ctx.reply.integer(answer_blocked(ctx.engine, c, std::move(reply)) ? 1 : 0);
}

void client_setname(CommandContext& ctx) {
  if (!valid_client_text(ctx.argv[2])) {
    return ctx.error(Errc::kClientName);
  }
  ctx.client->name = ctx.argv[2];
  refresh_identity(*ctx.client);
  ctx.reply.ok();
}

// SETINFO arrived in Redis 7.2 (client libraries send it on connect); Kora
// accepts it with 7.2's validation.
void client_setinfo(CommandContext& ctx) {
  std::string_view attr = ctx.argv[2];
  if (!iequals(attr, "lib-name") && !iequals(attr, "lib-ver")) {
    return ctx.reply.error(core::error_message(Errc::kUnrecognizedOption, attr));
  }
  if (!valid_client_text(ctx.argv[3])) {
    std::string lower(attr);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ctx.reply.error(core::error_message(Errc::kClientText, lower));
  }
  ctx.reply.ok();
}

constexpr Subcommand kClientSubcommands[] = {
    {"id", 2, client_id},
    {"getname", 2, client_getname},
    {"info", 2, client_info},
    {"setname", 3, client_setname},
    {"setinfo", 4, client_setinfo},
    {"unblock", -3, client_unblock},
    // client management: client_commands.cc
    {"list", -2, client_list},
    {"kill", -3, client_kill},
    {"pause", -3, client_pause},
    {"unpause", 2, client_unpause},
    {"reply", 3, client_reply},
    {"no-evict", 3, client_no_evict},
    {"getredir", 2, client_getredir},
    {"caching", 3, client_caching},
    {"tracking", -3, client_tracking},
    {"trackinginfo", 2, client_trackinginfo},
    {"help", 2, client_help},
};

void client_command(CommandContext& ctx) { dispatch_subcommand(ctx, "client", kClientSubcommands); }

void write_flags(protocol::ReplyWriter& w, std::uint32_t flags) {
  static constexpr std::pair<std::uint32_t, std::string_view> kNames[] = {
      {kWrite, "write"}, {kReadOnly, "readonly"}, {kAdmin, "admin"}, {kLoading, "loading"},
      {kStale, "stale"}, {kFast, "fast"}, {kBlocking, "blocking"}};
  std::size_t n = 0;
  for (auto [bit, name] : kNames) n += (flags & bit) != 0;
  w.set(n);
  for (auto [bit, name] : kNames) {
    if (flags & bit) w.simple(name);
  }
}

void write_command_info(protocol::ReplyWriter& w, const CommandSpec& spec) {
  w.array(10);
  w.bulk(spec.name);
  w.integer(spec.arity);
  write_flags(w, spec.flags);
  w.integer(spec.first_key);
  w.integer(spec.last_key);
  w.integer(spec.key_step);
  std::string_view cats = spec.acl_categories;
  std::size_t n = 0;
  for (std::size_t i = 0; i < cats.size(); ++i) n += cats[i] == '@';
  w.set(n);
  while (!cats.empty()) {
    auto sp = cats.find(' ');
    w.simple(cats.substr(0, sp));
    cats = sp == std::string_view::npos ? std::string_view() : cats.substr(sp + 1);
  }
  w.set(0);    // tips
  w.array(0);  // key specifications
  w.array(0);  // subcommands
}

// COMMAND [COUNT | LIST | INFO name... | DOCS name... | GETKEYS cmd args...]
void command_count(CommandContext& ctx) {
  ctx.reply.integer(static_cast<std::int64_t>(CommandTable::instance().all().size()));
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN glob]
void command_list(CommandContext& ctx) {
  const auto& all = CommandTable::instance().all();
  std::vector<std::string_view> names;
  if (ctx.argv.size() == 2) {
    for (const auto& spec : all) names.push_back(spec.name);
  } else if (ctx.argv.size() == 5 && iequals(ctx.argv[2], "filterby")) {
    std::string_view kind = ctx.argv[3], arg = ctx.argv[4];
    if (iequals(kind, "module")) {
      // Kora loads no modules.
    } else if (iequals(kind, "aclcat")) {
      std::string cat = "@" + std::string(arg);
      for (const auto& spec : all) {
        std::string_view cats = spec.acl_categories;
        for (std::size_t at = 0; at != std::string_view::npos;) {
          std::size_t sp = cats.find(' ', at);
          if (iequals(cats.substr(at, sp == std::string_view::npos ? sp : sp - at), cat)) {
            names.push_back(spec.name);
            break;
          }
          at = sp == std::string_view::npos ? sp : sp + 1;
        }
      }
    } else if (iequals(kind, "pattern")) {
      for (const auto& spec : all) {
        if (core::glob_match(arg, spec.name, true)) names.push_back(spec.name);
      }
    } else {
      return ctx.error(Errc::kSyntax);
    }
  } else {
    return ctx.error(Errc::kSyntax);
  }
  ctx.reply.array(names.size());
  for (auto n : names) ctx.reply.bulk(n);
}

void command_info(CommandContext& ctx) {
  const auto& table = CommandTable::instance();
  if (ctx.argv.size() == 2) {
    ctx.reply.array(table.all().size());
    for (const auto& spec : table.all()) write_command_info(ctx.reply, spec);
    return;
  }
  ctx.reply.array(ctx.argv.size() - 2);
  for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
    if (const CommandSpec* spec = table.find(ctx.argv[i])) {
      write_command_info(ctx.reply, *spec);
    } else {
      ctx.reply.null();
    }
  }
}

// Kora ships no per-command documentation: every known command maps to an empty
// docs map, which redis-cli accepts.
void command_docs(CommandContext& ctx) {
  const auto& table = CommandTable::instance();
  std::vector<const CommandSpec*> specs;
  if (ctx.argv.size() == 2) {
    for (const auto& spec : table.all()) specs.push_back(&spec);
  } else {
    for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
      if (const CommandSpec* spec = table.find(ctx.argv[i])) specs.push_back(spec);
    }
  }
  ctx.reply.map(specs.size());
  for (const CommandSpec* spec : specs) {
    ctx.reply.bulk(spec->name);
    ctx.reply.map(0);
  }
}

void command_getkeys(CommandContext& ctx) {
  std::span<const std::string_view> inner = ctx.argv.subspan(2);
  const CommandSpec* spec = CommandTable::instance().find(inner[0]);
  if (!spec) return ctx.error(Errc::kInvalidCommand);
  int argc = static_cast<int>(inner.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    return ctx.error(Errc::kInvalidArgCount);
  }
  std::vector<std::uint32_t> pos;
  CommandTable::key_positions(*spec, inner, pos);
  if (pos.empty()) {
    // A command whose keys are counted by an argument (LMPOP numkeys ...) but
    // whose arguments are malformed, versus a command with no keys at all.
    return ctx.reply.error(spec->key_finder ? "ERR Invalid arguments specified for command"
                                            : "ERR The command has no key arguments");
  }
  ctx.reply.array(pos.size());
  for (auto p : pos) ctx.reply.bulk(inner[p]);
}

constexpr Subcommand kCommandSubcommands[] = {
    {"count", 2, command_count},  {"list", -2, command_list},      {"info", -2, command_info},
    {"docs", -2, command_docs},   {"getkeys", -4, command_getkeys},
};

void command_command(CommandContext& ctx) {
  if (ctx.argv.size() == 1) {
    const auto& all = CommandTable::instance().all();
    ctx.reply.array(all.size());
    for (const auto& spec : all) write_command_info(ctx.reply, spec);
    return;
  }
  dispatch_subcommand(ctx, "command", kCommandSubcommands);
}

bool wants(std::span<const std::string_view> argv, std::string_view section, bool in_default) {
  if (argv.size() == 1) return in_default;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (iequals(argv[i], section) || iequals(argv[i], "all") || iequals(argv[i], "everything") ||
        (in_default && iequals(argv[i], "default"))) {
      return true;
    }
  }
  return false;
}

// Redis's %.2f / %.3f style figures.
std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// A percentile's name in latencystats: "p50", "p99.9" (Redis's %f with the
// trailing zeros cut).
std::string percentile_name(double p) {
  std::string t = fixed(p, 6);
  while (!t.empty() && t.back() == '0') t.pop_back();
  if (!t.empty() && t.back() == '.') t.pop_back();
  return "p" + t;
}

// INFO commandstats, errorstats, latencystats: the execution wrapper's counts,
// merged over every shard (all held). Not in the default sections, as in Redis.
void append_stats_sections(CommandContext& ctx, std::span<const std::string_view> argv, std::string& text) {
  auto line = [&text](std::string_view k, const std::string& v) {
    text.append(k).append(":").append(v).append("\r\n");
  };
  const bool commandstats = wants(argv, "commandstats", false);
  const bool latencystats = wants(argv, "latencystats", false);
  if (commandstats || latencystats) {
    const auto merged = merge_command_stats(ctx.engine, latencystats);
    if (commandstats) {
      if (!text.empty()) text += "\r\n";
      text += "# Commandstats\r\n";
      for (const auto& [name, m] : merged) {
        const double usec = static_cast<double>(m.ns) / 1000.0;
        line("cmdstat_" + name,
             "calls=" + std::to_string(m.calls) + ",usec=" + std::to_string(m.ns / 1000) +
                 ",usec_per_call=" + fixed(m.calls ? usec / static_cast<double>(m.calls) : 0.0, 2) +
                 ",rejected_calls=" + std::to_string(m.rejected) + ",failed_calls=" + std::to_string(m.failed));
      }
    }
    if (latencystats) {
      if (!text.empty()) text += "\r\n";
      text += "# Latencystats\r\n";
      const std::vector<double> percentiles = StatsConfig::instance().percentiles();
      for (const auto& [name, m] : merged) {
        if (!m.latency || m.latency->count() == 0) continue;
        std::string v;
        for (double p : percentiles) {
          if (!v.empty()) v += ',';
          v += percentile_name(p) + "=" + fixed(static_cast<double>(m.latency->percentile(p)) / 1000.0, 3);
        }
        line("latency_percentiles_usec_" + name, v);
      }
    }
  }
  if (wants(argv, "errorstats", true)) {
    if (!text.empty()) text += "\r\n";
    text += "# Errorstats\r\n";
    for (const auto& [prefix, count] : ErrorStats::instance().errors()) {
      line("errorstat_" + prefix, "count=" + std::to_string(count));
    }
  }
}

// INFO runs once holding every shard (Fanout::kWhole): it reads each shard's
// key counts and command statistics directly.
void info_command(CommandContext& ctx) {
  std::span<const std::string_view> argv = ctx.argv;
  ServerState* server = ctx.server;
  std::int64_t keys[core::Shard::kDbCount] = {}, expires[core::Shard::kDbCount] = {};
  for (core::ShardId s = 0; s < ctx.engine.shard_count(); ++s) {
    core::Shard& shard = ctx.engine.shard(s);
    for (int i = 0; i < core::Shard::kDbCount; ++i) {
      keys[i] += static_cast<std::int64_t>(shard.db(i).size());
      expires[i] += static_cast<std::int64_t>(shard.db(i).expires_count());
    }
  }
  std::string text;
  auto line = [&text](std::string_view k, const std::string& v) {
    text.append(k).append(":").append(v).append("\r\n");
  };
  const std::int64_t now = core::now_ms();
  if (wants(argv, "server", true)) {
    utsname u{};
    uname(&u);
    std::int64_t uptime = (now - server->start_time_ms()) / 1000;
    text += "# Server\r\n";
    line("redis_version", std::string(kRedisVersion));
    line("kora_version", std::string(kKoraVersion));
    line("redis_mode", "standalone");
    line("os", std::string(u.sysname) + " " + u.release + " " + u.machine);
    line("arch_bits", std::to_string(sizeof(void*) * 8));
    line("multiplexing_api", "epoll");
    line("process_id", std::to_string(getpid()));
    line("run_id", server->run_id());
    line("tcp_port", std::to_string(server->tcp_port()));
    line("server_time_usec", std::to_string(now * 1000));
    line("uptime_in_seconds", std::to_string(uptime));
    line("uptime_in_days", std::to_string(uptime / 86400));
    line("hz", "10");
    line("shards", std::to_string(server->shard_count));
    line("executable", server->executable);
    line("config_file", server->config_file);
  }
  if (wants(argv, "clients", true)) {
    if (!text.empty()) text += "\r\n";
    text += "# Clients\r\n";
    line("connected_clients", std::to_string(server->connected_clients.load()));
    line("blocked_clients", std::to_string(static_cast<std::int64_t>(server->blocked_clients()) +
                                           (server->clients ? server->clients->paused_clients() : 0)));
    line("tracking_clients", std::to_string(Tracking::instance().clients()));
  }
  if (wants(argv, "stats", true)) {
    if (!text.empty()) text += "\r\n";
    text += "# Stats\r\n";
    line("total_connections_received", std::to_string(server->total_connections.load()));
    line("total_commands_processed", std::to_string(server->total_commands.load()));
    line("total_error_replies", std::to_string(ErrorStats::instance().total_errors()));
  }
  append_stats_sections(ctx, argv, text);
  if (wants(argv, "keyspace", true)) {
    if (!text.empty()) text += "\r\n";
    text += "# Keyspace\r\n";
    for (int i = 0; i < core::Shard::kDbCount; ++i) {
      if (keys[i] == 0) continue;
      line("db" + std::to_string(i),
           "keys=" + std::to_string(keys[i]) + ",expires=" + std::to_string(expires[i]) + ",avg_ttl=0");
    }
  }
  ctx.reply.verbatim(text);
}

const std::array kServerCommands = {
    CommandSpec{"ping", -1, kFast | kStale, 0, 0, 0, ping_command, Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"echo", 2, kFast | kStale | kLoading, 0, 0, 0, echo_command, Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"quit", -1, kFast | kStale | kLoading | kConnection, 0, 0, 0, quit_command, Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"hello", -1, kFast | kStale | kLoading | kConnection, 0, 0, 0, hello_command, Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"client", -2, kStale | kLoading | kConnection, 0, 0, 0, client_command, Fanout::kNone, nullptr, "@slow @connection"},
    CommandSpec{"command", -1, kStale | kLoading, 0, 0, 0, command_command, Fanout::kNone, nullptr, "@slow @connection"},
    CommandSpec{"info", -1, kStale | kLoading | kAllShards, 0, 0, 0, info_command, Fanout::kWhole, nullptr, "@slow @dangerous"},
};

}  // namespace

std::span<const CommandSpec> server_commands() { return kServerCommands; }

}  // namespace kora::server
