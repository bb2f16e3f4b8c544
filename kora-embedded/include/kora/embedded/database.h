#pragma once
// kora::Database: the whole Kora engine in-process, with no network.
//
//   auto db = kora::Database::open(kora::Config{.shard_count = 4});
//   (void)db->set("user:1", "Augustus");
//   auto v = db->get("user:1");  // Result<std::optional<std::string>>
//
// The same ShardEngine as the server: keys are hashed to shards, and a shard's
// data is touched by one thread at a time. Every method is safe to call from
// many application threads at once. Destroying the Database while another
// thread is inside one of its methods is undefined.
//
// Values. Keys, fields, members and values are byte strings of any length and
// content (NUL, CR/LF, invalid UTF-8): they go in as std::string_view (a view
// over a literal with an embedded NUL needs its length: "a\0b"sv) and come out
// as std::string. Every result is a copy made before the call returns; nothing
// returned points into the database.
//
// Errors come back as values: kora::Result<T> (kora/core/result.h) holds either
// the value or an Error whose message is Redis 7's exact text (e.g. "WRONGTYPE
// Operation against a key holding the wrong kind of value", "ERR value is not an
// integer or out of range"). A call that fails changes nothing. Calls that cannot
// fail return a plain value. Nothing throws except std::bad_alloc.
//
// Blocking: where the time of a call goes.
//  - Single-key calls (everything that takes one `key`, and execute() of a
//    command whose keys live on one shard) take the key's shard for the
//    duration of one core operation:
//      fast path: when the shard is idle (or frees up within a few tries, as
//        when another application thread is inside it for its own call), the
//        operation runs on the calling thread: no context switch, no queue; a
//        GET or SET of a short value takes well under a microsecond;
//      slow path: when the shard stays busy (its worker is serving network
//        clients in hybrid mode or running its expiry sweep, or it is borrowed
//        by a multi-shard call), the operation is queued to the shard's worker
//        and the caller waits (a short spin, then a futex wait) behind the work
//        already queued there: normally microseconds; behind a KEYS or a large
//        pipelined burst, as long as that takes.
//  - Multi-shard calls (mset, mget, keys, db_size, flush_db, and execute() of a
//    command whose keys span shards) hold every shard involved at once, so they
//    are atomic: no other call or client sees them half done.
//      fast path: mset/mget of up to 256 keys and db_size take all their shards
//        on the calling thread when all are idle (all or none; under a
//        microsecond for a few keys);
//      slow path: otherwise, and always for keys, flush_db, larger batches and
//        execute(), they borrow each shard from its worker in ascending shard
//        order (one worker round trip per shard: a few µs on an idle machine,
//        tens of µs on a loaded one), run on the calling thread, and give the
//        shards back. Every other call needing a borrowed shard waits meanwhile.
//    mset/mget whose keys all live on one shard take the single-key path.
//  - The cost of the operation itself is Redis's: O(1) for most calls, O(N) for
//    hgetall, lrange, smembers, keys (which scans every key of every shard while
//    holding them all).
// Methods must not be called from inside a shard worker (they are for
// application threads; hybrid mode runs no user code on the workers).
//
// Hybrid mode: start_listener() serves RESP clients over TCP on the same data.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
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

// A pair passed in: key/value (mset) or field/value (hset). Views: the call
// copies what it keeps.
using StringPair = std::pair<std::string_view, std::string_view>;
// A pair handed back (hgetall): owned by the caller.
using OwnedPair = std::pair<std::string, std::string>;

class Listener;

class Database {
 public:
  // Starts the shard workers. Never fails short of thread or memory exhaustion.
  static std::unique_ptr<Database> open(Config config = {});
  ~Database();  // stops any listener, then the workers
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  std::size_t shard_count() const;

  // --- strings (Redis's t_string) ---------------------------------------------

