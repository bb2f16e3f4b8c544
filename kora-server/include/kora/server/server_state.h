#pragma once
// ServerState: process-wide facts a command may report (INFO, HELLO, COMMAND):
// start time, port, run id, counters. Counters are relaxed atomics, written by
// every worker; everything else is set before the workers see the object.

#include <atomic>
#include <cstdint>
#include <string>

namespace kora::server {

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

  std::atomic<std::int64_t> connected_clients{0};
  std::atomic<std::uint64_t> total_connections{0};
  std::atomic<std::uint64_t> total_commands{0};
  std::atomic<std::uint64_t> next_client_id{1};

 private:
  std::int64_t start_time_ms_;
  std::string run_id_;
  std::atomic<std::uint16_t> tcp_port_{0};
};

}  // namespace kora::server
