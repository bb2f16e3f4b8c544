#include "kora/server/dispatch.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>

#include "kora/core/clock.h"
#include "blocking.h"
#include "kora/protocol/reply.h"
#include "server_shard.h"

namespace kora::server {

using core::Errc;
using core::Error;

void CommandContext::error(Errc code) {
  std::string name(argv[0]);
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  reply.error(core::error_message(code, name));
}

const CommandSpec* lookup(std::span<const std::string_view> argv, std::string& error) {
  const CommandSpec* spec = CommandTable::instance().find(argv[0]);
  if (!spec) {
    // As Redis: the name and the arguments are printed as C strings (cut at a
    // NUL), the name up to 128 bytes, the arguments within a 128-byte budget.
    auto c_string = [](std::string_view s, std::size_t max) {
      s = s.substr(0, std::min(max, s.find('\0')));
      return s;
    };
    std::string args;
    for (std::size_t i = 1; i < argv.size() && args.size() < 128; ++i) {
      args += '\'';
      args.append(c_string(argv[i], 128 - (args.size() - 1)));
      args += "' ";
    }
    std::string detail(c_string(argv[0], 128));
    detail += '\0';
    detail += args;
    error = core::error_message(Errc::kUnknownCommand, detail);
    return nullptr;
  }
  auto argc = static_cast<int>(argv.size());
  if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
    error = core::error_message(Errc::kWrongArity, spec->name);
    return nullptr;
  }
  return spec;
}

void CommandTable::key_positions(const CommandSpec& spec, std::span<const std::string_view> argv,
                                 std::vector<std::uint32_t>& out) {
  out.clear();
  if (spec.key_finder) {
    spec.key_finder(argv, out);
    return;
  }
  const std::size_t argc = argv.size();
  if (spec.first_key <= 0) return;
  int last = spec.last_key < 0 ? static_cast<int>(argc) + spec.last_key : spec.last_key;
  for (int i = spec.first_key; i <= last && i < static_cast<int>(argc); i += spec.key_step) {
    out.push_back(static_cast<std::uint32_t>(i));
  }
}

