#include "kora/embedded/database.h"

#include <mutex>

#include "kora/core/clock.h"
#include "kora/core/engine.h"
#include "kora/core/key_ops.h"
#include "kora/core/numbers.h"
#include "kora/core/string_ops.h"
#include "kora/server/dispatch.h"
#include "kora/server/server.h"

namespace kora {

struct Database::Impl {
  explicit Impl(const Config& config) : engine(engine_options(config)) {
    state.shard_count = engine.shard_count();
  }
  static core::EngineOptions engine_options(const Config& config) {
    core::EngineOptions o;
    o.shard_count = config.shard_count;
    return o;
  }

  // Runs fn(db0 of the key's shard, now) on the key's worker and returns its result.
  template <typename F>
  auto on_key(std::string_view key, F&& fn) {
    core::ShardId id = engine.shard_for(key);
    return engine.call(id, [&] { return fn(engine.shard(id).db(0), core::now_ms()); });
  }

  core::ShardEngine engine;
  server::ServerState state;
  std::mutex listeners_mu;
  std::vector<std::shared_ptr<Listener::Impl>> listeners;  // stopped by ~Database
};

// Shared by a Listener and its Database, so either may stop it first.
struct Listener::Impl {
  std::mutex mu;
  std::unique_ptr<server::Server> server;

  void stop() {
    std::lock_guard lock(mu);
    if (server) server->stop();
    server.reset();
  }
};

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

Result<void> Database::set(std::string_view key, std::string_view value) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) -> Result<void> {
    auto r = core::op_set(db, key, value, {}, now);
    if (!r.ok()) return r.error();
    return core::Ok{};
  });
}

Result<void> Database::set_ex(std::string_view key, std::string_view value,
                              std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return Error::of(Errc::kInvalidExpire, "set");
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) -> Result<void> {
    core::SetOptions opts;
    opts.expire_at_ms = now + ttl.count();
    auto r = core::op_set(db, key, value, opts, now);
    if (!r.ok()) return r.error();
    return core::Ok{};
  });
}

Result<std::optional<std::string>> Database::get(std::string_view key) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) -> Result<std::optional<std::string>> {
    auto r = core::op_get(db, key, now);
    if (!r.ok()) return r.error();
    if (!r->has_value()) return std::optional<std::string>();
    return std::optional<std::string>(std::string(**r));  // copied on the shard thread
  });
}

Result<std::int64_t> Database::incrby(std::string_view key, std::int64_t delta) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) { return core::op_incr_by(db, key, delta, now); });
}
Result<std::int64_t> Database::incr(std::string_view key) { return incrby(key, 1); }
Result<std::int64_t> Database::decr(std::string_view key) { return incrby(key, -1); }

Result<std::size_t> Database::append(std::string_view key, std::string_view suffix) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) { return core::op_append(db, key, suffix, now); });
}

Result<std::size_t> Database::strlen(std::string_view key) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) { return core::op_strlen(db, key, now); });
}

bool Database::exists(std::string_view key) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) { return core::op_exists(db, key, now); });
}

bool Database::del(std::string_view key) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) { return core::op_del(db, key, now); });
}

bool Database::expire(std::string_view key, std::chrono::milliseconds ttl) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) {
    return core::op_expire_at(db, key, now + ttl.count(), now);
  });
}

std::optional<std::chrono::milliseconds> Database::ttl(std::string_view key) {
  std::int64_t ms = impl_->on_key(key, [&](core::Db& db, std::int64_t now) { return core::op_pttl(db, key, now); });
  if (ms == -2) return std::nullopt;
  return std::chrono::milliseconds(ms);
}

bool Database::persist(std::string_view key) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) { return core::op_persist(db, key, now); });
}

std::string Database::key_type(std::string_view key) {
  return impl_->on_key(key, [&](core::Db& db, std::int64_t now) { return std::string(core::op_type(db, key, now)); });
}

std::size_t Database::db_size() {
  std::size_t total = 0;
  for (core::ShardId s = 0; s < impl_->engine.shard_count(); ++s) {
    total += impl_->engine.call(s, [&] { return impl_->engine.shard(s).db(0).size(); });
  }
  return total;
}

void Database::flush_db() {
  for (core::ShardId s = 0; s < impl_->engine.shard_count(); ++s) {
    impl_->engine.call(s, [&] { impl_->engine.shard(s).db(0).clear(); });
  }
}

Reply Database::execute(const std::vector<std::string_view>& argv) {
  server::ClientState client;  // database 0, RESP2: each call stands alone
  std::string encoded = server::execute_blocking(impl_->engine, impl_->state, argv, client);
  Reply reply;
  std::size_t consumed;
  if (protocol::decode_reply(encoded, reply, consumed) != protocol::DecodeStatus::kOk) {
    reply = Reply{};
    reply.type = Reply::Type::kError;
    reply.str = "ERR internal error decoding the reply";
  }
  return reply;
}

Reply Database::execute(std::initializer_list<std::string_view> argv) {
  return execute(std::vector<std::string_view>(argv));
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
