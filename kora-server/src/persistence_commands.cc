// Snapshot commands (Redis's rdb.c / server.c): SAVE, BGSAVE [SCHEDULE], DEBUG
// RELOAD, and the CONFIG parameters of snapshots (dir, dbfilename, save,
// snapshot-interval-secs, snapshot-retain). The machinery is Persistence
// (kora/server/persistence.h); handlers only parse and reply.
#include <array>
#include <string>

#include "args.h"
#include "config.h"
#include "kora/server/command.h"
#include "kora/server/persistence.h"
#include "persistence_commands.h"

namespace kora::server {
namespace {

using core::Errc;

// SAVE: runs holding every shard (Fanout::kWhole), so the file is one point in
// time of the whole engine. "+OK", or "-ERR" when the file could not be written.
void save_command(CommandContext& ctx) {
  auto r = Persistence::instance().save_held(ctx.engine, ctx.now_ms);
  if (!r.ok()) return ctx.reply.error(r.error().message);
  ctx.reply.ok();
}

// BGSAVE [SCHEDULE]: holding every shard (Fanout::kWhole), forks a child that
// writes the snapshot; with one running, an error (SCHEDULE changes nothing
// then: Redis schedules only behind an AOF rewrite).
void bgsave_command(CommandContext& ctx) {
  if (ctx.argv.size() > 1 && !(ctx.argv.size() == 2 && iequals(ctx.argv[1], "schedule"))) {
    return ctx.error(Errc::kSyntax);
  }
  auto r = Persistence::instance().bgsave_held(ctx.engine, ctx.now_ms);
  if (!r.ok()) return ctx.reply.error(r.error().message);
  ctx.reply.simple("Background saving started");
}

// clang-format off
const std::array kPersistenceCommands = {
    CommandSpec{"save", 1, kAdmin | kNoScript | kAllShards, 0, 0, 0, save_command, Fanout::kWhole, nullptr, "@admin @slow @dangerous"},
    CommandSpec{"bgsave", -1, kAdmin | kNoScript | kAllShards, 0, 0, 0, bgsave_command, Fanout::kWhole, nullptr, "@admin @slow @dangerous"},
};
// clang-format on

Persistence& p() { return Persistence::instance(); }

}  // namespace

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the databases, load the
// file back (holding every shard: DEBUG is Fanout::kWhole).
void debug_reload(CommandContext& ctx) {
  bool save = true, flush = true;
  for (std::size_t i = 2; i < ctx.argv.size(); ++i) {
    if (iequals(ctx.argv[i], "merge")) flush = false;  // keys of the file replace same-named ones
    else if (iequals(ctx.argv[i], "noflush")) flush = false;
    else if (iequals(ctx.argv[i], "nosave")) save = false;
    else return ctx.reply.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
  }
  auto r = p().reload_held(ctx.engine, ctx.now_ms, save, flush);
  if (!r.ok()) {
    // A failed save answers -ERR; a failed load Redis's message for it.
    if (r.code() == Errc::kSnapshot && r.error().message != "ERR") {
      return ctx.reply.error("ERR Error trying to load the RDB dump, check server logs.");
    }
    return ctx.reply.error(r.error().message);
  }
  ctx.reply.ok();
}

std::span<const CommandSpec> persistence_commands() { return kPersistenceCommands; }

const CustomConfig kDirConfig{[] { return p().dir(); }, [](std::string_view v) { return Persistence::check_dir(v); },
                              [](std::string_view v) { (void)p().set_dir(v); }};
const CustomConfig kDbfilenameConfig{[] { return p().dbfilename(); },
                                     [](std::string_view v) { return Persistence::check_dbfilename(v); },
                                     [](std::string_view v) { (void)p().set_dbfilename(v); }};
const CustomConfig kSaveConfig{[] { return p().save_text(); },
                               [](std::string_view v) { return Persistence::check_save(v); },
                               [](std::string_view v) { (void)p().set_save(v); }};

}  // namespace kora::server