void plan_command(const CommandSpec& spec, std::span<const std::string_view> argv,
                  const core::ShardEngine& engine, core::ShardId home, Plan& plan) {
  plan.spec = &spec;
  plan.single = true;
  plan.cross_shard = false;
  plan.shard = home;
  plan.parts.clear();
  plan.key_count = 0;
  const std::size_t shards = engine.shard_count();

  if (spec.flags & kAllShards) {
    if (spec.fanout == Fanout::kWhole) {
      // Once, holding every shard (a transaction when there are several).
      plan.cross_shard = shards > 1;
      return;
    }
    // A custom merge always runs as parts, even on one shard.
    if (shards == 1 && spec.fanout != Fanout::kCustom) return;
    plan.single = false;
    for (core::ShardId s = 0; s < shards; ++s) {
      Part& part = plan.parts.emplace_back();
      part.shard = s;
      for (std::uint32_t i = 0; i < argv.size(); ++i) part.args.push_back(i);
    }
    return;
  }
  if (spec.route) {
    plan.shard = spec.route(argv, shards);
    return;
  }
  if (spec.key_finder || (spec.flags & kMultiShard)) {
    // Commands whose keys are found by a function, or that need every key at
    // once: they run whole, on one shard or under a cross-shard transaction.
    std::vector<std::uint32_t> pos;
    CommandTable::key_positions(spec, argv, pos);
    plan.key_count = pos.size();
    if (pos.empty()) {
      // No key (malformed argv, or a script declaring none): the home shard,
      // plus any shard extra_shards names.
      if (spec.extra_shards) {
        std::vector<core::ShardId> extra;
        spec.extra_shards(argv, engine, extra);
        for (core::ShardId s : extra) plan.cross_shard = plan.cross_shard || s != plan.shard;
      }
      return;
    }
    plan.shard = engine.shard_for(argv[pos[0]]);
    for (std::uint32_t p : pos) {
      if (engine.shard_for(argv[p]) != plan.shard) {
        plan.cross_shard = true;
        break;
      }
    }
    if (spec.extra_shards && !plan.cross_shard) {
      std::vector<core::ShardId> extra;
      spec.extra_shards(argv, engine, extra);
      for (core::ShardId s : extra) plan.cross_shard = plan.cross_shard || s != plan.shard;
    }
    return;
  }
  const int argc = static_cast<int>(argv.size());
  // No key at all (keyless, or too few arguments: the handler reports that).
  if (spec.first_key <= 0 || spec.first_key >= argc) return;

  // Fast path: the common single-key command.
  const int last = spec.last_key < 0 ? argc + spec.last_key : spec.last_key;
  plan.shard = engine.shard_for(argv[static_cast<std::size_t>(spec.first_key)]);
  plan.key_count = 1;
  if (last == spec.first_key || shards == 1) {
    if (shards == 1) plan.key_count = static_cast<std::size_t>((last - spec.first_key) / spec.key_step + 1);
    return;
  }
  bool same = true;
  std::vector<core::ShardId> owner;
  for (int i = spec.first_key; i <= last; i += spec.key_step) {
    core::ShardId s = engine.shard_for(argv[static_cast<std::size_t>(i)]);
    owner.push_back(s);
    if (s != plan.shard) same = false;
  }
  plan.key_count = owner.size();
  // A malformed key list (MSET with a missing value) runs whole on one shard, so
  // its handler reports the error.
  if (same || spec.fanout == Fanout::kNone || (argc - spec.first_key) % spec.key_step != 0) return;

  plan.single = false;
  std::vector<int> part_of(shards, -1);
  std::vector<Part> by_shard;
  for (std::size_t k = 0; k < owner.size(); ++k) {
    core::ShardId s = owner[k];
    if (part_of[s] < 0) {
      part_of[s] = static_cast<int>(by_shard.size());
      Part& p = by_shard.emplace_back();
      p.shard = s;
      p.args.push_back(0);
    }
    Part& p = by_shard[static_cast<std::size_t>(part_of[s])];
    auto first = static_cast<std::uint32_t>(spec.first_key + static_cast<int>(k) * spec.key_step);
    for (int j = 0; j < spec.key_step; ++j) p.args.push_back(first + static_cast<std::uint32_t>(j));
    p.positions.push_back(static_cast<std::uint32_t>(k));
  }
  std::sort(by_shard.begin(), by_shard.end(),
            [](const Part& a, const Part& b) { return a.shard < b.shard; });
  plan.parts = std::move(by_shard);
}

void part_argv(std::span<const std::string_view> argv, const Part& part,
               std::vector<std::string_view>& out) {
  out.clear();
  for (std::uint32_t i : part.args) out.push_back(argv[i]);
}

void merge_parts(const Plan& plan, std::span<const std::string_view> argv,
                 const std::vector<std::string>& replies, ServerState* server, int resp,
                 std::string& out) {
  protocol::ReplyWriter w(&out, resp);
  std::vector<protocol::Reply> decoded(replies.size());
  for (std::size_t i = 0; i < replies.size(); ++i) {
    std::size_t consumed;
    if (protocol::decode_reply(replies[i], decoded[i], consumed) != protocol::DecodeStatus::kOk) {
      w.error(core::error_message(Errc::kInternalMerge));
      return;
    }
    if (decoded[i].is_error()) {  // the first error wins, as a single-shard run would report
      w.error(decoded[i].str);
      return;
    }
  }
  switch (plan.spec->fanout) {
    case Fanout::kNone:
    case Fanout::kWhole:
    case Fanout::kAllOk:
      w.ok();
      return;
    case Fanout::kSumIntegers: {
      std::int64_t sum = 0;
      for (const auto& r : decoded) sum += r.integer;
      w.integer(sum);
      return;
    }
    case Fanout::kScatter: {
      std::vector<const protocol::Reply*> slots(plan.key_count, nullptr);
      for (std::size_t i = 0; i < decoded.size(); ++i) {
        const auto& pos = plan.parts[i].positions;
        for (std::size_t j = 0; j < pos.size() && j < decoded[i].elements.size(); ++j) {
          slots[pos[j]] = &decoded[i].elements[j];
        }
      }
      w.array(slots.size());
      for (const protocol::Reply* r : slots) {
        if (r) {
          protocol::encode_reply(*r, out, resp);
        } else {
          w.null();
        }
      }
      return;
    }
    case Fanout::kConcatArrays: {
      std::size_t n = 0;
      for (const auto& r : decoded) n += r.elements.size();
      w.array(n);
      for (const auto& r : decoded) {
        for (const auto& e : r.elements) protocol::encode_reply(e, out, resp);
      }
      return;
    }
    case Fanout::kCustom:
      plan.spec->merge(argv, decoded, server, w);
      return;
  }
}

