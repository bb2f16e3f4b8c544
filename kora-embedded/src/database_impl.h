#pragma once
// Database::Impl: the engine behind kora::Database and the ways a call reaches
// shard data. Private to kora-embedded.
//
//   on_key(key, fn)          one shard: fn(db0, now) runs on the caller when the
//                            shard is idle (retrying briefly: see kFastPathTries),
//                            else on its worker while the caller waits
//                            (ShardEngine::call).
//   on_shards(ids, cost, fn) several shards, atomically: for a short operation,
//                            takes every shard on the caller when all are idle
//                            (all or none, in ascending order); otherwise, or
//                            when one stays busy, borrows them all through
//                            ShardEngine::with_shards and runs fn(now) on the
//                            caller. One shard takes on_key's path.
//
// fn must copy whatever it returns (never a view into shard data). Both keep
// the caller's frame alive until fn has run, so fn may capture by reference.
// std::bad_alloc thrown by fn on a worker is carried back and rethrown on the
// caller (a worker must never die of it).
//
// Why the caller may hold several shards at once: ShardEngine::try_run_here
// takes a shard's ownership flag and checks it is not lent; holding the flags of
// every shard involved excludes their workers (which take the same flag around
// data work), other callers, and cross-shard transactions (lend() takes the flag
// before lending) — what with_shards gives, without a round trip through every
// worker. The flags are tried, never waited for, so the order cannot deadlock;
// they are taken in ascending order anyway, as with_shards does.

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <thread>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "kora/core/clock.h"
#include "kora/core/db.h"
#include "kora/core/engine.h"
#include "kora/embedded/database.h"
#include "kora/server/call.h"
#include "kora/server/command.h"
#include "kora/server/dispatch.h"
#include "kora/server/server.h"
#include "kora/server/server_state.h"

namespace kora {

struct Database::Impl {
  explicit Impl(const Config& config);

  // How long a multi-shard operation may keep workers waiting: kShort ones (a
  // bounded batch: mget/mset of up to kShortBatch keys, db_size) may take the
  // shards on the caller, spinning the workers meanwhile; kLong ones (keys,
  // flush_db, large batches) always borrow them through the workers, which keep
  // serving I/O while they wait.
  enum class Cost { kShort, kLong };
  static constexpr std::size_t kShortBatch = 256;

  // Runs fn(db 0 of shard `id`, now_ms) with exclusive use of the shard.
  template <typename F>
  auto on_shard(core::ShardId id, F&& fn) {
    return run_guarded(id, [&] { return fn(engine.shard(id).db(0), core::now_ms()); });
  }

  // The server's row for command `name` (lowercase): every typed call runs
  // through the execution wrapper under its command (server/call.h).
  static const server::CommandSpec& cmd(std::string_view name) {
    return *server::CommandTable::instance().find(name);
  }

  // A lazy command line for the wrapper (the change feed's effect, SLOWLOG),
  // from views that outlive the call.
  template <typename... S>
  static auto argv_of(S... parts) {
    return [=] { return std::vector<std::string>{std::string(parts)...}; };
  }
  // The same, with a list of values after the fixed parts.
  template <typename Values>
  static auto argv_with(std::string_view name, std::string_view key, const Values& values) {
    return [name, key, &values] {
      std::vector<std::string> argv{std::string(name), std::string(key)};
      for (const auto& v : values) argv.emplace_back(v);
      return argv;
    };
  }

  // Runs fn(db 0, now) on the shard that owns `key` as command `spec`, through
  // the execution wrapper: counted, timed one call in CommandRun::kTimingSample
  // (CommandRun::Timing::kSampled), its write published on the change
  // feed as make_argv() (the deterministic form: SET ... PXAT, PEXPIREAT), and
  // blocked clients it made ready served.
  template <typename A, typename F>
  auto on_key(const server::CommandSpec& spec, std::string_view key, A&& make_argv, F&& fn) {
    const core::ShardId id = engine.shard_for(key);
    return on_shard(id, [&](core::Db& db, std::int64_t now) {
      core::Shard& shard = engine.shard(id);
      server::CommandRun run(spec, shard, 0, true, server::CommandRun::Timing::kSampled);
      auto r = fn(db, now);
      run.finish(error_of(r), make_argv);
      run.serve_blocked(engine, &state);
      return r;
    });
  }

  // The error text of a result, for the wrapper's failed-call count.
  template <typename T>
  static std::string_view error_of(const core::Result<T>& r) {
    return r.ok() ? std::string_view() : std::string_view(r.error().message);
  }
  template <typename T>
  static std::string_view error_of(const T&) {
    return {};
  }

  // Runs fn(now, run_on) with every shard of `ids` held, as command `spec`
  // across them: run_on(id, make_argv, body) runs body() as the command's part
  // on shard id through the wrapper (counted once, on the first part), its
  // write published as make_argv() on that shard's feed under one transaction
  // id; blocked clients are served afterwards.
  template <typename F>
  auto on_shards_cmd(const server::CommandSpec& spec, const std::vector<core::ShardId>& ids, Cost cost,
                     F&& fn) {
    return on_shards(ids, cost, [&](std::int64_t now) {
      server::begin_transaction_feed(engine, ids);
      bool first = true;
      auto run_on = [&](core::ShardId id, auto&& make_argv, auto&& body) {
        server::CommandRun run(spec, engine.shard(id), 0, first);
        first = false;
        auto r = body();
        run.finish(error_of(r), make_argv);
        return r;
      };
      struct Finish {
        Impl* impl;
        const std::vector<core::ShardId>* ids;
        ~Finish() { server::finish_transaction(impl->engine, *ids, &impl->state); }
      } finish{this, &ids};
      return fn(now, run_on);
    });
  }

