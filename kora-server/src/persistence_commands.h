#pragma once
// DEBUG RELOAD, served by persistence_commands.cc for debug_commands.cc.
#include "kora/server/command.h"

namespace kora::server {
// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]. Precondition: every shard held.
void debug_reload(CommandContext& ctx);
}  // namespace kora::server
