#pragma once
// DEBUG subcommands served outside debug_commands.cc: RELOAD
// (persistence_commands.cc), DIGEST and DIGEST-VALUE (debug_digest.cc).
#include "kora/server/command.h"

namespace kora::server {
// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]. Precondition: every shard held.
void debug_reload(CommandContext& ctx);
// DEBUG DIGEST / DEBUG DIGEST-VALUE key...: Redis 7.0's dataset and value
// digests (equal to redis-server's for the same data). Every shard held.
void debug_digest(CommandContext& ctx);
void debug_digest_value(CommandContext& ctx);
}  // namespace kora::server
