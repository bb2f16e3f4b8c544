#pragma once
// Snapshot persistence of a server (Redis's SAVE/BGSAVE machinery): where the
// RDB file goes (CONFIG dir / dbfilename), when it is written (save <secs>
// <changes> rules, snapshot-interval-secs, SHUTDOWN), and what INFO
// persistence and LASTSAVE report. The file format and the engine-level
// writer/loader are kora-storage's (kora/storage/snapshot.h).
//
// Process-wide, like the CONFIG parameters it owns. Thread-safety: every
// member may be called from any thread unless its comment says otherwise.
//
// Saving:
// - save_held(): SAVE / DEBUG RELOAD / FLUSHALL paths that already hold every
//   shard (Fanout::kWhole): one point in time across the engine.
// - bgsave_held() / start_bgsave(): BGSAVE and the timer. Holding every shard,
//   the process forks (as Redis); the child serializes its copy-on-write image
//   of the keyspace and writes the file; the shards stop only for the fork.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "kora/core/engine.h"
#include "kora/core/result.h"

namespace kora::server {

class Persistence {
 public:
  static Persistence& instance();

  // --- settings (CONFIG) ---
  std::string dir() const;             // absolute
  std::string dbfilename() const;
  std::string path() const;            // dir/dbfilename
  std::vector<std::pair<std::int64_t, std::int64_t>> save_rules() const;  // (seconds, changes)
  std::atomic<std::int64_t> snapshot_interval_secs{0};  // 0: off
  std::atomic<std::int64_t> snapshot_retain{1};         // files kept, the newest included

  // Checks (nullopt: valid, else Redis's reason) and validating setters.
  static std::optional<std::string> check_dir(std::string_view d);
  static std::optional<std::string> check_dbfilename(std::string_view f);
  static std::optional<std::string> check_save(std::string_view rules);
  std::optional<std::string> set_dir(std::string_view d);
  std::optional<std::string> set_dbfilename(std::string_view f);
  std::optional<std::string> set_save(std::string_view rules);
  std::string save_text() const;

  // --- the server's engine: startup, timer, shutdown (kora-cli main) ---
  // Loads path() into `engine` when the file exists (an absent file is not an
  // error). Call before serving, from a non-worker thread. Error: kSnapshot
  // naming the file (corrupt, newer version, unreadable).
  core::Result<void> load_at_startup(core::ShardEngine& engine);
  // What the load has to say, for the log once the banner is out (kora-cli's
  // first stdout line is its banner).
  const std::vector<std::string>& startup_log() const { return startup_log_; }
  // Starts the timer thread (save rules, snapshot-interval-secs) for `engine`.
  void start(core::ShardEngine& engine);
  // Stops the timer, waits for a running BGSAVE, then saves when SHUTDOWN SAVE
  // asked for it, or save rules exist and SHUTDOWN NOSAVE did not say otherwise.
  // From a non-worker thread, while the engine still runs.
  void stop_and_maybe_save(core::ShardEngine& engine);
  enum class ShutdownSave : unsigned char { kDefault, kSave, kNoSave };
  void set_shutdown_save(ShutdownSave s) { shutdown_save_.store(s); }

  // --- saving ---
  // SAVE: every shard held by the caller. Error: kBgsaveInProgress, kSnapshot.
  core::Result<void> save_held(core::ShardEngine& engine, std::int64_t now_ms);
  // BGSAVE, every shard held by the caller: forks; the child writes the file
  // from its copy of the keyspace (one point in time; the shards stop only
  // for the fork) and a thread of this process reaps it. Errors:
  // kBgsaveInProgress, kSnapshot (fork failed).
  core::Result<void> bgsave_held(core::ShardEngine& engine, std::int64_t now_ms);
  // The same from a thread that is not a worker (the timer): takes every shard.
  core::Result<void> start_bgsave(core::ShardEngine& engine);
  bool bgsave_in_progress() const { return bgsave_running_.load(); }

  // DEBUG RELOAD: save (unless nosave), then empty every database (unless
  // noflush) and load the file back. Every shard held by the caller.
  core::Result<void> reload_held(core::ShardEngine& engine, std::int64_t now_ms, bool save, bool flush);

  // --- what INFO persistence / LASTSAVE report ---
  std::int64_t lastsave_s() const { return lastsave_s_.load(); }
  void set_start_time(std::int64_t s) { lastsave_s_.store(s); }
  std::uint64_t dirty_at_save() const { return dirty_at_save_.load(); }
  bool last_bgsave_ok() const { return last_bgsave_ok_.load(); }
  std::int64_t last_bgsave_time_sec() const { return last_bgsave_time_sec_.load(); }
  std::int64_t current_bgsave_time_sec() const;
  std::uint64_t saves() const { return saves_.load(); }
  std::uint64_t last_load_keys_loaded() const { return load_loaded_.load(); }
  std::uint64_t last_load_keys_expired() const { return load_expired_.load(); }
  // How long the last BGSAVE held the shards (the fork), in microseconds.
  std::int64_t last_bgsave_max_stall_us() const { return max_stall_us_.load(); }

 private:
  Persistence();
  void run_timer(core::ShardEngine* engine);
  std::uint64_t total_dirty(core::ShardEngine& engine);
  void note_saved(std::uint64_t dirty, bool ok);

  mutable std::mutex mu_;  // guards the strings and rules below
  std::string dir_;
  std::string dbfilename_ = "dump.rdb";
  std::vector<std::pair<std::int64_t, std::int64_t>> rules_;
  std::vector<std::string> startup_log_;

  std::atomic<std::int64_t> lastsave_s_{0};
  std::atomic<std::int64_t> last_try_s_{0};
  std::atomic<std::uint64_t> dirty_at_save_{0};
  std::atomic<bool> last_bgsave_ok_{true};
  std::atomic<std::int64_t> last_bgsave_time_sec_{-1};
  std::atomic<std::int64_t> bgsave_started_ms_{0};
  std::atomic<std::uint64_t> saves_{0};
  std::atomic<std::uint64_t> load_loaded_{0};
  std::atomic<std::uint64_t> load_expired_{0};
  std::atomic<std::int64_t> max_stall_us_{0};
  std::atomic<bool> bgsave_running_{false};
  std::atomic<ShutdownSave> shutdown_save_{ShutdownSave::kDefault};

  std::mutex thread_mu_;  // guards the threads and the stop flag
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread timer_;
  std::thread bgsave_;
};

}  // namespace kora::server
