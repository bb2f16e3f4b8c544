#include "kora/core/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace kora::core {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kNotice)};

struct Sink {
  std::mutex mu;
  std::FILE* file = nullptr;  // nullptr: stdout
  std::string path;
};

Sink& sink() {
  static Sink s;
  return s;
}

constexpr char kMarks[] = {'.', '-', '*', '#'};
constexpr std::string_view kNames[] = {"debug", "verbose", "notice", "warning", "nothing"};

void write_line(LogLevel level, std::string_view message) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char stamp[64];
  const std::size_t n = std::strftime(stamp, sizeof stamp, "%d %b %Y %H:%M:%S", &tm);
  stamp[n] = '\0';
  const int l = static_cast<int>(level);
  const char mark = kMarks[l < 0 ? 0 : (l > 3 ? 3 : l)];
  Sink& s = sink();
  std::lock_guard lock(s.mu);
  std::FILE* out = s.file ? s.file : stdout;
  std::fprintf(out, "%d:M %s.%03d %c %.*s\n", static_cast<int>(getpid()), stamp, static_cast<int>(ms), mark,
               static_cast<int>(message.size()), message.data());
  std::fflush(out);
}

}  // namespace

void vlog(LogLevel level, const char* format, std::va_list args) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  char buf[1024];
  const int n = std::vsnprintf(buf, sizeof buf, format, args);
  if (n < 0) return;
  write_line(level, std::string_view(buf, static_cast<std::size_t>(n) < sizeof buf ? static_cast<std::size_t>(n)
                                                                                    : sizeof buf - 1));
}

void log(LogLevel level, const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  vlog(level, format, args);
  va_end(args);
}

void log_raw(LogLevel level, std::string_view message) { write_line(level, message); }

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

LogLevel log_level() { return static_cast<LogLevel>(g_level.load(std::memory_order_relaxed)); }

bool parse_log_level(std::string_view name, LogLevel& out) {
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    if (name.size() != kNames[i].size()) continue;
    bool same = true;
    for (std::size_t j = 0; j < name.size() && same; ++j) {
      same = (name[j] | 0x20) == kNames[i][j];
    }
    if (same) {
      out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

std::string_view log_level_name(LogLevel level) {
  const int l = static_cast<int>(level);
  return kNames[l < 0 ? 0 : (l > 4 ? 4 : l)];
}

bool set_log_file(const std::string& path) {
  std::FILE* f = nullptr;
  if (!path.empty()) {
    f = std::fopen(path.c_str(), "a");
    if (!f) return false;
  }
  Sink& s = sink();
  std::lock_guard lock(s.mu);
  if (s.file) std::fclose(s.file);
  s.file = f;
  s.path = path;
  return true;
}

std::string log_file() {
  Sink& s = sink();
  std::lock_guard lock(s.mu);
  return s.path;
}

}  // namespace kora::core
