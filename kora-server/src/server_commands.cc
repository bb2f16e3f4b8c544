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
#include "pubsub_service.h"
#include "kora/server/server_state.h"
#include "acl.h"
#include "blocking.h"
#include "client_commands.h"
#include "client_registry.h"
#include "command_docs.h"
#include "tracking.h"
#include "server_shard.h"
#include "version.h"

namespace kora::server {
namespace {

using core::Errc;

// The Redis version Kora answers as: clients gate features on it.

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
      // In-process clients have no users: only "default" exists, with any password.
      const bool ok = ctx.client->acl ? acl_authenticate(*ctx.client, ctx.argv[j + 1], ctx.argv[j + 2], false)
                                      : ctx.argv[j + 1] == "default";
      if (!ok) return ctx.error(Errc::kWrongPass);
      j += 2;
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
  if (ctx.client->acl && !ctx.client->acl->authenticated) return ctx.error(Errc::kHelloNoAuth);
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
  // Redis 7.0's row (command_docs.h), for every command Redis has.
  if (const CommandFacts* facts = command_facts(spec.name)) return write_resp3(w, facts->info);
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
  w.set(0);  // tips
  w.set(0);  // key specifications
  w.set(0);  // subcommands
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
    if (const CommandFacts* facts = command_facts(spec->name)) {
      write_resp3(ctx.reply, facts->docs);
    } else {
      ctx.reply.map(0);
    }
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

const std::array kServerCommands = {
    CommandSpec{"ping", -1, kFast | kStale, 0, 0, 0, ping_command, Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"echo", 2, kFast | kStale | kLoading, 0, 0, 0, echo_command, Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"quit", -1, kFast | kStale | kLoading | kConnection, 0, 0, 0, quit_command, Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"hello", -1, kFast | kStale | kLoading | kConnection, 0, 0, 0, hello_command, Fanout::kNone, nullptr, "@fast @connection"},
    CommandSpec{"client", -2, kStale | kLoading | kConnection, 0, 0, 0, client_command, Fanout::kNone, nullptr, "@slow @connection"},
    CommandSpec{"command", -1, kStale | kLoading, 0, 0, 0, command_command, Fanout::kNone, nullptr, "@slow @connection"},
};

}  // namespace

std::span<const CommandSpec> server_commands() { return kServerCommands; }

}  // namespace kora::server
