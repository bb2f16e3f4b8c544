#pragma once
// ServerState: process-wide facts a command may report (INFO, HELLO, COMMAND):
// start time, port, run id, counters. Counters are relaxed atomics, written by
// every worker; everything else is set before the workers see the object.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kora::server {

struct BlockedClient;
class PubSubService;
class ClientRegistry;

class ServerState {
 public:
  ServerState();

  std::int64_t start_time_ms() const { return start_time_ms_; }
  const std::string& run_id() const { return run_id_; }
  std::uint16_t tcp_port() const { return tcp_port_.load(std::memory_order_relaxed); }
  void set_tcp_port(std::uint16_t port) { tcp_port_.store(port, std::memory_order_relaxed); }
  std::size_t shard_count = 1;
  std::string executable;
  std::string config_file;
  // SHUTDOWN: asks the process to stop (kora-cli: a SIGTERM to itself, which
  // its main thread waits for). Unset (in-process servers): SHUTDOWN fails.
  // Set before the workers start; called on a worker thread.
  std::function<void()> shutdown_handler;

  std::atomic<std::int64_t> connected_clients{0};
  std::atomic<std::uint64_t> total_connections{0};
  std::atomic<std::uint64_t> total_commands{0};
  std::atomic<std::uint64_t> next_client_id{1};

  // Pub/sub and keyspace notifications (src/pubsub_service.h), made by the
  // Server; null where nothing serves subscribers (PUBLISH then reaches none).
  std::shared_ptr<PubSubService> pubsub;
  // Every client connection of every worker (CLIENT LIST / KILL / PAUSE,
  // MONITOR, tracking redirection): client_registry.h. Set by the Server
  // before it accepts clients; null for an embedded engine without one.
  std::shared_ptr<ClientRegistry> clients;

  // Clients waiting in a blocking command, by client id (CLIENT UNBLOCK, INFO
  // blocked_clients). Thread-safe.
  void remember_blocked(std::uint64_t id, const std::shared_ptr<BlockedClient>& c) {
    std::lock_guard lock(blocked_mu_);
    blocked_[id] = c;
  }
  void forget_blocked(std::uint64_t id) {
    std::lock_guard lock(blocked_mu_);
    blocked_.erase(id);
  }
  std::shared_ptr<BlockedClient> find_blocked(std::uint64_t id) {
    std::lock_guard lock(blocked_mu_);
    auto it = blocked_.find(id);
    return it == blocked_.end() ? nullptr : it->second.lock();
  }
  std::size_t blocked_clients() {
    std::lock_guard lock(blocked_mu_);
    return blocked_.size();
  }

 private:
  std::int64_t start_time_ms_;
  std::string run_id_;
  std::atomic<std::uint16_t> tcp_port_{0};
  std::mutex blocked_mu_;
  std::unordered_map<std::uint64_t, std::weak_ptr<BlockedClient>> blocked_;
};

}  // namespace kora::server
