#pragma once
// Server: serves RESP clients over TCP on the workers of a ShardEngine.
//
// Every worker opens its own listening socket on the same address with
// SO_REUSEPORT, so the kernel spreads connections over the workers; a connection
// stays on the worker that accepted it. The TLS port works the same way; the
// Unix socket is accepted by worker 0, which deals its connections out
// round-robin. The engine must outlive the Server.
//
// start() and stop() must be called from a thread that is not a worker.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kora/core/engine.h"
#include "kora/core/result.h"
#include "kora/server/server_state.h"

namespace kora::server {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 6379;  // 0 = any free port (see Server::port())
  int backlog = 511;
  // Security (applied by start(), process-wide: the ACL users are shared by
  // every Server of the process). `password` is requirepass (the default
  // user's password); `users` are "name rules..." lines as Redis's config
  // `user` directive; `aclfile` is loaded at start and used by ACL LOAD/SAVE.
  // `users` and `aclfile` together are refused, as Redis refuses them.
  std::string password;
  std::string aclfile;
  std::vector<std::string> users;
  // A Unix stream socket besides TCP ("" = none): worker 0 accepts and hands
  // connections to the workers round-robin (the kernel does not spread a Unix
  // listener over SO_REUSEPORT sockets). `unix_socket_perm`: its mode (octal
  // bits; 0 = leave the umask's).
  std::string unix_socket;
  unsigned unix_socket_perm = 0;
  // TLS over TCP on its own port (0 = none), plain and TLS at once. The
  // certificate and key are PEM files; the CA file verifies client
  // certificates: tls_auth_clients "yes" requires one, "optional" checks one
  // if sent, "no" never asks.
  std::uint16_t tls_port = 0;
  std::string tls_cert_file, tls_key_file, tls_ca_cert_file;
  std::string tls_auth_clients = "yes";
};

class Server {
 public:
  Server(core::ShardEngine& engine, ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting on every worker. Errors: the address cannot be
  // bound (message includes the system's reason); the ACL options are invalid
  // (a bad user rule, an unreadable or invalid ACL file).
  core::Result<void> start();

  // Stops accepting, closes every connection, and waits until each worker has
  // done so. Idempotent.
  void stop();

  // The port actually bound (useful when options.port was 0).
  std::uint16_t port() const { return state_.tcp_port(); }
  ServerState& state() { return state_; }

 private:
  struct WorkerIo;
  std::optional<std::string> apply_security();  // the ACL options; the error text
  // Opens the TLS and Unix listeners the options ask for; an error message if
  // one cannot be opened.
  std::string start_extra_listeners();

  core::ShardEngine& engine_;
  ServerOptions options_;
  ServerState state_;
  std::vector<std::unique_ptr<WorkerIo>> workers_;
  std::shared_ptr<void> tls_context_;  // asio::ssl::context, when TLS is on
  bool started_ = false;
};

}  // namespace kora::server
