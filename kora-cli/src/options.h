#pragma once
// kora-cli's settings: command-line flags (CLI11) over an optional TOML file
// (toml++): `--config FILE`, else `kora.toml` in the working directory when it
// exists. The file holds the same settings as the flags (snake_case keys) and a
// `[config]` table of CONFIG parameters under their Redis names; any
// `--<parameter> value` flag Kora does not define itself is taken as a CONFIG
// parameter too, as redis-server takes `--save ""`. Flags override the file.
// A misspelled key, a wrong type or an out-of-range value is an error naming
// the key and its line (file) or the flag, and kora-cli exits with status 2.
//
// kora.toml.example at the repository root documents every key.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kora/core/engine.h"
#include "kora/server/server.h"

namespace kora::cli {

struct Options {
  server::ServerOptions server;
  core::EngineOptions engine;
  std::string config_file;  // "" when none was read
  // CONFIG parameters given as `--<parameter> value` flags, applied by main
  // before the server starts (the file's `[config]` ones are applied, and
  // checked, while the file is read).
  std::vector<std::pair<std::string, std::string>> config;
};

// Parses argv and the config file into `out`. On --help prints the usage and
// returns 0; on an error prints it to stderr and returns 2; nullopt to go on.
std::optional<int> parse_options(int argc, char** argv, Options& out);

}  // namespace kora::cli
