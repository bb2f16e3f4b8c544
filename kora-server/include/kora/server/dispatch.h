#pragma once
// Routing and merging, shared by every front end (network connections and the
// embedded API): find the spec and check arity, decide which shards a command
// runs on, run a handler on a shard, and merge the parts of a fan-out.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/engine.h"
#include "kora/server/call.h"
#include "kora/server/command.h"

namespace kora::server {

// One shard's share of a multi-shard command.
struct Part {
  core::ShardId shard = 0;
  std::vector<std::uint32_t> args;       // indices into the full argv; args[0] == 0
  std::vector<std::uint32_t> positions;  // kScatter: where each reply element goes
};

struct Plan {
  const CommandSpec* spec = nullptr;
  bool single = true;      // run the whole argv on `shard`
  bool cross_shard = false;  // single, but its keys span shards (kMultiShard): the
                             // handler must hold every shard involved
  core::ShardId shard = 0;
  std::vector<Part> parts;  // !single: one per shard involved, in shard order
  std::size_t key_count = 0;
};

// Looks up argv[0] and checks arity. On failure returns nullptr and writes the
// error (unknown command / wrong number of arguments) to `error`.
const CommandSpec* lookup(std::span<const std::string_view> argv, std::string& error);

// Decides where a checked command runs. `home` is the shard of the caller's
// worker (keyless commands run there). O(number of keys).
void plan_command(const CommandSpec& spec, std::span<const std::string_view> argv,
                  const core::ShardEngine& engine, core::ShardId home, Plan& plan);

// The argv of one part, as views into the full argv.
void part_argv(std::span<const std::string_view> argv, const Part& part,
               std::vector<std::string_view>& out);

// Merges the encoded replies of every part (in plan.parts order) into `out`.
void merge_parts(const Plan& plan, std::span<const std::string_view> argv,
                 const std::vector<std::string>& replies, ServerState* server, int resp,
                 std::string& out);

// Runs a planned command on the calling thread, which must hold every shard the
// plan needs (its shard, or every part's shard, or — for a cross-shard or
// kWhole command — every shard transaction_shards() names): one call_command, or
// one per part and the merge. Appends the encoded reply to `out`. env.client
// reaches only kConnection commands; env.blocker only single-run commands.
// Blocked clients are not served here (the caller serves after its last
// command: finish_transaction).
CallStatus run_planned(const Plan& plan, std::span<const std::string_view> argv, const CallEnv& env,
                       std::string& out);

// Begins a cross-shard transaction on the shards it holds (ascending): every
// change it publishes on each shard's feed carries one new transaction id.
void begin_transaction_feed(core::ShardEngine& engine, std::span<const core::ShardId> shards);
// Ends it: delivers the held changes (the last of each shard marked tx_end),
// then serves the clients blocked on keys the transaction made ready.
// Precondition: still holding `shards`.
void finish_transaction(core::ShardEngine& engine, std::span<const core::ShardId> shards,
                        ServerState* server);

// The shards a multi-shard plan (parts, or a cross-shard kMultiShard command)
// must borrow, ascending and unique.
std::vector<core::ShardId> transaction_shards(const Plan& plan,
                                              std::span<const std::string_view> argv,
                                              const core::ShardEngine& engine);

// Applies one change-feed effect (core::Change) to shard `shard` alone: its
// command runs through call_command on that shard, in the change's db — the
// same code that executed the original. Replaying a shard's changes in
// sequence order into an empty shard reproduces its keyspace (WAL recovery,
// replicas). Appends the reply to `reply`; kError for a malformed effect.
// Precondition: the caller holds `shard`.
CallStatus apply_change(core::ShardEngine& engine, core::ShardId shard, const core::Change& change,
                        ServerState* server, std::string& reply);

// Runs one command to completion from a thread that is not a worker of
// `engine`, blocking until every part has run; returns the encoded reply.
// `client` holds the SELECTed db and protocol version and may be changed by the
// command. Used by the embedded API's execute().
std::string execute_blocking(core::ShardEngine& engine, ServerState& server,
                             std::span<const std::string_view> argv, ClientState& client);

}  // namespace kora::server