namespace {
std::atomic<std::uint64_t> next_txid{1};
}  // namespace

void begin_transaction_feed(core::ShardEngine& engine, std::span<const core::ShardId> shards) {
  std::uint64_t txid = 0;
  for (core::ShardId s : shards) {
    core::ChangeFeed& feed = engine.shard(s).feed();
    if (!feed.active()) continue;
    if (txid == 0) txid = next_txid.fetch_add(1, std::memory_order_relaxed);
    feed.begin_tx(txid);
  }
}

void finish_transaction(core::ShardEngine& engine, std::span<const core::ShardId> shards,
                        ServerState* server) {
  for (core::ShardId s : shards) {
    core::ChangeFeed& feed = engine.shard(s).feed();
    if (feed.in_tx()) feed.end_tx();
  }
  for (core::ShardId s : shards) serve_blocked_clients(engine, engine.shard(s), server);
}

namespace {

// A caller-thread waiter for a blocking command run by execute_blocking.
struct CallerWait {
  std::mutex mu;
  std::condition_variable cv;
  bool answered = false;
  bool retry = false;
  std::string reply;
};

}  // namespace

std::string execute_blocking(core::ShardEngine& engine, ServerState& server,
                             std::span<const std::string_view> argv, ClientState& client) {
  std::string out;
  if (argv.empty()) return out;
  std::string error;
  const CommandSpec* spec = lookup(argv, error);
  if (!spec) {
    if (const CommandSpec* named = CommandTable::instance().find(argv[0])) {
      ErrorStats::instance().count_rejected(*named);
    }
    ErrorStats::instance().count_error(error);
    protocol::ReplyWriter(&out, client.resp).error(error);
    return out;
  }
  for (;;) {
    Plan plan;
    plan_command(*spec, argv, engine, 0, plan);
    CallEnv env{engine, &server, client.db, client.resp};
    env.client = &client;
    env.who = client.identity.get();
    auto wait = std::make_shared<CallerWait>();
    if (spec->flags & kBlocking) {
      env.blocker = std::make_shared<BlockedClient>();
      env.blocker->client_id = client.id;
      env.blocker->spec = spec;
      env.blocker->argv.assign(argv.begin(), argv.end());
      env.blocker->resp = client.resp;
      env.blocker->deliver = [wait](std::string reply, bool retry) {
        std::lock_guard lock(wait->mu);
        wait->reply = std::move(reply);
        wait->retry = retry;
        wait->answered = true;
        wait->cv.notify_one();
      };
    }
    CallStatus status;
    if (plan.single && !plan.cross_shard) {
      status = engine.call(plan.shard, [&] {
        return call_command(*spec, argv, engine.shard(plan.shard), env, out);
      });
    } else {
      // Several shards: a cross-shard transaction, run on this (non-worker) thread.
      std::vector<core::ShardId> shards = transaction_shards(plan, argv, engine);
      status = engine.with_shards(shards, [&] {
        begin_transaction_feed(engine, shards);
        CallStatus st = run_planned(plan, argv, env, out);
        finish_transaction(engine, shards, &server);
        return st;
      });
    }
    if (status != CallStatus::kBlocked) return out;
    // Blocked: wait for a serve, or the deadline.
    BlockedClient& blocked = *env.blocker;
    std::unique_lock lock(wait->mu);
    if (blocked.deadline_ms == 0) {
      wait->cv.wait(lock, [&] { return wait->answered; });
    } else {
      const auto left = std::chrono::milliseconds(std::max<std::int64_t>(0, blocked.deadline_ms - core::now_ms()));
      if (!wait->cv.wait_for(lock, left, [&] { return wait->answered; })) {
        lock.unlock();
        if (blocked.try_claim()) {
          release_blocked(engine, env.blocker);
          return timeout_reply(*spec, client.resp);
        }
        lock.lock();
        wait->cv.wait(lock, [&] { return wait->answered; });  // served meanwhile
      }
    }
    if (!wait->retry) return std::move(wait->reply);
    out.clear();  // its other key is on another shard: run it again
  }
}

