#include "kora/server/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/ssl.hpp>
#include <cerrno>
#include <chrono>
#include <random>
#include <thread>

#include "acl.h"
#include "client_registry.h"
#include "process_stats.h"
#include "connection.h"
#include "scripting.h"
#include "client_limits.h"
#include "tracking.h"
#include "transport.h"
#include "kora/core/clock.h"
#include "pubsub_service.h"

namespace kora::server {

ServerState::ServerState() : start_time_ms_(core::now_ms()) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 40; ++i) run_id_ += hex[gen() % 16];
}

struct Server::WorkerIo {
  explicit WorkerIo(asio::io_context& ctx) : acceptor(ctx), tls_acceptor(ctx), unix_acceptor(ctx), cron(ctx) {}
  asio::ip::tcp::acceptor acceptor;
  asio::ip::tcp::acceptor tls_acceptor;                   // when TLS is on
  asio::local::stream_protocol::acceptor unix_acceptor;  // worker 0 only
  asio::steady_timer cron;  // client timeouts, instantaneous stats (client_limits.h)
  ConnectionRegistry connections;
};

namespace {
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

void accept_loop(core::ShardEngine& engine, ServerState& state, core::ShardId worker,
                 asio::ip::tcp::acceptor& acceptor, ConnectionRegistry& registry) {
  acceptor.async_accept([&, worker](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      std::make_shared<Connection>(engine, state, registry, worker, Transport(std::move(socket)))->start();
    }
    accept_loop(engine, state, worker, acceptor, registry);
  });
}

void tls_accept_loop(core::ShardEngine& engine, ServerState& state, core::ShardId worker,
                     asio::ip::tcp::acceptor& acceptor, ConnectionRegistry& registry,
                     asio::ssl::context& tls) {
  acceptor.async_accept([&, worker](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      std::unique_ptr<Transport::Tls> stream;
      {
        std::lock_guard lock(listen_settings().tls_mu);  // CONFIG SET tls-auth-clients
        stream = std::make_unique<Transport::Tls>(std::move(socket), tls);
      }
      std::make_shared<Connection>(engine, state, registry, worker, Transport(std::move(stream)))->start();
    }
    tls_accept_loop(engine, state, worker, acceptor, registry, tls);
  });
}

// Worker 0 accepts each Unix connection straight into the io_context of the
// next worker in turn, and hands it over there.
void unix_accept_loop(core::ShardEngine& engine, ServerState& state,
                      asio::local::stream_protocol::acceptor& acceptor,
                      std::vector<ConnectionRegistry*> registries, std::size_t next) {
  const core::ShardId target = static_cast<core::ShardId>(next % engine.shard_count());
  acceptor.async_accept(engine.io_context(target), [&engine, &state, &acceptor, registries, next, target](
                                                       const asio::error_code& ec,
                                                       asio::local::stream_protocol::socket socket) mutable {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      engine.post(target, [&engine, &state, registry = registries[target], target,
                           socket = std::make_shared<asio::local::stream_protocol::socket>(std::move(socket))] {
        std::make_shared<Connection>(engine, state, *registry, target, Transport(std::move(*socket)))->start();
      });
    }
    unix_accept_loop(engine, state, acceptor, std::move(registries), ec ? next : next + 1);
  });
}