  // Runs fn(now_ms) with exclusive use of every shard in `ids` (sorted, unique,
  // non-empty) at once. Inside fn, db(id) gives shard id's database 0.
  template <typename F>
  auto on_shards(const std::vector<core::ShardId>& ids, Cost cost, F&& fn) {
    using R = std::invoke_result_t<F&, std::int64_t>;
    auto run = [&] { return fn(core::now_ms()); };
    if (ids.size() == 1) return run_guarded(ids[0], run);
    if (cost == Cost::kShort) {
      if constexpr (std::is_void_v<R>) {
        if (try_run_here_all(ids, run)) return;
      } else {
        std::optional<R> result;
        auto body = [&] { result.emplace(run()); };
        if (try_run_here_all(ids, body)) return std::move(*result);
      }
    }
    return engine.with_shards(ids, run);
  }

  // Database 0 of shard `id`. Precondition: inside on_shard/on_shards holding it.
  core::Db& db(core::ShardId id) { return engine.shard(id).db(0); }

  // The shards owning the keys of `items` (key_of(item) gives one), ascending
  // and unique.
  template <typename Range, typename KeyOf>
  std::vector<core::ShardId> shards_of(const Range& items, KeyOf key_of) const {
    std::vector<core::ShardId> ids;
    ids.reserve(std::size(items));
    for (const auto& item : items) ids.push_back(engine.shard_for(key_of(item)));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }

  // Every shard, ascending.
  std::vector<core::ShardId> all_shards() const;

  // now + ttl, or nullopt when it overflows.
  static std::optional<std::int64_t> deadline(std::int64_t now_ms, std::int64_t ttl_ms) {
    std::int64_t at;
    if (__builtin_add_overflow(now_ms, ttl_ms, &at)) return std::nullopt;
    return at;
  }

  core::ShardEngine engine;
  server::ServerState state;
  std::mutex listeners_mu;
  std::vector<std::shared_ptr<Listener::Impl>> listeners;  // stopped by ~Database

 private:
  // How a call retries the fast path before queueing to the worker: first
  // kFastPathTries tries with a CPU pause between them, then kYieldTries tries
  // each after a sched_yield. Another application thread holds a shard for one
  // short operation (~100 ns), so a collision between callers usually clears
  // within a few pauses; when callers outnumber cores, the holder may have been
  // preempted, and yielding lets it finish. Queueing instead costs a worker
  // wake-up (several µs, and a core that the worker then spends spinning on the
  // same flag). A worker busy with its own work (network traffic, expiry sweep)
  // exhausts the budget (a few µs) and the call queues behind it. Measured with
  // kora_embedded_latency: without the yields, 2 callers sharing one core got
  // half the throughput of one; with them, the same.
  static constexpr int kFastPathTries = 16;
  static constexpr int kYieldTries = 16;

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  // Calls attempt() until it returns true, within the budget above; false
  // when the budget ran out. Never from a worker (nothing to retry there).
  template <typename A>
  bool retry(A&& attempt) {
    if (engine.current_shard()) return false;
    for (int i = 0; i < kFastPathTries; ++i) {
      if (attempt()) return true;
      cpu_relax();
    }
    for (int i = 0; i < kYieldTries; ++i) {
      std::this_thread::yield();
      if (attempt()) return true;
    }
    return false;
  }

  // Runs body() with exclusive use of shard `id`: on the caller when the shard
  // is idle (retrying briefly), else on its worker.
  template <typename B>
  void run_exclusive(core::ShardId id, B& body) {
    if (retry([&] { return engine.try_run_here(id, body); })) return;
    engine.call(id, body);
  }

  // Takes shards ids[i..] (ascending) on the caller and runs body() while
  // holding them all; false, having run nothing, if one of them is busy.
  template <typename B>
  bool try_nested(const std::vector<core::ShardId>& ids, std::size_t i, B& body) {
    if (i == ids.size()) {
      body();
      return true;
    }
    bool ran = false;
    engine.try_run_here(ids[i], [&] { ran = try_nested(ids, i + 1, body); });
    return ran;
  }

  // try_nested over every shard of `ids`, retried briefly.
  template <typename B>
  bool try_run_here_all(const std::vector<core::ShardId>& ids, B& body) {
    return retry([&] { return try_nested(ids, 0, body); });
  }

  // run_exclusive(id, fn) returning fn's result, carrying a std::bad_alloc
  // thrown on the worker back to the caller.
  template <typename G>
  auto run_guarded(core::ShardId id, G&& fn) {
    using R = std::invoke_result_t<G&>;
    bool out_of_memory = false;
    if constexpr (std::is_void_v<R>) {
      auto body = [&] {
        try {
          fn();
        } catch (const std::bad_alloc&) {
          out_of_memory = true;
        }
      };
      run_exclusive(id, body);
      if (out_of_memory) throw std::bad_alloc();
    } else {
      std::optional<R> result;
      auto body = [&] {
        try {
          result.emplace(fn());
        } catch (const std::bad_alloc&) {
          out_of_memory = true;
        }
      };
      run_exclusive(id, body);
      if (out_of_memory) throw std::bad_alloc();
      return std::move(*result);
    }
  }
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

}  // namespace kora