  // SET: stores `value`, replacing any value of any type and clearing its TTL.
  Result<void> set(std::string_view key, std::string_view value);
  // SET key value PX ttl: as set(), expiring `ttl` from now (millisecond
  // precision). Error: kInvalidExpire when ttl <= 0 or now + ttl overflows.
  Result<void> set_ex(std::string_view key, std::string_view value, std::chrono::milliseconds ttl);
  // GET: nullopt when absent. Error: kWrongType.
  Result<std::optional<std::string>> get(std::string_view key);
  // GETSET: stores `value` (clearing the TTL) and returns the previous value,
  // nullopt when there was none. Error: kWrongType (nothing is written).
  Result<std::optional<std::string>> getset(std::string_view key, std::string_view value);
  // INCR / INCRBY / DECR: adds to the decimal integer stored at `key` (0 when
  // absent), keeps the TTL, returns the new value. Errors: kNotInteger,
  // kOverflow, kWrongType.
  Result<std::int64_t> incr(std::string_view key);
  Result<std::int64_t> incrby(std::string_view key, std::int64_t delta);
  Result<std::int64_t> decr(std::string_view key);
  // APPEND: returns the new length. Errors: kWrongType, kStringTooLong.
  Result<std::size_t> append(std::string_view key, std::string_view suffix);
  // STRLEN: 0 when absent. Error: kWrongType.
  Result<std::size_t> strlen(std::string_view key);
  // MSET: sets every pair at once (atomic across shards; a repeated key keeps
  // its last value; TTLs are cleared). Error: kWrongArity for an empty list.
  Result<void> mset(std::span<const StringPair> pairs);
  Result<void> mset(std::initializer_list<StringPair> pairs);
  // MGET: one entry per key, in order; nullopt for a key that is absent or does
  // not hold a string (as Redis). A consistent snapshot across shards; empty
  // for an empty list.
  std::vector<std::optional<std::string>> mget(std::span<const std::string_view> keys);
  std::vector<std::optional<std::string>> mget(std::initializer_list<std::string_view> keys);

  // --- keys --------------------------------------------------------------------

  // EXISTS / DEL for one key: whether it exists / existed (and was removed).
  bool exists(std::string_view key);
  bool del(std::string_view key);
  // PEXPIRE: the key expires `ttl` from now (millisecond precision); ttl <= 0
  // deletes it at once, as Redis does. False when the key does not exist.
  // Error: kInvalidExpire when now + ttl overflows.
  Result<bool> expire(std::string_view key, std::chrono::milliseconds ttl);
  // PTTL: remaining time to live; nullopt when the key does not exist, -1 ms
  // when it has no expiry.
  std::optional<std::chrono::milliseconds> ttl(std::string_view key);
  // PERSIST: true when an expiry was removed.
  bool persist(std::string_view key);
  // TYPE: "string", "list", "set", "hash", ..., or "none".
  std::string key_type(std::string_view key);
  // KEYS: every live key matching the glob `pattern` (Redis's rules: * ? [a-z]
  // [^a] \x), from every shard, in no particular order. O(N) in the whole
  // keyspace, holding every shard meanwhile: for diagnostics, not hot paths.
  std::vector<std::string> keys(std::string_view pattern);
  // DBSIZE: keys in the database, summed atomically over every shard (keys that
  // expired but were not yet removed count, as in Redis).
  std::size_t db_size();
  // FLUSHDB: deletes every key of every shard, atomically.
  void flush_db();

  // --- hashes (Redis's t_hash) -------------------------------------------------
  // Every call: kWrongType when the key holds another type. A hash whose last
  // field is removed is deleted. An empty list of fields is kWrongArity.

  // HSET of one field: true when the field is new.
  Result<bool> hset(std::string_view key, std::string_view field, std::string_view value);
  // HSET of several fields: how many were new.
  Result<std::size_t> hset(std::string_view key, std::span<const StringPair> field_values);
  Result<std::size_t> hset(std::string_view key, std::initializer_list<StringPair> field_values);
  // HGET: nullopt when the key or the field is absent.
  Result<std::optional<std::string>> hget(std::string_view key, std::string_view field);
  // HEXISTS.
  Result<bool> hexists(std::string_view key, std::string_view field);
  // HLEN: 0 when absent.
  Result<std::size_t> hlen(std::string_view key);
  // HGETALL: every field and value; insertion order while the hash is small
  // (listpack), table order after. Empty when absent. O(N).
  Result<std::vector<OwnedPair>> hgetall(std::string_view key);
  // HDEL: how many of `fields` were removed.
  Result<std::size_t> hdel(std::string_view key, std::span<const std::string_view> fields);
  Result<std::size_t> hdel(std::string_view key, std::initializer_list<std::string_view> fields);
  // HINCRBY: adds `delta` to the integer in `field` (0 when absent); returns the
  // sum. Errors: kHashNotInteger, kOverflow.
  Result<std::int64_t> hincrby(std::string_view key, std::string_view field, std::int64_t delta);

