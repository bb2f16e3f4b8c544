#pragma once
// The execution wrapper — Kora's equivalent of Redis's call(). Every command
// runs through it, whatever brought it: a connection's inline path, a hop to
// another shard, a cross-shard transaction or EXEC, the embedded execute(), and
// every typed call of the embedded API. It holds the command's CommandSpec and,
// around the handler (or the embedded call's body):
//   - times the run and counts it under its command: calls, µs, failed calls,
//     a latency histogram (INFO commandstats / latencystats, LATENCY HISTOGRAM);
//     counts errors by prefix (INFO errorstats);
//   - records slow runs (SLOWLOG, slowlog-log-slower-than) and latency events
//     (LATENCY, latency-monitor-threshold);
//   - publishes the write's effect to the shard's change feed: the effects the
//     handler stated (CommandContext::propagate: SPOP as SREM, EXPIRE as
//     PEXPIREAT ...), else the command line itself when the command wrote
//     anything; for a command whose keys span shards, each touched key's final
//     state (RESTORE ... ABSTTL or DEL) on its own shard's feed;
//   - serves clients blocked on keys the command made ready (after the whole
//     command; after the whole block for EXEC).
//
// Thread-safety: a CommandRun lives on the thread that holds its shard, for the
// length of one command; nothing in it is shared.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/engine.h"
#include "kora/core/shard.h"
#include "kora/server/command.h"

namespace kora::server {

struct BlockedClient;
class ServerShard;
struct AclUser;  // acl.h

// Who runs a command, for SLOWLOG and CLIENT UNBLOCK. Immutable once shared:
// CLIENT SETNAME replaces the connection's identity with a new one.
struct ClientIdentity {
  std::uint64_t id = 0;
  std::string addr;  // "ip:port"
  std::string name;
  // CLIENT TRACKING: remember the keys this client's read-only commands read
  // (tracking on, default mode, and not opted out for this command).
  bool tracking = false;
  // ACL: the client's user when its permissions are limited (null: every
  // permission, or in-process), checked again by redis.call in scripts.
  std::shared_ptr<const AclUser> acl_user;
  std::string username = "default";
};

void serve_blocked_clients(core::ShardEngine& engine, core::Shard& shard, ServerState* server);

// (Effects, the command lines a command states for the change feed, is
// declared in command.h with CommandContext::propagate.)

// The change-feed effect that states a key's whole value: RESTORE key <abs ms>
// <payload> REPLACE ABSTTL (COPY's result, a key changed by a command spanning
// shards).
std::vector<std::string> restore_effect(std::string_view key, const core::Entry& e);

// One execution of one command (or one shard's part of it) on one shard.
// A run that is never finished (a command that blocked) is not counted: it is
// counted when it completes.
class CommandRun {
 public:
  // How a run is timed. kEvery: every run (commands from clients, where the
  // network dominates). kSampled: one run in kTimingSample of its shard (the
  // embedded typed calls: reading the CPU's time-stamp counter twice costs
  // ~25 ns on this project's machine, a fifth of a 120 ns GET); every run is
  // still counted, and µs are the timed runs' total scaled to all calls.
  enum class Timing : unsigned char { kEvery, kSampled };
  static constexpr unsigned kTimingSample = 8;

  // `count`: false for the second and later parts of a fan-out (a command is
  // counted once). Precondition: the caller holds `shard`.
  CommandRun(const CommandSpec& spec, core::Shard& shard, int db, bool count = true,
             Timing timing = Timing::kEvery);
  CommandRun(const CommandRun&) = delete;
  CommandRun& operator=(const CommandRun&) = delete;
  // Lookups count as keyspace hits/misses (Db::Stats) while a read-only
  // command runs, as Redis counts lookupKeyRead; restored here.
  ~CommandRun() { core::Db::count_lookups(counted_lookups_before_); }

  // Where the body states its effects; nullptr when the feed has no consumer
  // (then building effects would be wasted work).
  Effects* effects() { return feed_active_ ? &effects_ : nullptr; }

  // Ends the run: statistics, slow log, change feed. `error` is the error
  // reply's text (empty on success). make_argv() returns the command line as a
  // std::vector<std::string>; it is called only when needed (a slow run, or a
  // write with no stated effect while the feed has a consumer).
  template <typename MakeArgv>
  void finish(std::string_view error, MakeArgv&& make_argv, const ClientIdentity* who = nullptr) {
    const std::uint64_t ns = timed_ ? stop_clock() : 0;
    const std::uint64_t writes = shard_.events().writes() - writes_before_;
    const bool wrote = writes != 0;
    add_dirty(writes);
    const bool slow = record(ns, error) && slowlog_;
    if (slow || (feed_active_ && wrote && effects_.empty())) {
      std::vector<std::string> argv = make_argv();
      if (slow) log_slow(ns, argv, who);
      if (feed_active_ && wrote && effects_.empty()) effects_.push_back(std::move(argv));
    }
    // Stated effects count only when the command changed something (SET NX
    // that did not set, GETEX of a missing key: nothing to replay).
    if (feed_active_ && wrote) publish();
    effects_.clear();
  }

