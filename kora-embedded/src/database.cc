// kora::Database: lifetime, execute() and hybrid mode. The typed calls live in
// one file per family (database_strings.cc, database_keys.cc, ...).
#include "kora/embedded/database.h"

#include "database_impl.h"
#include "kora/core/numbers.h"
#include "kora/server/dispatch.h"

namespace kora {

namespace {

core::EngineOptions engine_options(const Config& config) {
  core::EngineOptions o;
  o.shard_count = config.shard_count;
  return o;
}

}  // namespace

Database::Impl::Impl(const Config& config) : engine(engine_options(config)) {
  state.shard_count = engine.shard_count();
}

std::vector<core::ShardId> Database::Impl::all_shards() const {
  std::vector<core::ShardId> ids(engine.shard_count());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<core::ShardId>(i);
  return ids;
}

std::unique_ptr<Database> Database::open(Config config) {
  return std::unique_ptr<Database>(new Database(std::make_unique<Impl>(config)));
}

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Database::~Database() {
  {
    std::lock_guard lock(impl_->listeners_mu);
    for (auto& l : impl_->listeners) l->stop();
  }
  impl_->engine.stop();
}

std::size_t Database::shard_count() const { return impl_->engine.shard_count(); }

Reply Database::execute(std::span<const std::string_view> argv) {
  server::ClientState client;  // database 0, RESP2: each call stands alone
  std::string encoded = server::execute_blocking(impl_->engine, impl_->state, argv, client);
  Reply reply;
  std::size_t consumed = 0;
  if (argv.empty()) {
    reply.type = Reply::Type::kError;
    reply.str = "ERR empty command";
  } else if (protocol::decode_reply(encoded, reply, consumed) != protocol::DecodeStatus::kOk) {
    reply = Reply{};
    reply.type = Reply::Type::kError;
    reply.str = "ERR internal error decoding the reply";
  }
  return reply;
}

Reply Database::execute(std::initializer_list<std::string_view> argv) {
  return execute(std::span<const std::string_view>(argv.begin(), argv.size()));
}

Result<std::unique_ptr<Listener>> Database::start_listener(std::string_view address) {
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return Error{Errc::kSyntax, "address must be HOST:PORT, got '" + std::string(address) + "'"};
  }
  auto port = core::parse_int64(address.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) {
    return Error{Errc::kSyntax, "invalid port in '" + std::string(address) + "'"};
  }
  server::ServerOptions options;
  options.bind = std::string(address.substr(0, colon));
  options.port = static_cast<std::uint16_t>(*port);
  auto impl = std::make_shared<Listener::Impl>();
  impl->server = std::make_unique<server::Server>(impl_->engine, options);
  auto started = impl->server->start();
  if (!started.ok()) return started.error();
  {
    std::lock_guard lock(impl_->listeners_mu);
    impl_->listeners.push_back(impl);
  }
  return std::unique_ptr<Listener>(new Listener(std::move(impl)));
}

Listener::Listener(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Listener::~Listener() { stop(); }
std::uint16_t Listener::port() const {
  std::lock_guard lock(impl_->mu);
  return impl_->server ? impl_->server->port() : 0;
}
void Listener::stop() { impl_->stop(); }

}  // namespace kora