asio::error_code listen_tcp(asio::ip::tcp::acceptor& a, const asio::ip::tcp::endpoint& endpoint, int backlog) {
  asio::error_code ec;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.set_option(ReusePort(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(backlog, ec);
  return ec;
}

// The TLS context of the options; an error message when a file does not load.
std::string make_tls_context(const ServerOptions& o, std::shared_ptr<asio::ssl::context>& out) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  asio::error_code ec;
  // TLSv1.2 and TLSv1.3 only, as Redis's default tls-protocols.
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                   ec);
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) return "TLS needs --tls-cert-file and --tls-key-file";
  ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) return "cannot load TLS certificate '" + o.tls_cert_file + "': " + ec.message();
  ctx->use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) return "cannot load TLS key '" + o.tls_key_file + "': " + ec.message();
  if (!o.tls_ca_cert_file.empty()) {
    ctx->load_verify_file(o.tls_ca_cert_file, ec);
    if (ec) return "cannot load TLS CA certificate '" + o.tls_ca_cert_file + "': " + ec.message();
  }
  if (o.tls_auth_clients != "yes" && o.tls_auth_clients != "no" && o.tls_auth_clients != "optional") {
    return "invalid tls-auth-clients '" + o.tls_auth_clients + "' (yes, no or optional)";
  }
  set_tls_auth_clients(*ctx, o.tls_auth_clients);
  out = std::move(ctx);
  return {};
}
}  // namespace

Server::Server(core::ShardEngine& engine, ServerOptions options)
    : engine_(engine), options_(std::move(options)) {
  state_.shard_count = engine.shard_count();
  state_.pubsub = std::make_shared<PubSubService>(engine);
  state_.clients = std::make_shared<ClientRegistry>(engine);
  Tracking::instance().attach(engine, *state_.clients);
}

Server::~Server() { stop(); }

