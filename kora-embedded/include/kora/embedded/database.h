#pragma once
// kora::Database: the whole Kora engine in-process, with no network.
//
//   auto db = kora::Database::open(kora::Config{});
//   db->set("user:1", "Augustus");
//   auto v = db->get("user:1");  // Result<std::optional<std::string>>
//
// The same ShardEngine as the server: keys are hashed to shards, each shard is
// owned by one worker thread, and a call runs on the worker that owns its key.
// Every method is safe to call from many threads at once and blocks the caller
// until the owning shard has answered — typically a few microseconds; a call
// can wait behind the work already queued on that shard (e.g. a KEYS scanning a
// large shard). Methods must not be called from inside a shard worker (a
// command handler); they are for application threads.
//
// Values are byte strings of any length and content. Errors (WRONGTYPE, not an
// integer, ...) come back in the Result with Redis's exact message; nothing throws
// except std::bad_alloc.
//
// Hybrid mode: start_listener() serves RESP clients on the same data.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/result.h"
#include "kora/protocol/reply.h"

namespace kora {

using core::Errc;
using core::Error;
using core::Result;
using protocol::Reply;

struct Config {
  std::size_t shard_count = 0;  // 0 = one per hardware thread
};

class Listener;

class Database {
 public:
  // Starts the shard workers. Never fails short of thread or memory exhaustion.
  static std::unique_ptr<Database> open(Config config = {});
  ~Database();  // stops any listener, then the workers
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  std::size_t shard_count() const;

  // --- strings ---
  Result<void> set(std::string_view key, std::string_view value);
  // SET with an expiry of `ttl` (millisecond precision; must be > 0).
  Result<void> set_ex(std::string_view key, std::string_view value, std::chrono::milliseconds ttl);
  Result<std::optional<std::string>> get(std::string_view key);
  Result<std::int64_t> incr(std::string_view key);
  Result<std::int64_t> incrby(std::string_view key, std::int64_t delta);
  Result<std::int64_t> decr(std::string_view key);
  Result<std::size_t> append(std::string_view key, std::string_view suffix);
  Result<std::size_t> strlen(std::string_view key);

  // --- keys ---
  bool exists(std::string_view key);
  bool del(std::string_view key);
  // Sets a TTL; false when the key does not exist.
  bool expire(std::string_view key, std::chrono::milliseconds ttl);
  // Remaining TTL: nullopt when the key does not exist, a negative duration
  // (-1 ms) when it has no expiry.
  std::optional<std::chrono::milliseconds> ttl(std::string_view key);
  bool persist(std::string_view key);
  // "string", "list", ..., or "none".
  std::string key_type(std::string_view key);
  std::size_t db_size();
  void flush_db();

  // Runs any command the server knows ({"ZADD", "z", "1", "a"}) on database 0
  // and returns its typed reply; a Redis error comes back as a Reply of type
  // kError. Multi-key commands fan out across shards as on the server.
  Reply execute(const std::vector<std::string_view>& argv);
  Reply execute(std::initializer_list<std::string_view> argv);

  // Hybrid mode: serves RESP clients on `address` ("127.0.0.1:6379", port 0 =
  // any free port) over this database's data. The listener stops when the
  // returned handle is destroyed, stop() is called, or the Database is
  // destroyed (whichever comes first). Error: bad address or the port cannot be
  // bound.
  Result<std::unique_ptr<Listener>> start_listener(std::string_view address);

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class Listener;
};

// A running hybrid-mode listener; see Database::start_listener.
class Listener {
 public:
  ~Listener();  // stop()
  std::uint16_t port() const;
  void stop();

 private:
  friend class Database;
  struct Impl;
  explicit Listener(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace kora
