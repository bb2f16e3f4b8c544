#pragma once
// The command registry: one table of CommandSpec rows (name, arity, flags, key
// positions, handler, fan-out), checked once before any handler runs. Handlers
// only parse arguments, call shard-local operations of kora-core, and reply.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/engine.h"
#include "kora/core/errors.h"
#include "kora/protocol/reply.h"
#include "kora/protocol/reply_writer.h"

namespace kora::server {

class ServerState;
struct CallEnv;
// Effects a command states for the change feed, each as a command line.
using Effects = std::vector<std::vector<std::string>>;

// Per-connection settings a command may read or change. Only keyless commands
// that run on the connection's own worker see it (CommandContext::client).
struct WatchSession;
struct ClientIdentity;
class PubSubClient;
struct AclClient;  // acl.h: the authenticated user (nullptr in-process: no ACL)

// A key a client WATCHes, and whether it was already expired (but not yet
// removed) when watched: deleting such a key does not count as touching it.
struct WatchedKey {
  int db;
  std::string key;
  core::ShardId shard;
  bool stale;
};

struct ClientState {
  int db = 0;          // SELECT
  int resp = 2;        // HELLO
  bool close_after_reply = false;  // QUIT
  std::string name;    // CLIENT SETNAME
  std::uint64_t id = 0;
  std::string addr;    // "ip:port" of the peer ("" in-process)
  bool is_connection = false;  // a network client (MULTI, WATCH are theirs only)
  std::string laddr;   // "ip:port" of the local end
  int fd = -1;
  std::int64_t created_ms = 0;
  // The connection's buffers, refreshed before a connection command runs
  // (CLIENT INFO): query buffer used/free, output buffer bytes, queued replies.
  std::size_t qbuf = 0, qbuf_free = 0, obl = 0, oll = 0, omem = 0, tot_mem = 0;
  // WATCH: the session the watched keys' shards mark dirty, and the keys.
  std::shared_ptr<WatchSession> watch;
  std::vector<WatchedKey> watched;
  // CLIENT UNBLOCK's target id, when the client is blocked; SLOWLOG's identity.
  std::shared_ptr<const ClientIdentity> identity;
  // Pub/sub endpoint of a network client (pubsub_service.h); null in-process.
  std::shared_ptr<PubSubClient> pubsub;
  // AUTH / ACL: the connection's user; checked before every command (acl_gate.h).
  std::shared_ptr<AclClient> acl;
  // CLIENT REPLY: OFF silences every reply; SKIP the next command's (see
  // connection_client.cc). MONITOR, CLIENT NO-EVICT, the transport.
  bool reply_off = false;
  bool reply_skip_next = false;
  bool reply_skip = false;  // the command running now is silenced (SKIP before it)
  bool monitor = false;
  bool no_evict = false;
  bool unix_socket = false;
  // CLIENT TRACKING (the options live in Tracking, tracking.h): on, its mode,
  // and CLIENT CACHING yes/no for the next command (OPTIN / OPTOUT).
  bool tracking = false;
  bool tracking_bcast = false;
  bool tracking_optin = false;
  bool tracking_optout = false;
  bool tracking_caching = false;
  std::uint64_t tracking_redirect = 0;
  // RESET: the pub/sub subscriptions are dropped here (pub/sub is built on
  // its own: see reset_client in client_commands.cc).
};

// What a handler gets. Runs on the worker of `shard`; nothing in it may be kept
// beyond the call.
struct CommandContext {
  std::span<const std::string_view> argv;  // argv[0] is the name as the client sent it
  core::ShardEngine& engine;
  core::Shard& shard;                      // the shard this runs on
  int db_index;
  std::int64_t now_ms;
  protocol::ReplyWriter& reply;
  ClientState* client;   // non-null only for kConnection commands
  ServerState* server;   // process-wide info (INFO, COMMAND)
  // The change feed's effects of this command, when they differ from argv
  // (see propagate); nullptr when the feed has no consumer.
  Effects* effects = nullptr;
  // Blocking commands (BLPOP...): how this run may block. See blocking.h.
  const CallEnv* env = nullptr;
  bool blocked = false;  // set by a handler that registered its client as blocked
  // A container command (CONFIG, CLIENT...) that dispatched to a subcommand:
  // its lowercase name, so that statistics count "config|get"; `rejected` when
  // the subcommand's arity check failed (counted as a rejected call).
  std::string_view subcommand{};
  bool rejected = false;

