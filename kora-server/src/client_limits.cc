#include "client_limits.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>

#include "config.h"
#include "connection.h"
#include "kora/core/clock.h"

namespace kora::server {

namespace {

// The instantaneous metrics: 16 samples 100 ms apart, as Redis's
// STATS_METRIC_SAMPLES, taken by worker 0's cron.
struct Sample {
  std::int64_t ms = 0;
  std::uint64_t ops = 0, in = 0, out = 0;
};
struct Rates {
  std::mutex mu;
  std::array<Sample, 16> ring{};
  std::size_t next = 0, count = 0;
};
Rates& rates() {
  static Rates r;
  return r;
}

void take_sample(std::uint64_t ops) {
  const ClientLimits& l = ClientLimits::instance();
  Rates& r = rates();
  std::lock_guard lock(r.mu);
  r.ring[r.next] = Sample{core::now_ms(), ops, l.net_input_bytes.load(std::memory_order_relaxed),
                          l.net_output_bytes.load(std::memory_order_relaxed)};
  r.next = (r.next + 1) % r.ring.size();
  if (r.count < r.ring.size()) ++r.count;
}

void cron_tick(asio::steady_timer& timer, ConnectionRegistry& registry, core::ShardId worker,
               const std::atomic<std::uint64_t>& total_commands, unsigned tick) {
  timer.expires_after(std::chrono::milliseconds(100));
  timer.async_wait([&timer, &registry, worker, &total_commands, tick](const asio::error_code& ec) {
    if (ec) return;  // cancelled: the server stops
    if (worker == 0) take_sample(total_commands.load(std::memory_order_relaxed));
    const std::int64_t timeout = ClientLimits::instance().timeout.load(std::memory_order_relaxed);
    if (timeout > 0 && tick % 10 == 0) {
      const std::int64_t now = core::now_ms();
      registry.for_each([&](Connection& c) { c.check_idle(now, timeout); });
    }
    cron_tick(timer, registry, worker, total_commands, tick + 1);
  });
}

}  // namespace

ClientLimits& ClientLimits::instance() {
  static ClientLimits limits;
  return limits;
}

void apply_keepalive(int fd) {
  const int interval = static_cast<int>(ClientLimits::instance().tcp_keepalive.load(std::memory_order_relaxed));
  if (fd < 0 || interval <= 0) return;
  int yes = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes) != 0) return;
  int idle = interval;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  int intvl = interval / 3 > 0 ? interval / 3 : 1;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
  int count = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

void start_client_cron(asio::steady_timer& timer, ConnectionRegistry& registry, core::ShardId worker,
                       const std::atomic<std::uint64_t>& total_commands) {
  cron_tick(timer, registry, worker, total_commands, 1);
}

InstantRates instantaneous_rates() {
  Rates& r = rates();
  std::lock_guard lock(r.mu);
  InstantRates out;
  if (r.count < 2) return out;
  const Sample& last = r.ring[(r.next + r.ring.size() - 1) % r.ring.size()];
  const Sample& first = r.ring[r.count < r.ring.size() ? 0 : r.next];
  const double secs = static_cast<double>(last.ms - first.ms) / 1000.0;
  if (secs <= 0) return out;
  out.ops = static_cast<std::uint64_t>(static_cast<double>(last.ops - first.ops) / secs);
  out.input_kbps = static_cast<double>(last.in - first.in) / secs / 1024.0;
  out.output_kbps = static_cast<double>(last.out - first.out) / secs / 1024.0;
  return out;
}

}  // namespace kora::server
