#pragma once
// The process log, in Redis's line format:
//   <pid>:M 29 Nov 2026 10:06:24.123 * Ready to accept connections
// with Redis's level marks: '.' debug, '-' verbose, '*' notice, '#' warning.
// Lines below the configured level are dropped before they are formatted.
//
// Thread-safety: every function may be called from any thread; a line is
// written whole (one mutex around the write; logging is for rare events, never
// per request).

#include <cstdarg>
#include <string>
#include <string_view>

namespace kora::core {

enum class LogLevel : int { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

// Writes one line at `level` (printf-style format).
void log(LogLevel level, const char* format, ...) __attribute__((format(printf, 2, 3)));
void vlog(LogLevel level, const char* format, std::va_list args);
// Writes `message` as is, whatever the level (DEBUG LOG, Redis's serverLogRaw).
void log_raw(LogLevel level, std::string_view message);

// The level below which lines are dropped (default kNotice).
void set_log_level(LogLevel level);
LogLevel log_level();
// Redis's names: debug, verbose, notice, warning, nothing.
bool parse_log_level(std::string_view name, LogLevel& out);
std::string_view log_level_name(LogLevel level);

// Sends lines to `path` (appended; "" = standard output). False, with errno
// set, when the file cannot be opened (the previous target stays).
bool set_log_file(const std::string& path);
std::string log_file();

}  // namespace kora::core