CallStatus apply_change(core::ShardEngine& engine, core::ShardId shard, const core::Change& change,
                        ServerState* server, std::string& reply) {
  std::vector<std::string_view> argv(change.argv.begin(), change.argv.end());
  if (argv.empty()) return CallStatus::kError;
  std::string error;
  const CommandSpec* spec = lookup(argv, error);
  if (!spec) {
    protocol::ReplyWriter(&reply, 2).error(error);
    return CallStatus::kError;
  }
  CallEnv env(engine, server, change.db, 2);
  env.no_block = true;
  core::KeyEventHub& events = engine.shard(shard).events();
  const bool was_loading = events.loading();
  events.set_loading(true);
  CallStatus status = call_command(*spec, argv, engine.shard(shard), env, reply);
  events.set_loading(was_loading);
  return status;
}

CallStatus run_planned(const Plan& plan, std::span<const std::string_view> argv, const CallEnv& base,
                       std::string& out) {
  const CommandSpec& spec = *plan.spec;
  core::ShardEngine& engine = base.engine;
  CallEnv env = base;
  env.serve_blocked = false;
  if (!(spec.flags & kConnection)) env.client = nullptr;
  if (plan.single) {
    // One shard, or a kMultiShard/kWhole command reaching every shard it needs.
    std::vector<core::ShardId> capture;
    // A command that may write (not flagged read-only: DEBUG POPULATE writes
    // though it is no kWrite command) publishes each key it touched on the
    // key's own shard.
    if (plan.cross_shard && !(spec.flags & (kReadOnly | kScript))) {
      capture = transaction_shards(plan, argv, engine);
      env.capture = capture;
    }
    return call_command(spec, argv, engine.shard(plan.shard), env, out);
  }
  env.blocker = nullptr;
  std::vector<std::string> replies(plan.parts.size());
  std::vector<std::string_view> sub;
  for (std::size_t i = 0; i < plan.parts.size(); ++i) {
    part_argv(argv, plan.parts[i], sub);
    env.count = base.count && i == 0;  // a command is counted once
    call_command(spec, sub, engine.shard(plan.parts[i].shard), env, replies[i]);
  }
  const std::size_t mark = out.size();
  merge_parts(plan, argv, replies, base.server, base.resp, out);
  return out.size() > mark && out[mark] == '-' ? CallStatus::kError : CallStatus::kOk;
}
std::vector<core::ShardId> transaction_shards(const Plan& plan,
                                              std::span<const std::string_view> argv,
                                              const core::ShardEngine& engine) {
  std::vector<core::ShardId> shards;
  if (plan.spec->flags & kAllShards) {
    for (core::ShardId s = 0; s < engine.shard_count(); ++s) shards.push_back(s);
  } else if (!plan.single) {
    for (const Part& p : plan.parts) shards.push_back(p.shard);
  } else {
    std::vector<std::uint32_t> pos;
    CommandTable::key_positions(*plan.spec, argv, pos);
    for (std::uint32_t p : pos) shards.push_back(engine.shard_for(argv[p]));
    if (plan.spec->extra_shards) plan.spec->extra_shards(argv, engine, shards);
    if (pos.empty()) shards.push_back(plan.shard);  // keyless: its home shard
  }
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  return shards;
}

}  // namespace kora::server
