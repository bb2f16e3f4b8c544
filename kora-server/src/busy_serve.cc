// Serving a worker's other clients while a script runs on it. A worker runs
// one command at a time, so a script past busy-reply-threshold keeps its event
// loop from reading any socket. Redis answers other clients meanwhile (-BUSY,
// SCRIPT KILL...) from inside the script's hook; so does Kora, here: the
// script's hook calls serve_clients_while_busy() on the worker's thread, which
// peeks at each idle client's socket, runs the whole commands found there
// through the connection's usual handle_command (which answers -BUSY to all but
// the commands allowed while busy), writes the replies and drops the bytes it
// used. A partial command stays in the kernel for the event loop to read later.
#include <sys/socket.h>

#include <cerrno>

#include "acl_gate.h"
#include "connection.h"
#include "kora/protocol/request_parser.h"

namespace kora::server {
namespace {

thread_local ConnectionRegistry* t_registry = nullptr;

// Reads and drops `n` bytes already peeked (they are in the socket's buffer).
void discard(int fd, std::size_t n) {
  char sink[4096];
  while (n > 0) {
    const ssize_t r = ::recv(fd, sink, std::min(n, sizeof sink), MSG_DONTWAIT);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return;
    }
    n -= static_cast<std::size_t>(r);
  }
}

}  // namespace

ConnectionRegistry* ConnectionRegistry::current() { return t_registry; }

void ConnectionRegistry::make_current() { t_registry = this; }

void serve_clients_while_busy() {
  ConnectionRegistry* registry = ConnectionRegistry::current();
  if (!registry) return;
  registry->for_each([](Connection& c) { c.serve_while_busy(); });
}

void Connection::serve_while_busy() {
  // Only a connection waiting for input with nothing pending: its next bytes
  // start a command, and replies written now keep their order.
  if (closed_ || !reading_ || writing_ || close_after_flush_ || in_begin_ != in_end_ || !slots_.empty() ||
      !out_.empty() || tx_ || blocking_ || socket_.is_tls()) {
    return;
  }
  const int fd = socket_.native_handle();
  char buf[16 * 1024];
  const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0) return;
  protocol::RequestParser parser;
  std::vector<std::string_view> argv;
  std::size_t used = 0;
  while (used < static_cast<std::size_t>(n)) {
    std::size_t consumed = 0;
    parser.set_unauthenticated(acl_auth_required(client_));
    const auto status = parser.parse(std::string_view(buf + used, static_cast<std::size_t>(n) - used), argv, consumed);
    if (status != protocol::RequestParser::Status::kCommand) break;  // partial or malformed: the loop's job
    if (!client_may_run(argv)) break;
    const ReplyMark mark = reply_mark();
    handle_command(argv);
    client_ran(argv, mark);
    used += consumed;
    if (!slots_.empty() || tx_ || blocking_ || close_after_flush_ || closed_) break;
  }
  if (used == 0 || closed_) return;
  discard(fd, used);
  write_out();
}

}  // namespace kora::server
