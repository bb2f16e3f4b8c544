// CONFIG parameters of the process: hz (how often the active-expiry sweep
// runs), loglevel and logfile (kora/core/log.h).
#include <climits>
#include <string>

#include "args.h"
#include "config.h"
#include "kora/core/engine.h"
#include "kora/core/log.h"

namespace kora::server {
namespace {

// hz: an integer in 0..INT_MAX, kept clamped to Redis's 1..500 (what CONFIG
// GET and INFO then show, as Redis 7.0).
std::string hz_get() { return std::to_string(core::background_hz().load(std::memory_order_relaxed)); }

std::optional<std::string> hz_check(std::string_view text) {
  auto v = to_int(text);
  if (!v) return std::string("argument couldn't be parsed into an integer");
  if (*v < 0 || *v > INT_MAX) return std::string("argument must be between 0 and 2147483647 inclusive");
  return std::nullopt;
}

void hz_apply(std::string_view text) {
  const auto v = *to_int(text);
  core::background_hz().store(static_cast<int>(v < 1 ? 1 : (v > 500 ? 500 : v)), std::memory_order_relaxed);
}

// loglevel: Redis 7.0's four names (core::log also knows "nothing", 7.2's).
std::string loglevel_get() { return std::string(core::log_level_name(core::log_level())); }

std::optional<std::string> loglevel_check(std::string_view text) {
  core::LogLevel level;
  if (!core::parse_log_level(text, level) || level == core::LogLevel::kNothing) {
    return std::string("argument(s) must be one of the following: debug, verbose, notice, warning");
  }
  return std::nullopt;
}

void loglevel_apply(std::string_view text) {
  core::LogLevel level;
  if (core::parse_log_level(text, level)) core::set_log_level(level);
}

// logfile: where the log goes, chosen at startup (--logfile); immutable.
std::string logfile_get() { return core::log_file(); }

std::optional<std::string> logfile_check(std::string_view) { return std::string("can't set immutable config"); }

void logfile_apply(std::string_view) {}

}  // namespace

const CustomConfig kHzConfig{hz_get, hz_check, hz_apply};
const CustomConfig kLogLevelConfig{loglevel_get, loglevel_check, loglevel_apply};
const CustomConfig kLogFileConfig{logfile_get, logfile_check, logfile_apply};

}  // namespace kora::server