core::Result<void> Server::start() {
  if (started_) return core::Ok{};
  set_startup_memory(process_memory().allocated);
  if (auto err = apply_security()) return core::Error{core::Errc::kSyntax, *err};
  asio::error_code ec;
  auto address = asio::ip::make_address(options_.bind, ec);
  if (ec) return core::Error{core::Errc::kSyntax, "invalid bind address '" + options_.bind + "'"};
  std::uint16_t port = options_.port;
  for (core::ShardId w = 0; w < engine_.shard_count(); ++w) {
    auto io = std::make_unique<WorkerIo>(engine_.io_context(w));
    asio::ip::tcp::endpoint endpoint(address, port);
    auto& a = io->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.set_option(ReusePort(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(options_.backlog, ec);
    if (!ec && port == 0) port = a.local_endpoint(ec).port();
    if (ec) {
      std::string msg = "cannot listen on " + options_.bind + ":" + std::to_string(port) + ": " +
                        ec.message();
      workers_.push_back(std::move(io));
      stop();
      return core::Error{core::Errc::kSyntax, msg};
    }
    workers_.push_back(std::move(io));
  }
  state_.set_tcp_port(port);
  state_.pubsub->attach_to_shards();
  if (auto error = start_extra_listeners(); !error.empty()) {
    started_ = true;  // stop() must hand the I/O objects back on their workers
    stop();
    return core::Error{core::Errc::kSyntax, error};
  }
  asio::ssl::context* tls = static_cast<asio::ssl::context*>(tls_context_.get());
  std::vector<ConnectionRegistry*> registries;
  for (auto& io : workers_) registries.push_back(&io->connections);
  for (core::ShardId w = 0; w < workers_.size(); ++w) {
    WorkerIo& io = *workers_[w];
    engine_.post(w, [this, w, &io, tls, registries] {
      accept_loop(engine_, state_, w, io.acceptor, io.connections);
      start_client_cron(io.cron, io.connections, w, state_.total_commands);
      if (tls) tls_accept_loop(engine_, state_, w, io.tls_acceptor, io.connections, *tls);
      if (w == 0 && io.unix_acceptor.is_open()) unix_accept_loop(engine_, state_, io.unix_acceptor, registries, 0);
    });
  }
  started_ = true;
  return core::Ok{};
}

std::optional<std::string> Server::apply_security() {
  AclRegistry& acl = AclRegistry::instance();
  if (!options_.aclfile.empty() && !options_.users.empty()) {
    return std::string("users defined with --user and an ACL file (--aclfile) at the same time are refused");
  }
  for (const std::string& line : options_.users) {
    if (auto err = acl.add_config_user(line)) return "user '" + line + "': " + *err;
  }
  if (!options_.aclfile.empty()) {
    acl.set_aclfile(options_.aclfile);
    if (auto err = acl.load_file(options_.aclfile)) return "ACL file: " + *err;
  }
  if (!options_.password.empty()) acl.set_requirepass(options_.password);
  return std::nullopt;
}

void Server::stop() {
  if (!started_) {
    workers_.clear();  // never handed to the workers
    return;
  }
  // A worker stuck in a script (an endless loop) must get back to its loop.
  ScriptMonitor::instance().kill_all();
  for (core::ShardId w = 0; w < workers_.size(); ++w) {
    WorkerIo& io = *workers_[w];
    engine_.run_on_worker(w, [&io] {
      asio::error_code ec;
      io.acceptor.close(ec);
      io.tls_acceptor.close(ec);
      io.unix_acceptor.close(ec);
      io.cron.cancel();
      io.connections.close_all();
    });
  }
  // Closed connections still run their cancelled handlers and receive answers
  // from other shards; wait until every object is gone, then free each worker's
  // I/O objects on that worker.
  for (core::ShardId w = 0; w < workers_.size(); ++w) {
    WorkerIo& io = *workers_[w];
    while (engine_.run_on_worker(w, [&io] { return io.connections.objects(); }) > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    engine_.run_on_worker(w, [this, w] { workers_[w].reset(); });
  }
  workers_.clear();
  {
    std::lock_guard lock(listen_settings().tls_mu);
    listen_settings().tls_context = nullptr;
  }
  if (!options_.unix_socket.empty()) ::unlink(options_.unix_socket.c_str());
  // No connection is left to publish: stop the shards' keyspace notifications,
  // then let every worker run the deliveries already posted to it, which refer
  // to the pub/sub service that goes away with this Server.
  for (core::ShardId w = 0; w < engine_.shard_count(); ++w) {
    engine_.run_on_worker(w, [this, w] { engine_.shard(w).events().set_notifier(nullptr); });
  }
  for (core::ShardId w = 0; w < engine_.shard_count(); ++w) engine_.run_on_worker(w, [] {});
  started_ = false;
}

std::string Server::start_extra_listeners() {
  ListenSettings& settings = listen_settings();
  asio::error_code aec;
  const auto address = asio::ip::make_address(options_.bind, aec);
  if (options_.tls_port != 0) {
    std::shared_ptr<asio::ssl::context> ctx;
    if (auto error = make_tls_context(options_, ctx); !error.empty()) return error;
    tls_context_ = ctx;
    for (auto& io : workers_) {
      if (auto ec = listen_tcp(io->tls_acceptor, asio::ip::tcp::endpoint(address, options_.tls_port), options_.backlog)) {
        return "cannot listen on " + options_.bind + ":" + std::to_string(options_.tls_port) + " (TLS): " +
               ec.message();
      }
    }
    settings.tls_port = options_.tls_port;
    settings.tls_cert_file = options_.tls_cert_file;
    settings.tls_key_file = options_.tls_key_file;
    settings.tls_ca_cert_file = options_.tls_ca_cert_file;
    settings.tls_auth_clients = options_.tls_auth_clients;
    settings.tls_context = ctx.get();
  }
  if (!options_.unix_socket.empty()) {
    ::unlink(options_.unix_socket.c_str());  // a stale socket file, as Redis
    asio::error_code ec;
    auto& a = workers_[0]->unix_acceptor;
    asio::local::stream_protocol::endpoint endpoint(options_.unix_socket);
    a.open(endpoint.protocol(), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec && options_.unix_socket_perm != 0 &&
        ::chmod(options_.unix_socket.c_str(), static_cast<mode_t>(options_.unix_socket_perm)) != 0) {
      ec = asio::error_code(errno, asio::system_category());
    }
    if (!ec) a.listen(options_.backlog, ec);
    if (ec) return "cannot listen on unix socket " + options_.unix_socket + ": " + ec.message();
    settings.unixsocket = options_.unix_socket;
    settings.unixsocketperm = static_cast<int>(options_.unix_socket_perm);
  }
  return {};
}

}  // namespace kora::server
