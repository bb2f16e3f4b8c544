#include "process_stats.h"

#include "maxmemory.h"

#include <malloc.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace kora::server {
namespace {

std::atomic<std::uint64_t> g_peak{0};
std::atomic<std::uint64_t> g_startup{0};

std::uint64_t read_rss() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

ProcessMemory process_memory() {
  const struct mallinfo2 mi = mallinfo2();
  ProcessMemory m;
  // The shards' arenas keep freed records in their pages for the next keys:
  // those bytes are not used memory (maxmemory.h).
  const std::uint64_t slack = MemoryMeter::instance().arena_slack();
  m.allocated = mi.uordblks + mi.hblkhd;
  m.allocated = m.allocated > slack ? m.allocated - slack : 0;
  m.active = mi.arena + mi.hblkhd;
  m.rss = read_rss();
  observe_peak(m.allocated);
  return m;
}

std::uint64_t observe_peak(std::uint64_t now) {
  std::uint64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return now > peak ? now : peak;
}

void set_startup_memory(std::uint64_t bytes) { g_startup.store(bytes, std::memory_order_relaxed); }

std::uint64_t startup_memory() { return g_startup.load(std::memory_order_relaxed); }

std::uint64_t total_system_memory() {
  struct sysinfo si {};
  if (sysinfo(&si) != 0) return 0;
  return static_cast<std::uint64_t>(si.totalram) * si.mem_unit;
}

const char* allocator_name() { return "libc"; }

std::string allocator_report() {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* f = open_memstream(&buf, &size);
  if (!f) return {};
  malloc_info(0, f);
  std::fclose(f);
  std::string out(buf, size);
  std::free(buf);
  return out;
}

void allocator_purge() { malloc_trim(0); }

CpuTimes process_cpu() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  CpuTimes t;
  t.sys = static_cast<double>(ru.ru_stime.tv_sec) + static_cast<double>(ru.ru_stime.tv_usec) / 1e6;
  t.user = static_cast<double>(ru.ru_utime.tv_sec) + static_cast<double>(ru.ru_utime.tv_usec) / 1e6;
  return t;
}

std::string human_bytes(std::uint64_t n) {
  char buf[64];
  const double d = static_cast<double>(n);
  if (n < 1024) {
    std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(n));
  } else if (n < 1024ULL * 1024) {
    std::snprintf(buf, sizeof buf, "%.2fK", d / 1024);
  } else if (n < 1024ULL * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.2fM", d / (1024.0 * 1024));
  } else if (n < 1024ULL * 1024 * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.2fG", d / (1024.0 * 1024 * 1024));
  } else if (n < 1024ULL * 1024 * 1024 * 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
  } else {
    std::snprintf(buf, sizeof buf, "%.2fP", d / (1024.0 * 1024 * 1024 * 1024 * 1024));
  }
  return buf;
}

}  // namespace kora::server
