#include "kora/server/persistence.h"

#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "args.h"
#include "kora/core/clock.h"
#include "kora/core/log.h"
#include "kora/storage/snapshot.h"
#include "process_stats.h"
#include "server_shard.h"

namespace kora::server {
namespace {

using core::Errc;
using core::LogLevel;

std::int64_t now_s() { return core::now_ms() / 1000; }

core::rdb::FileInfo file_info() {
  core::rdb::FileInfo info;
  info.ctime_s = now_s();
  info.used_mem = process_memory().allocated;
  return info;
}

std::int64_t micros_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

Persistence& Persistence::instance() {
  static Persistence p;
  return p;
}

Persistence::Persistence() {
  std::error_code ec;
  auto cwd = std::filesystem::current_path(ec);
  dir_ = ec ? std::string(".") : cwd.string();
  lastsave_s_.store(now_s());
}

std::string Persistence::dir() const {
  std::lock_guard lock(mu_);
  return dir_;
}

std::string Persistence::dbfilename() const {
  std::lock_guard lock(mu_);
  return dbfilename_;
}

std::string Persistence::path() const {
  std::lock_guard lock(mu_);
  return dir_ + "/" + dbfilename_;
}

std::vector<std::pair<std::int64_t, std::int64_t>> Persistence::save_rules() const {
  std::lock_guard lock(mu_);
  return rules_;
}

std::optional<std::string> Persistence::check_dir(std::string_view d) {
  std::string s(d);
  struct stat st {};
  if (::stat(s.c_str(), &st) != 0) return std::string(std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return std::string(std::strerror(ENOTDIR));
  return std::nullopt;
}

std::optional<std::string> Persistence::check_dbfilename(std::string_view f) {
  // Redis 7.0's isValidDBfilename: a plain file name.
  if (f.find('/') != std::string_view::npos) return std::string("dbfilename can't be a path, just a filename");
  return std::nullopt;
}

std::optional<std::string> Persistence::check_save(std::string_view text) {
  Persistence probe;
  return probe.set_save(text);
}

std::optional<std::string> Persistence::set_dir(std::string_view d) {
  if (auto why = check_dir(d)) return why;
  std::string s(d);
  std::error_code ec;
  auto abs = std::filesystem::canonical(s, ec);
  if (ec) return ec.message();
  std::lock_guard lock(mu_);
  dir_ = abs.string();
  return std::nullopt;
}

std::optional<std::string> Persistence::set_dbfilename(std::string_view f) {
  if (auto why = check_dbfilename(f)) return why;
  std::lock_guard lock(mu_);
  dbfilename_.assign(f);
  return std::nullopt;
}

std::optional<std::string> Persistence::set_save(std::string_view text) {
  const std::vector<std::string_view> words = split_spaces(text);
  if (words.size() % 2) return std::string("Invalid save parameters");
  std::vector<std::pair<std::int64_t, std::int64_t>> rules;
  for (std::size_t k = 0; k < words.size(); k += 2) {
    auto secs = to_int(words[k]);
    auto changes = to_int(words[k + 1]);
    if (!secs || !changes || *secs < 0 || *changes < 0) return std::string("Invalid save parameters");
    rules.emplace_back(*secs, *changes);
  }
  std::lock_guard lock(mu_);
  rules_ = std::move(rules);
  return std::nullopt;
}

std::string Persistence::save_text() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [s, c] : rules_) {
    if (!out.empty()) out += ' ';
    out += std::to_string(s) + ' ' + std::to_string(c);
  }
  return out;
}

std::int64_t Persistence::current_bgsave_time_sec() const {
  if (!bgsave_running_.load()) return -1;
  return (core::now_ms() - bgsave_started_ms_.load()) / 1000;
}

void Persistence::note_saved(std::uint64_t dirty, bool ok) {
  last_try_s_.store(now_s());
  if (!ok) return;
  dirty_at_save_.store(dirty);
  lastsave_s_.store(now_s());
  saves_.fetch_add(1);
}

std::uint64_t Persistence::total_dirty(core::ShardEngine& engine) {
  std::uint64_t sum = 0;
  for (core::ShardId i = 0; i < engine.shard_count(); ++i) {
    sum += engine.call(i, [&engine, i] { return ServerShard::of(engine.shard(i)).dirty; });
  }
  return sum;
}

core::Result<void> Persistence::save_held(core::ShardEngine& engine, std::int64_t now_ms) {
  if (bgsave_running_.load()) return Errc::kBgsaveInProgress;
  std::vector<storage::ShardImage> images;
  std::uint64_t dirty = 0;
  for (core::ShardId i = 0; i < engine.shard_count(); ++i) {
    images.push_back(storage::serialize_shard(engine.shard(i), now_ms));
    dirty += ServerShard::of(engine.shard(i)).dirty;
  }
  auto written = storage::write_images(images, path(), file_info(), static_cast<int>(snapshot_retain.load()));
  note_saved(dirty, written.ok());
  if (!written.ok()) {
    core::log(LogLevel::kWarning, "%s", written.error().message.c_str());
    return core::Error::of(Errc::kSnapshot);
  }
  core::log(LogLevel::kNotice, "DB saved on disk");
  return core::Ok{};
}

core::Result<void> Persistence::start_bgsave(core::ShardEngine& engine) {
  std::vector<core::ShardId> all(engine.shard_count());
  for (core::ShardId i = 0; i < all.size(); ++i) all[i] = i;
  return engine.with_shards(all, [&] { return bgsave_held(engine, core::now_ms()); });
}

core::Result<void> Persistence::bgsave_held(core::ShardEngine& engine, std::int64_t now_ms) {
  std::lock_guard lock(thread_mu_);
  if (bgsave_running_.exchange(true)) return Errc::kBgsaveInProgress;
  if (bgsave_.joinable()) bgsave_.join();  // the previous one, finished
  // Everything the child needs, gathered before the fork (no lock is taken in it).
  const std::string file = path();
  const core::rdb::FileInfo info = file_info();
  const int retain = static_cast<int>(snapshot_retain.load());
  std::uint64_t dirty = 0;
  for (core::ShardId i = 0; i < engine.shard_count(); ++i) dirty += ServerShard::of(engine.shard(i)).dirty;
  const auto t0 = std::chrono::steady_clock::now();
  bgsave_started_ms_.store(core::now_ms());
  // Every shard is held: the child's copy of the keyspace is one point in time.
  const pid_t pid = ::fork();
  if (pid == 0) {
    // The child: only this thread exists. It closes what it inherited (the
    // listening sockets, client connections), writes the file and exits.
    ::syscall(SYS_close_range, 3U, ~0U, 0U);
    std::vector<storage::ShardImage> images;
    images.reserve(engine.shard_count());
    for (core::ShardId i = 0; i < engine.shard_count(); ++i) {
      images.push_back(storage::serialize_shard(engine.shard(i), now_ms));
    }
    auto written = storage::write_images(images, file, info, retain);
    if (!written.ok()) {
      const std::string& m = written.error().message;
      (void)!::write(2, m.data(), m.size());
    }
    ::_exit(written.ok() ? 0 : 1);
  }
  if (pid < 0) {
    const int err = errno;
    bgsave_running_.store(false);
    last_bgsave_ok_.store(false);
    core::log(LogLevel::kWarning, "Can't save in background: fork: %s", std::strerror(err));
    return core::Error::of(Errc::kSnapshot);
  }
  max_stall_us_.store(micros_since(t0));
  core::log(LogLevel::kNotice, "Background saving started by pid %d (fork took %lld us)", static_cast<int>(pid),
            static_cast<long long>(max_stall_us_.load()));
  bgsave_ = std::thread([this, pid, dirty] {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    note_saved(dirty, ok);
    last_bgsave_ok_.store(ok);
    last_bgsave_time_sec_.store((core::now_ms() - bgsave_started_ms_.load()) / 1000);
    if (ok) {
      core::log(LogLevel::kNotice, "Background saving terminated with success");
    } else {
      core::log(LogLevel::kWarning, "Background saving error");
    }
    bgsave_running_.store(false);
  });
  return core::Ok{};
}

core::Result<void> Persistence::reload_held(core::ShardEngine& engine, std::int64_t now_ms, bool save, bool flush) {
  if (save) KORA_RETURN_IF_ERROR(save_held(engine, now_ms));
  auto parsed = storage::parse_snapshot_file(path(), engine.shard_count(), now_ms);
  if (!parsed.ok()) {
    core::log(LogLevel::kWarning, "%s", parsed.error().message.c_str());
    return parsed.error();
  }
  for (core::ShardId i = 0; i < engine.shard_count(); ++i) {
    core::Shard& shard = engine.shard(i);
    if (flush) {
      for (int d = 0; d < core::Shard::kDbCount; ++d) shard.db(d).flush();
    }
    storage::apply_keys(shard, parsed->by_shard[i], now_ms);
  }
  load_loaded_.store(parsed->keys);
  load_expired_.store(parsed->expired);
  core::log(LogLevel::kNotice, "DB reloaded by DEBUG RELOAD");
  return core::Ok{};
}

core::Result<void> Persistence::load_at_startup(core::ShardEngine& engine) {
  const std::string file = path();
  if (::access(file.c_str(), F_OK) != 0) return core::Ok{};
  const auto t0 = std::chrono::steady_clock::now();
  auto loaded = storage::load_snapshot(engine, file);
  if (!loaded.ok()) return loaded.error();
  load_loaded_.store(loaded->keys);
  load_expired_.store(loaded->expired);
  char buf[256];
  std::snprintf(buf, sizeof buf, "DB loaded from disk: %.3f seconds (%llu keys, %llu expired keys skipped)",
                static_cast<double>(micros_since(t0)) / 1e6, static_cast<unsigned long long>(loaded->keys),
                static_cast<unsigned long long>(loaded->expired));
  startup_log_.emplace_back(buf);
  if (!loaded->functions.empty()) {
    startup_log_.push_back(std::to_string(loaded->functions.size()) + " function libraries in '" + file +
                           "' were not loaded (Kora does not persist functions yet)");
  }
  return core::Ok{};
}

void Persistence::start(core::ShardEngine& engine) {
  std::lock_guard lock(thread_mu_);
  stopping_ = false;
  lastsave_s_.store(now_s());
  timer_ = std::thread([this, e = &engine] { run_timer(e); });
}

void Persistence::run_timer(core::ShardEngine* engine) {
  std::unique_lock lock(thread_mu_);
  while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
    lock.unlock();
    const auto rules = save_rules();
    const std::int64_t interval = snapshot_interval_secs.load();
    if ((!rules.empty() || interval > 0) && !bgsave_running_.load()) {
      const std::uint64_t changes = total_dirty(*engine) - dirty_at_save_.load();
      const std::int64_t since = now_s() - lastsave_s_.load();
      // After a failed save, retry no sooner than 5 seconds (Redis's
      // CONFIG_BGSAVE_RETRY_DELAY).
      const bool may_try = last_bgsave_ok_.load() || now_s() - last_try_s_.load() > 5;
      bool due = interval > 0 && changes > 0 && since >= interval;
      for (const auto& [secs, min_changes] : rules) {
        if (changes >= static_cast<std::uint64_t>(min_changes) && since > secs) due = true;
      }
      if (due && may_try) {
        core::log(LogLevel::kNotice, "%llu changes in %lld seconds. Saving...",
                  static_cast<unsigned long long>(changes), static_cast<long long>(since));
        (void)start_bgsave(*engine);
      }
    }
    lock.lock();
  }
}

void Persistence::stop_and_maybe_save(core::ShardEngine& engine) {
  {
    std::lock_guard lock(thread_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (timer_.joinable()) timer_.join();
  {
    std::lock_guard lock(thread_mu_);
    if (bgsave_.joinable()) bgsave_.join();
  }
  const ShutdownSave mode = shutdown_save_.load();
  const bool save = mode == ShutdownSave::kSave || (mode == ShutdownSave::kDefault && !save_rules().empty());
  if (!save) return;
  core::log(LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
  auto written = storage::write_snapshot(engine, path(), file_info(), static_cast<int>(snapshot_retain.load()));
  if (written.ok()) {
    core::log(LogLevel::kNotice, "DB saved on disk");
  } else {
    core::log(LogLevel::kWarning, "Error trying to save the DB, can't exit: %s", written.error().message.c_str());
  }
}

}  // namespace kora::server
