#include "kora/core/engine.h"

#include <algorithm>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <deque>
#include <mutex>

#include "kora/core/clock.h"

namespace kora::core {

struct ShardEngine::Worker {
  explicit Worker(ShardId id)
      // Sockets of a worker are used only by that worker, so the reactor needs no
      // per-descriptor locks; the scheduler stays locked for cross-thread posts.
      : shard(id), context(ASIO_CONCURRENCY_HINT_UNSAFE_IO) {}

  Shard shard;
  asio::io_context context;
  std::thread thread;

  // The mailbox: tasks from other threads, drained in batches on the worker.
  struct Envelope {
    Task task;
    bool data;  // touches shard data: waits while the shard is lent
  };
  std::mutex mu;
  std::vector<Envelope> inbox;
  bool drain_scheduled = false;
  std::vector<Envelope> batch;  // worker-only: the batch being run

  // Lending state (see ShardEngine::lend): written by the worker while it owns the
  // shard, read by application threads that own it (try_run_here).
  std::atomic<bool> lent{false};
  // Worker-only: data tasks (data = true) and lend requests, in arrival order.
  std::deque<std::pair<Task, bool>> waiting;
  // True while a thread touches the shard's data (see try_run_here).
  std::atomic<bool> owned{false};
};

namespace {
// Which engine and shard the current thread works for.
thread_local const void* tls_engine = nullptr;
thread_local ShardId tls_shard = 0;
}  // namespace

ShardEngine::ShardEngine(EngineOptions options) : options_(options) {
  std::size_t n = options_.shard_count;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  workers_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>(static_cast<ShardId>(i)));
  }
  for (auto& w : workers_) {
    w->thread = std::thread([this, &w = *w] { run_worker(w); });
  }
}

ShardEngine::~ShardEngine() { stop(); }

asio::io_context& ShardEngine::io_context(ShardId id) { return workers_[id]->context; }

Shard& ShardEngine::shard(ShardId id) { return workers_[id]->shard; }

std::optional<ShardId> ShardEngine::current_shard() const {
  if (tls_engine != this) return std::nullopt;
  return tls_shard;
}

void ShardEngine::run_worker(Worker& w) {
  tls_engine = this;
  tls_shard = w.shard.id();
  auto guard = asio::make_work_guard(w.context);
  asio::steady_timer sweep_timer(w.context);
  std::function<void()> arm = [&] {
    const int hz = std::max(1, background_hz().load(std::memory_order_relaxed));
    sweep_timer.expires_after(options_.sweep_interval * 10 / hz);
    sweep_timer.async_wait([&](const asio::error_code& ec) {
      if (ec) return;
      if (!w.lent.load(std::memory_order_relaxed) && active_expire()) {
        OwnershipGuard own(*this, w.shard.id());
        w.shard.sweep_expired(now_ms(), options_.sweep_budget);
      }
      arm();
    });
  };
  arm();
  w.context.run();
  tls_engine = nullptr;
}

void ShardEngine::post(ShardId id, Task task) { enqueue(id, std::move(task), false); }

void ShardEngine::post_data(ShardId id, Task task) { enqueue(id, std::move(task), true); }

void ShardEngine::enqueue(ShardId id, Task task, bool data) {
  if (stopped_.load(std::memory_order_relaxed)) return;
  Worker& w = *workers_[id];
  if (options_.hop == EngineOptions::Hop::kDirectPost) {
    asio::post(w.context, [this, &w, task = std::move(task), data]() mutable {
      if (data) {
        run_data(w, task);
      } else {
        task();
      }
    });
    return;
  }
  bool wake;
  {
    std::lock_guard lock(w.mu);
    w.inbox.push_back({std::move(task), data});
    wake = !w.drain_scheduled;
    w.drain_scheduled = true;
  }
  if (wake) asio::post(w.context, [this, &w] { drain(w); });
}

