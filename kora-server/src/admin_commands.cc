// Server administration commands (Redis's server.c): TIME, SHUTDOWN, LASTSAVE,
// ROLE. DEBUG has its own file (debug_commands.cc).
#include <array>
#include <chrono>
#include <string>

#include <unistd.h>

#include "acl.h"
#include "args.h"
#include "kora/core/log.h"
#include "kora/core/numbers.h"
#include "kora/server/command.h"
#include "kora/server/persistence.h"
#include "kora/server/server_state.h"
#include "scripting.h"

namespace kora::server {
namespace {

using core::Errc;

// TIME: [unix seconds, microseconds] as two bulk strings.
void time_command(CommandContext& ctx) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string sec, usec;
  core::append_int64(sec, us / 1'000'000);
  core::append_int64(usec, us % 1'000'000);
  ctx.reply.array(2);
  ctx.reply.bulk(sec);
  ctx.reply.bulk(usec);
}

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: Redis 7.0's argument rules.
// There are no replicas to wait for (NOW changes nothing) and no shutdown in
// progress to ABORT. The final snapshot (SAVE, or save rules without NOSAVE)
// is written by the process as it stops (Persistence::stop_and_maybe_save);
// when its directory is not writable the server stays up unless FORCE says to
// exit anyway, as Redis does when its save fails. On success the client gets
// no reply: its connection closes as the server stops.
void shutdown_command(CommandContext& ctx) {
  bool nosave = false, save = false, force = false, abort = false;
  for (std::size_t i = 1; i < ctx.argv.size(); ++i) {
    const std::string_view a = ctx.argv[i];
    if (iequals(a, "nosave")) nosave = true;
    else if (iequals(a, "save")) save = true;
    else if (iequals(a, "now")) {}
    else if (iequals(a, "force")) force = true;
    else if (iequals(a, "abort")) abort = true;
    else return ctx.error(Errc::kSyntax);
  }
  if ((abort && ctx.argv.size() > 2) || (nosave && save)) return ctx.error(Errc::kSyntax);
  if (abort) return ctx.error(Errc::kNoShutdownInProgress);
  if (!ctx.server || !ctx.server->shutdown_handler) {
    core::log(core::LogLevel::kWarning, "SHUTDOWN refused: this server runs in-process and stops with its host");
    return ctx.error(Errc::kShutdownFailed);
  }
  core::log(core::LogLevel::kWarning, "User requested shutdown...");
  Persistence& p = Persistence::instance();
  const bool will_save = save || (!nosave && !p.save_rules().empty());
  if (will_save && ::access(p.dir().c_str(), W_OK) != 0) {
    core::log(core::LogLevel::kWarning, "Error trying to save the DB: directory '%s' is not writable", p.dir().c_str());
    if (!force) {
      core::log(core::LogLevel::kWarning, "Errors trying to shut down the server. Check the logs for more information.");
      return ctx.error(Errc::kShutdownFailed);
    }
  }
  p.set_shutdown_save(save ? Persistence::ShutdownSave::kSave
                            : nosave ? Persistence::ShutdownSave::kNoSave : Persistence::ShutdownSave::kDefault);
  ctx.client->close_after_reply = true;
  ScriptMonitor::instance().kill_all();  // a busy script's worker must get back to its loop
  ctx.server->shutdown_handler();
}

// CLUSTER <subcommand>: Kora is not a Redis Cluster node; every subcommand
// gets Redis's answer for a server started with cluster-enabled no. (The row
// exists so that scripts, ACL rules and COMMAND see the command Redis has.)
// An unknown subcommand gets the unknown-subcommand error first, as in Redis
// (its command table knows the subcommands).
void cluster_command(CommandContext& ctx) {
  std::string name = "cluster|";
  for (char c : ctx.argv[1]) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (AclCommands::instance().find(name) < 0) {
    ctx.rejected = true;
    return ctx.reply.error(core::error_message(Errc::kUnknownSubcommand, subcommand_error_detail(ctx, "cluster")));
  }
  ctx.error(Errc::kClusterDisabled);
}

// LASTSAVE: the unix time of the last successful save; with none yet, the
// server's start (as Redis initializes it).
void lastsave_command(CommandContext& ctx) { ctx.reply.integer(Persistence::instance().lastsave_s()); }

// ROLE: a master with no replicas.
void role_command(CommandContext& ctx) {
  ctx.reply.array(3);
  ctx.reply.bulk("master");
  ctx.reply.integer(0);
  ctx.reply.array(0);
}

// clang-format off
const std::array kAdminCommands = {
    CommandSpec{"time", 1, kFast | kLoading | kStale, 0, 0, 0, time_command, Fanout::kNone, nullptr, "@fast"},
    CommandSpec{"shutdown", -1, kAdmin | kNoScript | kLoading | kStale | kConnection, 0, 0, 0, shutdown_command, Fanout::kNone, nullptr, "@admin @slow @dangerous"},
    CommandSpec{"lastsave", 1, kFast | kLoading | kStale, 0, 0, 0, lastsave_command, Fanout::kNone, nullptr, "@admin @fast @dangerous"},
    CommandSpec{"cluster", -2, 0, 0, 0, 0, cluster_command, Fanout::kNone, nullptr, "@slow"},
    CommandSpec{"role", 1, kFast | kLoading | kStale | kNoScript, 0, 0, 0, role_command, Fanout::kNone, nullptr, "@admin @fast @dangerous"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> admin_commands() { return kAdminCommands; }

}  // namespace kora::server
