#pragma once
// What the process uses, for INFO memory/cpu and MEMORY STATS/DOCTOR/MALLOC-STATS:
// the allocator's figures (glibc malloc: mallinfo2, summed over its arenas),
// the resident set size (/proc/self/statm), the peak of used memory as last
// observed, CPU times (getrusage). Memory is the whole process's, counted once,
// never per shard times N.
//
// Thread-safety: every function may be called from any thread. Reading the
// allocator takes each malloc arena's lock briefly: for INFO and MEMORY, not
// for a request path.

#include <cstdint>
#include <string>

namespace kora::server {

struct ProcessMemory {
  std::uint64_t allocated = 0;  // bytes handed out by malloc and not freed, less the
                                // arenas' free space in their pages (maxmemory.h)
  std::uint64_t active = 0;     // bytes malloc holds from the OS (its arenas and mmaps)
  std::uint64_t rss = 0;        // the process's resident set
};

ProcessMemory process_memory();
// The highest `allocated` observed so far (updated with `now`, returned).
std::uint64_t observe_peak(std::uint64_t now);
// used_memory when the server started (set once by the server, read by INFO).
void set_startup_memory(std::uint64_t bytes);
std::uint64_t startup_memory();
std::uint64_t total_system_memory();
// The allocator's name as INFO mem_allocator shows it ("libc").
const char* allocator_name();
// MEMORY MALLOC-STATS: the allocator's own report (glibc: malloc_info's XML).
std::string allocator_report();
// MEMORY PURGE: returns free memory to the OS (glibc: malloc_trim).
void allocator_purge();

struct CpuTimes {
  double sys = 0, user = 0;
};
CpuTimes process_cpu();

// Redis's bytesToHuman: "200B", "32.00K", "1.41M", "23.54G".
std::string human_bytes(std::uint64_t n);

}  // namespace kora::server