void ShardEngine::run_data(Worker& w, Task& task) {
  if (w.lent.load(std::memory_order_relaxed)) {
    w.waiting.emplace_back(std::move(task), true);
    return;
  }
  OwnershipGuard own(*this, w.shard.id());
  task();
}

void ShardEngine::acquire(std::atomic<bool>& flag) {
  // Held by an application thread for one short operation at most.
  while (flag.exchange(true, std::memory_order_acquire)) {
    while (flag.load(std::memory_order_relaxed)) __builtin_ia32_pause();
  }
}

std::atomic<bool>& ShardEngine::ownership(ShardId id) { return workers_[id]->owned; }

bool ShardEngine::lent_flag(ShardId id) const { return workers_[id]->lent.load(std::memory_order_relaxed); }

ShardEngine::OwnershipGuard::OwnershipGuard(ShardEngine& engine, ShardId id)
    : flag_(&engine.ownership(id)) {
  acquire(*flag_);
}

ShardEngine::OwnershipGuard::~OwnershipGuard() { flag_->store(false, std::memory_order_release); }

void ShardEngine::lend(ShardId id, Task granted) {
  Worker& w = *workers_[id];
  post(id, [this, &w, granted = std::move(granted)]() mutable {
    Task take = [this, &w, granted = std::move(granted)]() mutable {
      {
        // Wait for an application thread that may be inside the shard.
        OwnershipGuard own(*this, w.shard.id());
        w.lent.store(true, std::memory_order_relaxed);
      }
      granted();
    };
    if (w.lent.load(std::memory_order_relaxed)) {
      w.waiting.emplace_back(std::move(take), false);
    } else {
      take();
    }
  });
}

void ShardEngine::give_back(ShardId id) {
  Worker& w = *workers_[id];
  post(id, [this, &w] {
    {
      // Under the ownership flag: an application thread that takes the flag
      // next (try_run_here) and sees the shard free must also see every write
      // the coordinator made while it held it (the post carried them here).
      OwnershipGuard own(*this, w.shard.id());
      w.lent.store(false, std::memory_order_relaxed);
    }
    // Run what waited, in order, until one of them borrows the shard again. A
    // waiting lend request takes ownership itself; data tasks run under it.
    while (!w.lent.load(std::memory_order_relaxed) && !w.waiting.empty()) {
      auto [task, data] = std::move(w.waiting.front());
      w.waiting.pop_front();
      if (data) {
        OwnershipGuard own(*this, w.shard.id());
        task();
      } else {
        task();
      }
    }
  });
}

bool ShardEngine::is_lent(ShardId id) const { return workers_[id]->lent.load(std::memory_order_relaxed); }

void ShardEngine::drain(Worker& w) {
  {
    std::lock_guard lock(w.mu);
    w.batch.swap(w.inbox);
    w.drain_scheduled = false;
  }
  for (Worker::Envelope& e : w.batch) {
    if (e.data) {
      run_data(w, e.task);
    } else {
      e.task();
    }
  }
  w.batch.clear();  // keeps capacity: the two vectors trade buffers batch after batch
}

void ShardEngine::stop() {
  if (stopped_.exchange(true)) return;
  for (auto& w : workers_) w->context.stop();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void ShardEngine::Waiter::wait() {
  // Spin briefly (a few microseconds: `pause` takes ~10-140 cycles depending on
  // the CPU): a shard usually answers that fast, and parking costs a futex round
  // trip on both sides.
  for (int i = 0; i < 100; ++i) {
    if (done.load(std::memory_order_acquire)) return;
    __builtin_ia32_pause();
  }
  for (int i = 0; i < 20; ++i) {
    if (done.load(std::memory_order_acquire)) return;
    std::this_thread::yield();
  }
  while (!done.load(std::memory_order_acquire)) done.wait(false, std::memory_order_acquire);
}

void ShardEngine::Waiter::notify() {
  done.store(true, std::memory_order_release);
  done.notify_one();
}

}  // namespace kora::core
