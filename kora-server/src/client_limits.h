#pragma once
// Client limits and network statistics, as Redis enforces and reports them:
// maxclients (a connection over it gets "-ERR max number of clients reached"
// and is closed), timeout (idle clients closed; not subscribers nor blocked
// clients), tcp-keepalive (SO_KEEPALIVE + TCP_KEEPIDLE/INTVL/CNT on accepted
// TCP sockets), proto-max-bulk-len (the request parser's bulk limit),
// client-query-buffer-limit (a client whose unparsed input passes it is
// closed, logged); INFO stats total_net_input/output_bytes, rejected_connections
// and the instantaneous_* rates (sampled every 100 ms over the last 1.6 s).
//
// Thread-safety: every setting and counter is a process-wide relaxed atomic;
// client_cron runs on its worker's thread and touches only its connections.

#include <asio/steady_timer.hpp>
#include <atomic>
#include <cstdint>

#include "kora/core/engine.h"

namespace kora::server {

class ConnectionRegistry;

struct ClientLimits {
  static ClientLimits& instance();

  std::atomic<std::int64_t> maxclients{10000};
  std::atomic<std::int64_t> timeout{0};          // seconds; 0: never
  std::atomic<std::int64_t> tcp_keepalive{300};  // seconds; 0: off
  std::atomic<std::int64_t> proto_max_bulk_len{512ll * 1024 * 1024};
  std::atomic<std::int64_t> client_query_buffer_limit{1024ll * 1024 * 1024};

  std::atomic<std::uint64_t> rejected_connections{0};
  std::atomic<std::uint64_t> net_input_bytes{0};
  std::atomic<std::uint64_t> net_output_bytes{0};
};

// Sets SO_KEEPALIVE and the idle/interval/count of `fd` from tcp-keepalive
// (Redis's anetKeepAlive: interval/3 between probes, 3 probes). No-op at 0.
void apply_keepalive(int fd);

// Per-worker cron (every 100 ms): closes this worker's clients idle for more
// than `timeout` (checked once a second), and on worker 0 samples the
// instantaneous rates. Runs until `timer` is cancelled.
void start_client_cron(asio::steady_timer& timer, ConnectionRegistry& registry, core::ShardId worker,
                       const std::atomic<std::uint64_t>& total_commands);

// INFO stats: operations per second, and input/output KB per second.
struct InstantRates {
  std::uint64_t ops = 0;
  double input_kbps = 0, output_kbps = 0;
};
InstantRates instantaneous_rates();

}  // namespace kora::server