  // States one effect of this command for the change feed, in place of argv
  // (Redis's rewriteClientCommandVector / alsoPropagate): SPOP as SREM, EXPIRE as
  // PEXPIREAT... Several calls state several effects, in order. Cheap when the
  // feed has no consumer (nothing is built).
  template <typename... Args>
  void propagate(Args&&... args) {
    if (effects) effects->push_back(std::vector<std::string>{std::string(std::forward<Args>(args))...});
  }
  void propagate_argv(std::vector<std::string> argv) {
    if (effects) effects->push_back(std::move(argv));
  }
  bool feed_active() const { return effects != nullptr; }

  // The database of this command's (first) key: the shard it runs on.
  core::Db& db() { return shard.db(db_index); }
  // The database that holds `key`. Multi-key handlers must use this for every
  // key: when the keys span shards the handler runs under the cross-shard
  // transaction mechanism, which lends it every shard involved, and db_for finds
  // the right one. Precondition: `key` is one of this command's keys, or lives
  // on a shard the spec's extra_shards named.
  core::Db& db_for(std::string_view key) {
    return engine.shard(engine.shard_for(key)).db(db_index);
  }
  // Replies with the error of `code` (for kWrongArity/kInvalidExpire: this command's name).
  void error(core::Errc code);
};

using Handler = void (*)(CommandContext&);

enum CommandFlag : std::uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kFast = 1u << 2,
  kAdmin = 1u << 3,
  kLoading = 1u << 4,
  kStale = 1u << 5,
  kConnection = 1u << 6,  // touches ClientState: runs on the connection's worker
  kAllShards = 1u << 7,   // keyless but runs on every shard; parts merged by `fanout`
  kMultiShard = 1u << 8,  // keys may span shards and the handler needs all at once
                          // (RENAME, SMOVE, SINTERSTORE...): it runs whole, under
                          // the cross-shard transaction mechanism, using db_for()
  kNoScript = 1u << 9,
  kBlocking = 1u << 10,  // may block the client (BLPOP...): see blocking.h
  kScript = 1u << 11,    // runs other commands through call_command (EVAL, FCALL):
                         // they publish their own effects; its own run publishes none
  kDenyOom = 1u << 12,   // may use more memory: refused with -OOM over maxmemory
                         // (set by the table from Redis's command flags)
};

// Finds the key positions of a command whose keys are not a simple
// first/last/step range (LMPOP numkeys k..., SINTERCARD numkeys k...). Appends
// argv indices to `out`; leaves it empty when argv is malformed (the handler then
// reports the error).
using KeyFinder = void (*)(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out);

// Names the shards a command reaches beyond those of its keys, when argv does
// not list every key it reads (SORT's BY and GET patterns): appends them to
// `out` — every shard when they cannot be known from argv. The command then
// runs whole, under the cross-shard transaction mechanism when they differ
// from its keys' shard, and may use db_for() for any key on them.
using ExtraShards = void (*)(std::span<const std::string_view> argv, const core::ShardEngine& engine,
                             std::vector<core::ShardId>& out);

// Picks the shard a keyless command runs on from its arguments (SCAN: the
// cursor names the shard). Returns a value < shard_count.
using ShardRoute = core::ShardId (*)(std::span<const std::string_view> argv, std::size_t shard_count);

