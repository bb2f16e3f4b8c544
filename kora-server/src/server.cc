#include "kora/server/server.h"

#include <asio/ip/tcp.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "connection.h"
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
  explicit WorkerIo(asio::io_context& ctx) : acceptor(ctx) {}
  asio::ip::tcp::acceptor acceptor;
  ConnectionRegistry connections;
};

namespace {
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

void accept_loop(core::ShardEngine& engine, ServerState& state, core::ShardId worker,
                 asio::ip::tcp::acceptor& acceptor, ConnectionRegistry& registry) {
  acceptor.async_accept([&, worker](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) {
      std::make_shared<Connection>(engine, state, registry, worker, std::move(socket))->start();
    }
    accept_loop(engine, state, worker, acceptor, registry);
  });
}
}  // namespace

Server::Server(core::ShardEngine& engine, ServerOptions options)
    : engine_(engine), options_(std::move(options)) {
  state_.shard_count = engine.shard_count();
  state_.pubsub = std::make_shared<PubSubService>(engine);
}

Server::~Server() { stop(); }

core::Result<void> Server::start() {
  if (started_) return core::Ok{};
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
  for (core::ShardId w = 0; w < workers_.size(); ++w) {
    WorkerIo& io = *workers_[w];
    engine_.post(w, [this, w, &io] { accept_loop(engine_, state_, w, io.acceptor, io.connections); });
  }
  started_ = true;
  return core::Ok{};
}

void Server::stop() {
  if (!started_) {
    workers_.clear();  // never handed to the workers
    return;
  }
  for (core::ShardId w = 0; w < workers_.size(); ++w) {
    WorkerIo& io = *workers_[w];
    engine_.run_on_worker(w, [&io] {
      asio::error_code ec;
      io.acceptor.close(ec);
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
  // No connection is left to publish: stop the shards' keyspace notifications,
  // then let every worker run the deliveries already posted to it, which refer
  // to the pub/sub service that goes away with this Server.
  for (core::ShardId w = 0; w < engine_.shard_count(); ++w) {
    engine_.run_on_worker(w, [this, w] { engine_.shard(w).events().set_notifier(nullptr); });
  }
  for (core::ShardId w = 0; w < engine_.shard_count(); ++w) engine_.run_on_worker(w, [] {});
  started_ = false;
}

}  // namespace kora::server
