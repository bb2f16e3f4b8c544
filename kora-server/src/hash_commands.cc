// Hash commands: registered by the hash family (placeholder until it lands).
#include "kora/server/command.h"

namespace kora::server {

std::span<const CommandSpec> hash_commands() { return {}; }

}  // namespace kora::server
