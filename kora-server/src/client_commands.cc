// Client management: CLIENT INFO / LIST / KILL / PAUSE / UNPAUSE / REPLY /
// NO-EVICT / GETREDIR / CACHING / TRACKING / TRACKINGINFO / HELP, and the
// MONITOR and RESET commands. Clients of every worker are reached through the
// process-wide ClientRegistry (client_registry.h); tracking state lives in
// Tracking (tracking.h). Errors are Redis 7.0's.

#include "client_commands.h"
#include "acl.h"
#include "pubsub_service.h"

#include <algorithm>
#include <array>

#include "args.h"
#include "kora/core/clock.h"
#include "kora/server/call.h"
#include "kora/server/server_state.h"
#include "tracking.h"
#include "transport.h"

namespace kora::server {

using core::Errc;

void refresh_identity(ClientState& c) {
  ClientIdentity id;
  id.id = c.id;
  id.addr = c.addr;
  id.name = c.name;
  id.tracking = c.tracking && !c.tracking_bcast &&
                (!c.tracking_optin || c.tracking_caching) && (!c.tracking_optout || !c.tracking_caching);
  if (c.acl) {
    if (!c.acl->user->unrestricted()) id.acl_user = c.acl->user;
    id.username = c.acl->username;
  }
  c.identity = std::make_shared<const ClientIdentity>(std::move(id));
}

void fill_snapshot(ClientSnapshot& s, const ClientState& c, bool multi, bool blocked, bool closing) {
  if (s.addr != c.addr) s.addr = c.addr;
  if (s.laddr != c.laddr) s.laddr = c.laddr;
  s.fd = c.fd;
  if (s.name != c.name) s.name = c.name;
  s.created_ms = c.created_ms;
  s.db = c.db;
  s.resp = c.resp;
  s.monitor = c.monitor;
  s.redir = c.tracking ? static_cast<std::int64_t>(c.tracking_redirect) : -1;
  // The P flag and CLIENT LIST TYPE pubsub: subscribed to anything. (The
  // sub / psub / ssub counts stay 0: the Broker counts channels and patterns
  // together.)
  s.pubsub = c.pubsub && c.pubsub->active();
  if (c.acl && s.user != c.acl->username) s.user = c.acl->username;
  // Flags in Redis 7.0's order.
  std::string& f = s.flags;
  f.clear();
  if (c.monitor) f += 'O';
  if (s.pubsub) f += 'P';
  if (multi) f += 'x';
  if (blocked) f += 'b';
  if (c.tracking) f += 't';
  if (c.tracking && Tracking::instance().broken_redirect(c.id)) f += 'R';
  if (c.tracking_bcast) f += 'B';
  if (closing || c.close_after_reply) f += 'c';
  if (c.unix_socket) f += 'U';
  if (c.no_evict) f += 'e';
  if (f.empty()) f.push_back('N');
}

std::string command_full_name(const CommandSpec& spec, std::span<const std::string_view> argv) {
  static constexpr std::array<std::string_view, 14> kContainers = {
      "client", "config", "command", "memory", "object", "slowlog", "latency",
      "acl",    "xinfo",  "xgroup",  "script", "function", "pubsub", "module"};
  std::string name(spec.name);
  if (argv.size() > 1 && std::find(kContainers.begin(), kContainers.end(), spec.name) != kContainers.end()) {
    name += '|';
    for (char ch : argv[1]) name += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return name;
}

bool monitor_shows(const CommandSpec& spec, std::span<const std::string_view> argv) {
  if (spec.flags & kAdmin) return false;
  const std::string_view n = spec.name;
  if (n == "monitor" || n == "config" || n == "debug" || n == "shutdown" || n == "slaveof" ||
      n == "replicaof" || n == "save" || n == "bgsave" || n == "bgrewriteaof" || n == "sync" || n == "psync") {
    return false;
  }
  if (n == "client" && argv.size() > 1) {
    for (std::string_view sub : {"kill", "list", "no-evict", "pause", "unblock", "unpause"}) {
      if (iequals(argv[1], sub)) return false;
    }
  }
  if ((n == "slowlog" || n == "latency") && argv.size() > 1) return false;  // admin in Redis
  return true;
}

std::size_t monitor_redact_from(const CommandSpec& spec, std::span<const std::string_view> argv) {
  if (spec.name == "auth") return 1;
  if (spec.name == "hello") {
    for (std::size_t i = 2; i + 2 < argv.size(); ++i) {
      if (iequals(argv[i], "auth")) return i + 1;
    }
  }
  return argv.size();
}

const std::string& unix_socket_path() { return listen_settings().unixsocket; }

namespace {

ClientRegistry* registry(CommandContext& ctx) { return ctx.server ? ctx.server->clients.get() : nullptr; }

// The calling client's line, live (its registry entry holds the previous command).
std::string self_line(CommandContext& ctx, std::string_view cmd) {
  const ClientState& c = *ctx.client;
  ClientSnapshot s;
  if (ClientRegistry* reg = registry(ctx)) {
    if (auto e = reg->find(c.id)) s = e->copy();
  }
  fill_snapshot(s, c, false, false, false);
  s.cmd = std::string(cmd);
  s.last_ms = ctx.now_ms;
  s.multi = -1;
  s.qbuf = c.qbuf;
  s.qbuf_free = c.qbuf_free;
  s.obl = c.obl;
  s.oll = c.oll;
  s.omem = c.omem;
  s.tot_mem = c.tot_mem;
  return format_client(c.id, s, ctx.now_ms);
}

// Redis's getClientTypeByName: -1 for an unknown name.
enum ClientType { kNormal = 0, kReplica = 1, kPubsub = 2, kMaster = 3 };
int client_type_by_name(std::string_view n) {
  if (iequals(n, "normal")) return kNormal;
  if (iequals(n, "slave") || iequals(n, "replica")) return kReplica;
  if (iequals(n, "pubsub")) return kPubsub;
  if (iequals(n, "master")) return kMaster;
  return -1;
}
// MONITOR clients are of type normal for CLIENT LIST / KILL (Redis 7.0).
int client_type(const ClientSnapshot& s) { return s.pubsub ? kPubsub : kNormal; }

bool parse_on_off(std::string_view v, bool& out) {
  if (iequals(v, "on")) {
    out = true;
  } else if (iequals(v, "off")) {
    out = false;
  } else {
    return false;
  }
  return true;
}

// Redis's stringCheckPrefix: one is a prefix of the other.
bool prefixes_overlap(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// "<a>\0<b>": the argument of a two-part error.
std::string pair(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + b.size() + 1);
  out.append(a);
  out.push_back('\0');
  out.append(b);
  return out;
}

}  // namespace

void client_info(CommandContext& ctx) { ctx.reply.verbatim(self_line(ctx, "client|info") + "\n"); }

// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]]
void client_list(CommandContext& ctx) {
  const std::size_t argc = ctx.argv.size();
  int type = -1;
  std::vector<std::uint64_t> ids;
  bool by_id = false;
  if (argc == 4 && iequals(ctx.argv[2], "type")) {
    type = client_type_by_name(ctx.argv[3]);
    if (type < 0) return ctx.reply.error(core::error_message(Errc::kUnknownClientType, ctx.argv[3]));
  } else if (argc > 3 && iequals(ctx.argv[2], "id")) {
    by_id = true;
    for (std::size_t j = 3; j < argc; ++j) {
      auto id = to_int(ctx.argv[j]);
      if (!id) return ctx.error(Errc::kInvalidClientId);
      ids.push_back(static_cast<std::uint64_t>(*id));
    }
  } else if (argc != 2) {
    return ctx.error(Errc::kSyntax);
  }
  std::string out;
  ClientRegistry* reg = registry(ctx);
  auto line_of = [&](const ClientEntry& e) {
    if (e.id == ctx.client->id) return self_line(ctx, "client|list");
    return format_client(e.id, e.copy(), ctx.now_ms);
  };
  if (by_id) {
    for (std::uint64_t id : ids) {
      auto e = reg ? reg->find(id) : nullptr;
      if (e) out += line_of(*e) + "\n";
    }
  } else if (reg) {
    for (const auto& e : reg->all()) {
      if (type != -1 && client_type(e->copy()) != type) continue;
      out += line_of(*e) + "\n";
    }
  }
  ctx.reply.verbatim(out);
}

// CLIENT KILL ip:port | CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port]
// [USER name] [TYPE type] [SKIPME yes|no] (every filter must match).
void client_kill(CommandContext& ctx) {
  const std::size_t argc = ctx.argv.size();
  std::string_view addr, laddr, user;
  bool has_addr = false, has_laddr = false, has_user = false;
  int type = -1;
  std::uint64_t id = 0;
  bool skipme = true;
  if (argc == 3) {
    addr = ctx.argv[2];
    has_addr = true;
    skipme = false;  // the old form may kill the caller
  } else {
    for (std::size_t i = 2; i < argc; i += 2) {
      const bool more = i + 1 < argc;
      std::string_view opt = ctx.argv[i];
      if (iequals(opt, "id") && more) {
        auto v = to_int(ctx.argv[i + 1]);
        if (!v || *v < 1) return ctx.error(Errc::kClientIdNotPositive);
        id = static_cast<std::uint64_t>(*v);
      } else if (iequals(opt, "type") && more) {
        type = client_type_by_name(ctx.argv[i + 1]);
        if (type < 0) return ctx.reply.error(core::error_message(Errc::kUnknownClientType, ctx.argv[i + 1]));
      } else if (iequals(opt, "addr") && more) {
        addr = ctx.argv[i + 1];
        has_addr = true;
      } else if (iequals(opt, "laddr") && more) {
        laddr = ctx.argv[i + 1];
        has_laddr = true;
      } else if (iequals(opt, "user") && more) {
        user = ctx.argv[i + 1];
        has_user = true;
        if (!AclRegistry::instance().find(user)) {
          return ctx.reply.error(core::error_message(Errc::kClientKillNoSuchUser, user));
        }
      } else if (iequals(opt, "skipme") && more) {
        if (iequals(ctx.argv[i + 1], "yes")) {
          skipme = true;
        } else if (iequals(ctx.argv[i + 1], "no")) {
          skipme = false;
        } else {
          return ctx.error(Errc::kSyntax);
        }
      } else {
        return ctx.error(Errc::kSyntax);
      }
    }
  }
  ClientRegistry* reg = registry(ctx);
  std::int64_t killed = 0;
  if (reg) {
    for (const auto& e : reg->all()) {
      const ClientSnapshot s = e->id == ctx.client->id ? ClientSnapshot{} : e->copy();
      const std::string& a = e->id == ctx.client->id ? ctx.client->addr : s.addr;
      const std::string& la = e->id == ctx.client->id ? ctx.client->laddr : s.laddr;
      if (has_addr && a != addr) continue;
      if (has_laddr && la != laddr) continue;
      if (type != -1 && client_type(s) != type) continue;
      if (id != 0 && e->id != id) continue;
      if (has_user && s.user != user) continue;
      if (e->id == ctx.client->id) {
        if (skipme) continue;
        ctx.client->close_after_reply = true;
      } else {
        reg->post(e->id, [](ClientHandle& h) { h.kill(); });
      }
      ++killed;
    }
  }
  if (argc == 3) {
    if (killed == 0) return ctx.error(Errc::kNoSuchClient);
    return ctx.reply.ok();
  }
  ctx.reply.integer(killed);
}

// CLIENT PAUSE timeout [WRITE|ALL]
void client_pause(CommandContext& ctx) {
  if (ctx.argv.size() > 4) return reply_subcommand_syntax(ctx, "client");
  bool all = true;
  if (ctx.argv.size() == 4) {
    if (iequals(ctx.argv[3], "write")) {
      all = false;
    } else if (!iequals(ctx.argv[3], "all")) {
      return ctx.error(Errc::kClientPauseMode);
    }
  }
  auto ms = to_int(ctx.argv[2]);
  if (!ms) return ctx.error(Errc::kTimeoutNotInteger);
  if (*ms < 0) return ctx.error(Errc::kTimeoutNegative);
  if (ClientRegistry* reg = registry(ctx)) reg->pause(ctx.now_ms + *ms, all);
  ctx.reply.ok();
}

void client_unpause(CommandContext& ctx) {
  if (ClientRegistry* reg = registry(ctx)) reg->unpause();
  ctx.reply.ok();
}

// CLIENT REPLY ON|OFF|SKIP: OFF and SKIP send no reply themselves.
void client_reply(CommandContext& ctx) {
  ClientState& c = *ctx.client;
  if (iequals(ctx.argv[2], "on")) {
    c.reply_off = c.reply_skip = c.reply_skip_next = false;
    ctx.reply.ok();
  } else if (iequals(ctx.argv[2], "off")) {
    c.reply_off = true;
  } else if (iequals(ctx.argv[2], "skip")) {
    if (!c.reply_off) c.reply_skip_next = true;
  } else {
    ctx.error(Errc::kSyntax);
  }
}

void client_no_evict(CommandContext& ctx) {
  bool on = false;
  if (!parse_on_off(ctx.argv[2], on)) return ctx.error(Errc::kSyntax);
  ctx.client->no_evict = on;
  ctx.reply.ok();
}

void client_getredir(CommandContext& ctx) {
  const ClientState& c = *ctx.client;
  ctx.reply.integer(c.tracking ? static_cast<std::int64_t>(c.tracking_redirect) : -1);
}

// CLIENT CACHING yes|no: the next command is tracked (OPTIN) or not (OPTOUT).
void client_caching(CommandContext& ctx) {
  ClientState& c = *ctx.client;
  if (!c.tracking) return ctx.error(Errc::kCachingNotTracking);
  if (iequals(ctx.argv[2], "yes")) {
    if (!c.tracking_optin) return ctx.error(Errc::kCachingYesNotOptin);
  } else if (iequals(ctx.argv[2], "no")) {
    if (!c.tracking_optout) return ctx.error(Errc::kCachingNoNotOptout);
  } else {
    return ctx.error(Errc::kSyntax);
  }
  c.tracking_caching = true;
  refresh_identity(c);
  ctx.reply.ok();
}

// CLIENT TRACKING on|off [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]
void client_tracking(CommandContext& ctx) {
  ClientState& c = *ctx.client;
  const std::size_t argc = ctx.argv.size();
  TrackingOptions o;
  std::vector<std::string> prefixes;
  std::int64_t redir = 0;
  for (std::size_t j = 3; j < argc; ++j) {
    const bool more = j + 1 < argc;
    std::string_view a = ctx.argv[j];
    if (iequals(a, "redirect") && more) {
      ++j;
      if (redir != 0) return ctx.error(Errc::kTrackingRedirectTwice);
      auto v = to_int(ctx.argv[j]);
      if (!v) return ctx.error(Errc::kNotInteger);
      redir = *v;
      ClientRegistry* reg = registry(ctx);
      if (!reg || !reg->find(static_cast<std::uint64_t>(redir))) return ctx.error(Errc::kTrackingRedirectMissing);
    } else if (iequals(a, "bcast")) {
      o.bcast = true;
    } else if (iequals(a, "optin")) {
      o.optin = true;
    } else if (iequals(a, "optout")) {
      o.optout = true;
    } else if (iequals(a, "noloop")) {
      o.noloop = true;
    } else if (iequals(a, "prefix") && more) {
      prefixes.emplace_back(ctx.argv[++j]);
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }
  bool on = false;
  if (!parse_on_off(ctx.argv[2], on)) return ctx.error(Errc::kSyntax);
  if (!on) {
    if (c.tracking) Tracking::instance().disable(c.id);
    c.tracking = c.tracking_bcast = c.tracking_optin = c.tracking_optout = c.tracking_caching = false;
    c.tracking_redirect = 0;
    refresh_identity(c);
    return ctx.reply.ok();
  }
  if (!o.bcast && !prefixes.empty()) return ctx.error(Errc::kTrackingPrefixNeedsBcast);
  if (c.tracking && c.tracking_bcast != o.bcast) return ctx.error(Errc::kTrackingBcastSwitch);
  if (o.bcast && (o.optin || o.optout)) return ctx.error(Errc::kTrackingOptBcast);
  if (o.optin && o.optout) return ctx.error(Errc::kTrackingOptinOptout);
  if ((o.optin && c.tracking_optout) || (o.optout && c.tracking_optin)) return ctx.error(Errc::kTrackingOptSwitch);
  if (o.bcast) {
    std::vector<std::string> existing;
    if (c.tracking) {
      if (auto old = Tracking::instance().options(c.id)) existing = old->prefixes;
    }
    for (std::size_t i = 0; i < prefixes.size(); ++i) {
      for (const auto& e : existing) {
        if (prefixes_overlap(e, prefixes[i])) {
          return ctx.reply.error(core::error_message(Errc::kTrackingPrefixOverlapExisting, pair(prefixes[i], e)));
        }
      }
      for (std::size_t j = i + 1; j < prefixes.size(); ++j) {
        if (prefixes_overlap(prefixes[i], prefixes[j])) {
          return ctx.reply.error(
              core::error_message(Errc::kTrackingPrefixOverlapProvided, pair(prefixes[i], prefixes[j])));
        }
      }
    }
    if (prefixes.empty()) prefixes.emplace_back();  // every key
  }
  o.prefixes = std::move(prefixes);
  o.redirect = static_cast<std::uint64_t>(redir);
  c.tracking = true;
  c.tracking_bcast = o.bcast;
  c.tracking_optin = o.optin;
  c.tracking_optout = o.optout;
  c.tracking_redirect = o.redirect;
  Tracking::instance().enable(c.id, std::move(o));
  refresh_identity(c);
  ctx.reply.ok();
}

void client_trackinginfo(CommandContext& ctx) {
  const ClientState& c = *ctx.client;
  std::optional<TrackingOptions> o = c.tracking ? Tracking::instance().options(c.id) : std::nullopt;
  std::vector<std::string_view> flags;
  flags.push_back(c.tracking ? "on" : "off");
  if (c.tracking_bcast) flags.push_back("bcast");
  if (c.tracking_optin) {
    flags.push_back("optin");
    if (c.tracking_caching) flags.push_back("caching-yes");
  }
  if (c.tracking_optout) {
    flags.push_back("optout");
    if (c.tracking_caching) flags.push_back("caching-no");
  }
  if (o && o->noloop) flags.push_back("noloop");
  if (c.tracking && Tracking::instance().broken_redirect(c.id)) flags.push_back("broken_redirect");
  ctx.reply.map(3);
  ctx.reply.bulk("flags");
  ctx.reply.set(flags.size());
  for (auto f : flags) ctx.reply.bulk(f);
  ctx.reply.bulk("redirect");
  ctx.reply.integer(c.tracking ? static_cast<std::int64_t>(c.tracking_redirect) : -1);
  ctx.reply.bulk("prefixes");
  if (o && o->bcast) {
    std::vector<std::string> sorted = o->prefixes;
    std::sort(sorted.begin(), sorted.end());
    ctx.reply.array(sorted.size());
    for (const auto& p : sorted) ctx.reply.bulk(p);
  } else {
    ctx.reply.array(0);
  }
}

void client_help(CommandContext& ctx) {
  reply_help(ctx, "client",
             {"CACHING (YES|NO)",
              "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
              "GETREDIR",
              "    Return the client ID we are redirecting to when tracking is enabled.",
              "GETNAME",
              "    Return the name of the current connection.",
              "ID",
              "    Return the ID of the current connection.",
              "INFO",
              "    Return information about the current client connection.",
              "KILL <ip:port>",
              "    Kill connection made from <ip:port>.",
              "KILL <option> <value> [<option> <value> [...]]",
              "    Kill connections. Options are:",
              "    * ADDR (<ip:port>|<unixsocket>:0)",
              "      Kill connections made from the specified address",
              "    * LADDR (<ip:port>|<unixsocket>:0)",
              "      Kill connections made to specified local address",
              "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
              "      Kill connections by type.",
              "    * USER <username>",
              "      Kill connections authenticated by <username>.",
              "    * SKIPME (YES|NO)",
              "      Skip killing current connection (default: yes).",
              "LIST [options ...]",
              "    Return information about client connections. Options:",
              "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
              "      Return clients of specified type.",
              "UNPAUSE",
              "    Stop the current client pause, resuming traffic.",
              "PAUSE <timeout> [WRITE|ALL]",
              "    Suspend all, or just write, clients for <timeout> milliseconds.",
              "REPLY (ON|OFF|SKIP)",
              "    Control the replies sent to the current connection.",
              "SETNAME <name>",
              "    Assign the name <name> to the current connection.",
              "UNBLOCK <clientid> [TIMEOUT|ERROR]",
              "    Unblock the specified blocked client.",
              "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
              "         [OPTIN] [OPTOUT] [NOLOOP]",
              "    Control server assisted client side caching.",
              "TRACKINGINFO",
              "    Report tracking status for the current connection.",
              "NO-EVICT (ON|OFF)",
              "    Protect current client connection from eviction.",
              "HELP",
              "    Prints this help."});
}

namespace {

// MONITOR: from now on this connection receives every command of every
// client (the connection registers it: connection_client.cc).
void monitor_command(CommandContext& ctx) {
  if (ctx.client->monitor) return;  // already monitoring: no reply, as Redis
  ctx.client->monitor = true;
  ctx.reply.ok();
}

// RESET: as Redis 7.0's clearClientConnectionState. The connection discards
// MULTI, forgets watched keys and leaves MONITOR (connection_client.cc).
void reset_command(CommandContext& ctx) {
  ClientState& c = *ctx.client;
  c.monitor = false;
  if (c.tracking) Tracking::instance().disable(c.id);
  c.tracking = c.tracking_bcast = c.tracking_optin = c.tracking_optout = c.tracking_caching = false;
  c.tracking_redirect = 0;
  c.db = 0;
  c.resp = 2;
  c.name.clear();
  c.reply_off = c.reply_skip_next = false;
  acl_reset_client(c);              // the default user again (clientSetDefaultAuth)
  if (c.pubsub) c.pubsub->detach();  // every subscription dropped, silently
  refresh_identity(c);
  ctx.reply.simple("RESET");
}

constexpr CommandSpec kClientCommands[] = {
    CommandSpec{"monitor", 1, kAdmin | kNoScript | kLoading | kStale | kConnection, 0, 0, 0, monitor_command,
                Fanout::kNone, nullptr, "@admin @slow @dangerous"},
    CommandSpec{"reset", 1, kNoScript | kLoading | kStale | kFast | kConnection, 0, 0, 0, reset_command,
                Fanout::kNone, nullptr, "@fast @connection"},
};

}  // namespace

std::span<const CommandSpec> client_commands() { return kClientCommands; }

}  // namespace kora::server