// How the parts of a command that runs on several shards are merged.
enum class Fanout : unsigned char {
  kNone,          // one shard only (all keys on one shard, or a keyless command)
  kSumIntegers,   // DEL, EXISTS, DBSIZE: integer parts added
  kScatter,       // MGET: array parts put back in key order
  kAllOk,         // MSET, FLUSHALL: +OK once every part said +OK
  kConcatArrays,  // KEYS: array parts concatenated
  kCustom,        // the spec's merge function
  kWhole,         // kAllShards: the handler runs once, holding every shard, and
                  // reaches each through ctx.engine.shard(i) (INFO, SLOWLOG...)
};

// Merges the decoded replies of a kCustom fan-out (one per part, in shard order,
// none of them an error) into one reply.
using MergeFn = void (*)(std::span<const std::string_view> argv,
                         const std::vector<protocol::Reply>& parts, ServerState* server,
                         protocol::ReplyWriter& out);

struct CommandSpec {
  std::string_view name;  // lowercase, as COMMAND reports it
  int arity;              // Redis convention: n = exactly n, -n = at least n (name included)
  std::uint32_t flags;
  int first_key;          // 0: no keys
  int last_key;           // negative: counted from the end (-1 = last argument)
  int key_step;
  Handler handler;
  Fanout fanout = Fanout::kNone;
  MergeFn merge = nullptr;  // kCustom only
  std::string_view acl_categories = "";  // space separated, e.g. "@read @string @fast"
  KeyFinder key_finder = nullptr;        // overrides first/last/step when set
  ShardRoute route = nullptr;            // keyless commands: where to run (default: home)
  ExtraShards extra_shards = nullptr;    // shards reached beyond the keys' (with key_finder)
  std::size_t id = 0;                    // row number in CommandTable::all(), set by the table
};

// Every command Kora serves, looked up case-insensitively. Immutable after
// construction; safe to share between threads.
class CommandTable {
 public:
  static const CommandTable& instance();

  const CommandSpec* find(std::string_view name) const;
  const std::vector<CommandSpec>& all() const { return specs_; }

  // Positions in argv of the keys of a command (empty for keyless commands).
  static void key_positions(const CommandSpec& spec, std::span<const std::string_view> argv,
                            std::vector<std::uint32_t>& out);

 private:
  CommandTable();
  void add(std::span<const CommandSpec> specs);

  std::vector<CommandSpec> specs_;
};

// Families register here (one file each).
std::span<const CommandSpec> string_commands();
std::span<const CommandSpec> key_commands();
std::span<const CommandSpec> server_commands();
std::span<const CommandSpec> list_commands();
std::span<const CommandSpec> hash_commands();
std::span<const CommandSpec> set_commands();
std::span<const CommandSpec> config_commands();
std::span<const CommandSpec> transaction_commands();
std::span<const CommandSpec> blocking_commands();
std::span<const CommandSpec> stats_commands();
std::span<const CommandSpec> zset_commands();
std::span<const CommandSpec> zset_range_commands();
std::span<const CommandSpec> zset_blocking_commands();
std::span<const CommandSpec> hll_commands();
std::span<const CommandSpec> memory_commands();
std::span<const CommandSpec> admin_commands();
std::span<const CommandSpec> bitmap_commands();
std::span<const CommandSpec> geo_commands();
std::span<const CommandSpec> sort_commands();
std::span<const CommandSpec> stream_commands();
std::span<const CommandSpec> stream_group_commands();
std::span<const CommandSpec> stream_info_commands();
std::span<const CommandSpec> debug_commands();
std::span<const CommandSpec> info_commands();
std::span<const CommandSpec> pubsub_commands();
std::span<const CommandSpec> acl_commands();
std::span<const CommandSpec> client_commands();
std::span<const CommandSpec> script_commands();
std::span<const CommandSpec> persistence_commands();

// Whether Redis 7.0 flags `name` "denyoom" (COMMAND INFO's flags).
bool redis_denyoom(std::string_view name);

}  // namespace kora::server
