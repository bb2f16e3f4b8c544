#pragma once
// ShardEngine: N worker threads, each owning one Shard and one asio::io_context.
//
// Shared nothing: a shard's data is touched only by its worker. Work reaches a
// shard as a Task message (post) and runs there in arrival order. The io_context
// of each worker is exposed so that a network layer (kora-server) can run its
// sockets on the same threads as the data they serve.
//
// Thread-safety: post, call, shard_count and shard_for may be called from any
// thread; shard() only from the shard's own worker (or before start / after stop).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "kora/core/hash.h"
#include "kora/core/shard.h"
#include "kora/core/task.h"

namespace asio {
class io_context;
}

namespace kora::core {

// Redis's `hz` (CONFIG SET hz): how often per second background work runs —
// here the active-expiry sweep. Process-wide, clamped to Redis's 1..500 when
// set; read relaxed by every worker each time it arms its sweep.
inline std::atomic<int>& background_hz() {
  static std::atomic<int> hz{10};
  return hz;
}

struct EngineOptions {
  std::size_t shard_count = 0;  // 0 = std::thread::hardware_concurrency()
  // Active expiry: every sweep_interval each shard examines up to sweep_budget
  // TTL-carrying keys per database. The interval is the one at the default hz
  // (10); another hz scales it (hz 100: a tenth of it).
  std::chrono::milliseconds sweep_interval{100};
  std::size_t sweep_budget = 1000;
  // How a post reaches a worker. kDirectPost (default): one asio::post per task
  // into the worker's io_context. kMailbox: a per-shard mutex-protected queue
  // drained in batches, one asio::post per batch. Measured side by side in
  // kora-core/bench/hop_bench.cc (docs/benchmarks.md): equal round trips, and
  // direct posting ~16% faster on bursts, since a worker that keeps up leaves the
  // mailbox with batches of one task plus its own mutex. The server batches its
  // hops itself (one message per target shard per read pass).
  enum class Hop : unsigned char { kMailbox, kDirectPost };
  Hop hop = Hop::kDirectPost;
};

class ShardEngine {
 public:
  // Starts the worker threads; they run until stop() or destruction.
  explicit ShardEngine(EngineOptions options = {});
  ~ShardEngine();
  ShardEngine(const ShardEngine&) = delete;
  ShardEngine& operator=(const ShardEngine&) = delete;

  std::size_t shard_count() const { return workers_.size(); }

  // Active expiry (the sweep every sweep_interval) on or off for every shard
  // (DEBUG SET-ACTIVE-EXPIRE); lazy expiry on access is unaffected. Any thread.
  void set_active_expire(bool on) { active_expire_.store(on, std::memory_order_relaxed); }
  bool active_expire() const { return active_expire_.load(std::memory_order_relaxed); }
  ShardId shard_for(std::string_view key) const { return shard_for_key(key, shard_count()); }

  // The shard data of `id`. Precondition: called on worker `id`.
  Shard& shard(ShardId id);

  // The io_context worker `id` runs.
  asio::io_context& io_context(ShardId id);

  // The shard whose worker is the calling thread, if it is one of this engine's.
  std::optional<ShardId> current_shard() const;

  // Queues `task` to run on worker `id`. Never blocks on the worker; tasks from
  // one sending thread run in the order sent. After stop(), tasks are dropped.
  // Use post() for work that does not touch shard data (answers to a
  // connection); use post_data() for work that does.
  void post(ShardId id, Task task);

  // As post(), for a task that touches shard `id`'s data: while the shard is lent
  // to a cross-shard transaction the task waits, in arrival order, until the
  // shard is given back.
  void post_data(ShardId id, Task task);

  // --- Cross-shard transactions: lending shards ---
  //
  // A command whose keys span shards takes every shard involved, in ascending
  // shard order (so two transactions can never wait on each other in a cycle),
  // runs on its own thread with exclusive use of their data, then gives them back.
  // While a shard is lent, its worker keeps serving I/O but defers every data
  // task. The happens-before edges are the mailbox handoffs: the `granted`
  // message before the coordinator's first access, give_back() after its last.

  // When shard `id` is free, lends it and runs `granted` on worker `id` (it
  // should message the coordinator). Requests queue in arrival order.
  void lend(ShardId id, Task granted);
  // Returns shard `id` (call from the coordinator when done) and runs the data
  // tasks that waited, until the shard is lent again.
  void give_back(ShardId id);
  // True while shard `id` is lent. Only on worker `id`.
  bool is_lent(ShardId id) const;

  // --- Ownership: who touches a shard's data right now ---
  //
  // A shard's data is touched by one thread at a time: normally its worker, but
  // an application thread may borrow an idle shard for one short operation
  // (try_run_here), which spares it the round trip through the mailbox. The
  // worker holds the ownership flag around its data work (data tasks, expiry,
  // and — through OwnershipGuard — the server's inline command execution).

