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

struct EngineOptions {
  std::size_t shard_count = 0;  // 0 = std::thread::hardware_concurrency()
  // Active expiry: every sweep_interval each shard examines up to sweep_budget
  // TTL-carrying keys per database.
  std::chrono::milliseconds sweep_interval{100};
  std::size_t sweep_budget = 1000;
  // How a post reaches a worker. kMailbox (default): a per-shard queue drained in
  // batches, one wake-up per batch. kDirectPost: one asio::post per task; kept as
  // the measured alternative (kora-core/bench/hop_bench.cc).
  enum class Hop : unsigned char { kMailbox, kDirectPost };
  Hop hop = Hop::kMailbox;
};

class ShardEngine {
 public:
  // Starts the worker threads; they run until stop() or destruction.
  explicit ShardEngine(EngineOptions options = {});
  ~ShardEngine();
  ShardEngine(const ShardEngine&) = delete;
  ShardEngine& operator=(const ShardEngine&) = delete;

  std::size_t shard_count() const { return workers_.size(); }
  ShardId shard_for(std::string_view key) const { return shard_for_key(key, shard_count()); }

  // The shard data of `id`. Precondition: called on worker `id`.
  Shard& shard(ShardId id);

  // The io_context worker `id` runs.
  asio::io_context& io_context(ShardId id);

  // The shard whose worker is the calling thread, if it is one of this engine's.
  std::optional<ShardId> current_shard() const;

  // Queues `task` to run on worker `id`. Never blocks on the worker; tasks from
  // one sending thread run in the order sent. After stop(), tasks are dropped.
  void post(ShardId id, Task task);

  // Runs fn() on worker `id` and returns its result, blocking the caller until it
  // has run (inline when the caller is worker `id` itself). fn may capture by
  // reference: the caller's frame outlives the call. Must not be called from
  // another worker (it would stall that worker's own traffic).
  template <typename F>
  std::invoke_result_t<F&> call(ShardId id, F&& fn);

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

  EngineOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stopped_{false};
};

template <typename F>
std::invoke_result_t<F&> ShardEngine::call(ShardId id, F&& fn) {
  using R = std::invoke_result_t<F&>;
  if (current_shard() == id) return fn();
  Waiter waiter;
  if constexpr (std::is_void_v<R>) {
    post(id, [&] {
      fn();
      waiter.notify();
    });
    waiter.wait();
  } else {
    std::optional<R> result;
    post(id, [&] {
      result.emplace(fn());
      waiter.notify();
    });
    waiter.wait();
    return std::move(*result);
  }
}

}  // namespace kora::core