  // The command's keys span shards: it publishes key states instead
  // (publish_captured), not its command line.
  void skip_feed() { feed_active_ = false; }

  // The run dispatched to subcommand `sub` of its container command (counted
  // as "container|sub"); `rejected`: refused before running (arity), counted as
  // a rejected call rather than a call.
  void set_subcommand(std::string_view sub, bool rejected) {
    subcommand_ = sub;
    rejected_ = rejected;
  }

  // Never logs this run as slow (EXEC: its commands are logged themselves).
  void skip_slowlog() { slowlog_ = false; }

  // serve_blocked_clients() for this run's shard, when a write made a key
  // ready (an inline check otherwise).
  void serve_blocked(core::ShardEngine& engine, ServerState* server) {
    if (*ready_) serve_blocked_clients(engine, shard_, server);
  }

 private:
  std::uint64_t stop_clock();
  // Counts the run; true when it is slow enough for the slow log.
  bool record(std::uint64_t ns, std::string_view error);
  void add_dirty(std::uint64_t writes);  // INFO rdb_changes_since_last_save
  void log_slow(std::uint64_t ns, const std::vector<std::string>& argv, const ClientIdentity* who);
  void publish();

  const CommandSpec& spec_;
  core::Shard& shard_;
  bool counted_lookups_before_;
  ServerShard& state_;  // kora-server's state in shard_
  const bool* ready_;   // state_'s "a blocked client's key is ready" flag
  int db_;
  bool counted_;
  bool feed_active_;
  std::uint64_t writes_before_;
  bool timed_;
  std::uint64_t start_ticks_;
  Effects effects_;
  std::string_view subcommand_;
  bool rejected_ = false;
  bool slowlog_ = true;
};

// Where and for whom a command runs: what call_command needs besides the spec,
// the arguments and the shard.
struct CallEnv {
  CallEnv(core::ShardEngine& e, ServerState* s, int db_index, int resp_version,
          ClientState* c = nullptr, const ClientIdentity* identity = nullptr)
      : engine(e), server(s), db(db_index), resp(resp_version), client(c), who(identity) {}

  core::ShardEngine& engine;
  ServerState* server = nullptr;
  int db = 0;
  int resp = 2;
  ClientState* client = nullptr;            // kConnection commands only
  const ClientIdentity* who = nullptr;      // SLOWLOG; may be null
  bool count = true;                        // see CommandRun
  bool serve_blocked = true;                // serve blocked clients afterwards (false
                                            // inside a transaction: served at its end)
  bool no_block = false;                    // MULTI/EXEC: blocking commands answer at once
  std::shared_ptr<BlockedClient> blocker;   // the waiter a blocking command may register
  std::string_view serve_key;               // serving a blocked client: the ready key
  std::span<const core::ShardId> capture;   // keys span these shards: publish key states
};

enum class CallStatus : unsigned char { kOk, kError, kBlocked };

// Runs `spec`'s handler with `argv` on `shard` (held by the caller) through a
// CommandRun, appending the encoded reply to `out` (nothing when it blocked).
// Allocation failure becomes an OOM error reply: the shard and the connection
// survive.
CallStatus call_command(const CommandSpec& spec, std::span<const std::string_view> argv,
                        core::Shard& shard, const CallEnv& env, std::string& out);

// Serves the clients blocked on keys of `shard` that writes made ready (a push,
// a RENAME onto the key...). Called by call_command after a standalone command,
// and by a transaction's coordinator for every shard it holds, after its last
// command. Precondition: the caller holds `shard`.
void serve_blocked_clients(core::ShardEngine& engine, core::Shard& shard, ServerState* server);

// Publishes, on each shard's feed, the final state of every key that a command
// spanning `shards` changed there: RESTORE key <abs ms> <payload> REPLACE ABSTTL,
// or DEL key. The caller began the capture (ChangeFeed::begin_capture) on each.
void publish_captured(core::ShardEngine& engine, std::span<const core::ShardId> shards,
                      std::int64_t now_ms);

}  // namespace kora::server
