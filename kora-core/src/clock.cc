#include "kora/core/clock.h"

#include <chrono>
#include <thread>

namespace kora::core {

namespace {
double calibrate() {
#if defined(__x86_64__)
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const std::uint64_t c0 = ticks_now();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto t1 = Clock::now();
  const std::uint64_t c1 = ticks_now();
  const double ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  if (c1 <= c0) return 1.0;
  return ns / static_cast<double>(c1 - c0);
#else
  return 1.0;
#endif
}
}  // namespace

double ns_per_tick() {
  static const double ratio = calibrate();
  return ratio;
}

}  // namespace kora::core
