// Set commands: registered by the set family (placeholder until it lands).
#include "kora/server/command.h"

namespace kora::server {

std::span<const CommandSpec> set_commands() { return {}; }

}  // namespace kora::server