  // --- lists (Redis's t_list) --------------------------------------------------
  // Every call: kWrongType when the key holds another type. Indices as Redis:
  // 0 is the head, -1 the tail. A list that loses its last element is deleted.
  // An empty list of values is kWrongArity.

  // LPUSH / RPUSH: pushes the values one by one (so lpush(k, {"a","b"}) leaves
  // "b" at the head); returns the new length.
  Result<std::size_t> lpush(std::string_view key, std::span<const std::string_view> values);
  Result<std::size_t> lpush(std::string_view key, std::initializer_list<std::string_view> values);
  Result<std::size_t> rpush(std::string_view key, std::span<const std::string_view> values);
  Result<std::size_t> rpush(std::string_view key, std::initializer_list<std::string_view> values);
  // LRANGE: elements start..stop inclusive, clamped; empty when absent. O(S+N).
  Result<std::vector<std::string>> lrange(std::string_view key, std::int64_t start, std::int64_t stop);
  // LPOP / RPOP: nullopt when absent.
  Result<std::optional<std::string>> lpop(std::string_view key);
  Result<std::optional<std::string>> rpop(std::string_view key);
  // LLEN: 0 when absent.
  Result<std::size_t> llen(std::string_view key);
  // LINDEX: nullopt when absent or out of range. O(N) in the distance to the
  // nearer end.
  Result<std::optional<std::string>> lindex(std::string_view key, std::int64_t index);

  // --- sets (Redis's t_set) ----------------------------------------------------
  // Every call: kWrongType when the key holds another type. A set left empty is
  // deleted. An empty list of members is kWrongArity.

  // SADD: how many members were new.
  Result<std::size_t> sadd(std::string_view key, std::span<const std::string_view> members);
  Result<std::size_t> sadd(std::string_view key, std::initializer_list<std::string_view> members);
  // SISMEMBER.
  Result<bool> sismember(std::string_view key, std::string_view member);
  // SCARD: 0 when absent.
  Result<std::size_t> scard(std::string_view key);
  // SMEMBERS: every member, in no guaranteed order; empty when absent. O(N).
  Result<std::vector<std::string>> smembers(std::string_view key);
  // SREM: how many members were present.
  Result<std::size_t> srem(std::string_view key, std::span<const std::string_view> members);
  Result<std::size_t> srem(std::string_view key, std::initializer_list<std::string_view> members);

  // --- any command ---------------------------------------------------------------

  // Runs any command the server knows ({"ZADD", "z", "1", "a"}) on database 0
  // with RESP2 replies and returns the decoded reply; a Redis error comes back
  // as a Reply of type kError. A command whose keys span shards runs as a
  // cross-shard transaction (atomic; see Blocking above). Each call stands
  // alone: SELECT, HELLO and CLIENT settings do not carry over.
  Reply execute(std::span<const std::string_view> argv);
  Reply execute(std::initializer_list<std::string_view> argv);

  // --- hybrid mode -------------------------------------------------------------

  // Serves RESP clients on `address` ("127.0.0.1:6379"; port 0 = any free port,
  // see Listener::port()) over this database's data: the connections run on the
  // shard workers, and a write from either side is seen by the other at once.
  // The listener stops when the returned handle is destroyed, stop() is called,
  // or the Database is destroyed (whichever comes first). Errors: a bad address
  // (kSyntax) or the port cannot be bound (the message gives the system's reason).
  Result<std::unique_ptr<Listener>> start_listener(std::string_view address);

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class Listener;
};

// A running hybrid-mode listener; see Database::start_listener. Thread-safe.
class Listener {
 public:
  ~Listener();  // stop()
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  // The port bound; 0 once stopped.
  std::uint16_t port() const;
  // Stops accepting and closes every connection; waits until that is done.
  // Idempotent.
  void stop();

 private:
  friend class Database;
  struct Impl;
  explicit Listener(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace kora
