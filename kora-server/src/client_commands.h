#pragma once
// The CLIENT subcommands of client management (client_commands.cc) and the
// helpers the connection shares with them. CLIENT ID / GETNAME / SETNAME /
// SETINFO / UNBLOCK live in server_commands.cc, which dispatches all of CLIENT.

#include <span>
#include <string>
#include <string_view>

#include "client_registry.h"
#include "kora/server/command.h"

namespace kora::server {

// Rebuilds the client's shared identity (SLOWLOG, CLIENT UNBLOCK, tracking)
// after its name or tracking state changed.
void refresh_identity(ClientState& c);

// Fills the CLIENT LIST fields that come from the client's state (everything
// but cmd, last_ms, multi and the buffer sizes). O(1).
void fill_snapshot(ClientSnapshot& s, const ClientState& c, bool multi, bool blocked, bool closing);

// The command's name as CLIENT LIST's cmd= prints it: "get", "client|list".
std::string command_full_name(const CommandSpec& spec, std::span<const std::string_view> argv);

// MONITOR: whether a command is shown (not administrative), and from which
// argument on its arguments are shown as "(redacted)" (AUTH, HELLO's AUTH).
bool monitor_shows(const CommandSpec& spec, std::span<const std::string_view> argv);
std::size_t monitor_redact_from(const CommandSpec& spec, std::span<const std::string_view> argv);

// The Unix socket path ("" when none), for MONITOR's "[db unix:path]".
const std::string& unix_socket_path();

// CLIENT subcommands (Redis 7.0 semantics and errors). Run on the client's
// worker with ctx.client set (kConnection).
void client_info(CommandContext& ctx);
void client_list(CommandContext& ctx);
void client_kill(CommandContext& ctx);
void client_pause(CommandContext& ctx);
void client_unpause(CommandContext& ctx);
void client_reply(CommandContext& ctx);
void client_no_evict(CommandContext& ctx);
void client_getredir(CommandContext& ctx);
void client_caching(CommandContext& ctx);
void client_tracking(CommandContext& ctx);
void client_trackinginfo(CommandContext& ctx);
void client_help(CommandContext& ctx);

}  // namespace kora::server
