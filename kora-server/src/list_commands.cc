// List commands: registered by the list family (placeholder until it lands).
#include "kora/server/command.h"

namespace kora::server {

std::span<const CommandSpec> list_commands() { return {}; }

}  // namespace kora::server
