#pragma once
// CONFIG parameters set outside a command: kora-cli applies the ones its
// config file and command line name (`[config]` in kora.toml, `--<parameter>
// value` as redis-server takes them) before the server starts, through the
// same checks as CONFIG SET. Thread-safety: as CONFIG SET (process-wide
// settings, atomics or their owner's lock).

#include <optional>
#include <string>
#include <string_view>

namespace kora::server {

// Validates and applies one parameter under its Redis 7.0 name (or alias).
// nullopt on success, else the reason in CONFIG SET's words ("argument must
// be between 0 and 500 inclusive", "unknown parameter").
std::optional<std::string> set_config_parameter(std::string_view name, std::string_view value);

// Whether `name` is a CONFIG parameter Kora has.
bool is_config_parameter(std::string_view name);

}  // namespace kora::server