  // Runs fn() on the calling thread and returns true if shard `id` is idle (no
  // thread is touching it and it is not lent to a transaction); otherwise returns
  // false without running fn. For threads that are not workers. fn must be short
  // and must not wait on the engine; it may try further shards with nested
  // try_run_here calls (ascending ids), which never wait and so cannot deadlock:
  // holding several shards this way is as exclusive as with_shards.
  template <typename F>
  bool try_run_here(ShardId id, F&& fn);

  // Held by worker code that touches its own shard outside the engine's data
  // tasks (a connection executing commands inline). Waits while an application
  // thread finishes its operation. Not reentrant.
  class OwnershipGuard {
   public:
    OwnershipGuard(ShardEngine& engine, ShardId id);
    ~OwnershipGuard();
    OwnershipGuard(const OwnershipGuard&) = delete;
    OwnershipGuard& operator=(const OwnershipGuard&) = delete;

   private:
    std::atomic<bool>* flag_;
  };

  // Blocking form for a non-worker thread: takes every shard in `ids` (sorted,
  // unique), runs fn() on the calling thread, gives them back, returns fn's result.
  template <typename F>
  std::invoke_result_t<F&> with_shards(const std::vector<ShardId>& ids, F&& fn);

  // Runs fn() with exclusive use of shard `id` and returns its result: on the
  // calling thread when the shard is idle (try_run_here), otherwise on worker
  // `id` as a data task (see post_data) while the caller waits (inline when the
  // caller is worker `id` itself). fn may capture by reference: the caller's frame outlives
  // the call. Must not be called from another worker (it would stall that
  // worker's own traffic). Precondition: the engine is running.
  template <typename F>
  std::invoke_result_t<F&> call(ShardId id, F&& fn);

  // Runs fn() on worker `id`'s own thread (never on the caller's: for work on
  // the worker's I/O objects, which belong to that thread, rather than on shard
  // data) and returns its result, blocking the caller until it has run. Must not
  // be called from another worker. Precondition: the engine is running.
  template <typename F>
  std::invoke_result_t<F&> run_on_worker(ShardId id, F&& fn);

  // Stops every worker and joins them. Idempotent; called by the destructor.
  void stop();

 private:
  struct Worker;
  struct Waiter {
    std::atomic<bool> done{false};
    void wait();
    void notify();
  };
  void run_worker(Worker& w);
  void drain(Worker& w);
  void run_data(Worker& w, Task& task);
  void enqueue(ShardId id, Task task, bool data);
  // Queues fn to worker `id` (as a data task or a plain one) and blocks until it
  // has run; returns its result.
  template <typename F>
  std::invoke_result_t<F&> post_and_wait(ShardId id, bool data, F& fn);
  std::atomic<bool>& ownership(ShardId id);
  bool lent_flag(ShardId id) const;
  static void acquire(std::atomic<bool>& flag);

  EngineOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> active_expire_{true};
};

template <typename F>
bool ShardEngine::try_run_here(ShardId id, F&& fn) {
  std::atomic<bool>& flag = ownership(id);
  if (flag.load(std::memory_order_relaxed) || flag.exchange(true, std::memory_order_acquire)) {
    return false;
  }
  if (lent_flag(id)) {
    flag.store(false, std::memory_order_release);
    return false;
  }
  struct Release {
    std::atomic<bool>& flag;
    ~Release() { flag.store(false, std::memory_order_release); }
  } release{flag};
  fn();
  return true;
}

template <typename F>
std::invoke_result_t<F&> ShardEngine::post_and_wait(ShardId id, bool data, F& fn) {
  using R = std::invoke_result_t<F&>;
  Waiter waiter;
  if constexpr (std::is_void_v<R>) {
    enqueue(id, [&] {
      fn();
      waiter.notify();
    }, data);
    waiter.wait();
  } else {
    std::optional<R> result;
    enqueue(id, [&] {
      result.emplace(fn());
      waiter.notify();
    }, data);
    waiter.wait();
    return std::move(*result);
  }
}

template <typename F>
std::invoke_result_t<F&> ShardEngine::call(ShardId id, F&& fn) {
  using R = std::invoke_result_t<F&>;
  if (current_shard() == id) return fn();
  // The fast path: the shard is idle, run on this thread.
  if constexpr (std::is_void_v<R>) {
    if (try_run_here(id, fn)) return;
  } else {
    std::optional<R> early;
    if (try_run_here(id, [&] { early.emplace(fn()); })) return std::move(*early);
  }
  return post_and_wait(id, /*data=*/true, fn);
}

template <typename F>
std::invoke_result_t<F&> ShardEngine::run_on_worker(ShardId id, F&& fn) {
  if (current_shard() == id) return fn();
  return post_and_wait(id, /*data=*/false, fn);
}

template <typename F>
std::invoke_result_t<F&> ShardEngine::with_shards(const std::vector<ShardId>& ids, F&& fn) {
  for (ShardId id : ids) {
    Waiter granted;
    lend(id, [&granted] { granted.notify(); });
    granted.wait();
  }
  struct GiveBack {
    ShardEngine* engine;
    const std::vector<ShardId>* ids;
    ~GiveBack() {
      for (ShardId id : *ids) engine->give_back(id);
    }
  } give_back_all{this, &ids};
  return fn();
}

}  // namespace kora::core
