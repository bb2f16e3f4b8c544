#include "kora/storage/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "kora/core/clock.h"
#include "kora/core/shard.h"

namespace kora::storage {
namespace {

using core::Errc;
using core::Error;

Error io_error(const std::string& what, const std::string& file, int err) {
  return Error::of(Errc::kSnapshot, what + " '" + file + "': " + std::strerror(err));
}

std::string dir_of(const std::string& path) {
  auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? std::string(".") : p.string();
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Keeps `path` as path.1 (shifting older copies up to path.<retain-1>).
void rotate(const std::string& path, int retain) {
  if (retain <= 1 || ::access(path.c_str(), F_OK) != 0) return;
  std::string oldest = path + "." + std::to_string(retain - 1);
  ::unlink(oldest.c_str());
  for (int i = retain - 2; i >= 1; --i) {
    std::string from = path + "." + std::to_string(i), to = path + "." + std::to_string(i + 1);
    ::rename(from.c_str(), to.c_str());
  }
  std::string first = path + ".1";
  // A hard link keeps the current file in place until the rename replaces it.
  if (::link(path.c_str(), first.c_str()) != 0) ::rename(path.c_str(), first.c_str());
}

}  // namespace

ShardImage serialize_shard(const core::Shard& shard, std::int64_t now_ms) {
  ShardImage img;
  img.dbs.resize(core::Shard::kDbCount);
  for (int i = 0; i < core::Shard::kDbCount; ++i) {
    const core::Db& db = shard.db(i);
    if (db.size() == 0) continue;
    auto& part = img.dbs[static_cast<std::size_t>(i)];
    db.for_each(now_ms, [&part](std::string_view, const core::Entry& e) {
      core::rdb::append_key(part.bytes, e);
      ++part.keys;
      if (e.expire_at_ms() != 0) ++part.expires;
    });
    img.keys += part.keys;
  }
  return img;
}

core::Result<WriteStats> write_images(const std::vector<ShardImage>& images, const std::string& path,
                                      const core::rdb::FileInfo& info, int retain) {
  static std::atomic<std::uint64_t> serial{0};
  const std::string dir = dir_of(path);
  const std::string tmp =
      dir + "/temp-" + std::to_string(::getpid()) + "-" + std::to_string(serial.fetch_add(1)) + ".rdb";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("Failed opening the temp RDB file", tmp, errno);
  WriteStats stats;
  std::uint64_t crc = 0;
  bool ok = true;
  auto emit = [&](std::string_view bytes) {
    crc = core::rdb::crc64(crc, bytes);
    stats.bytes += bytes.size();
    ok = ok && write_all(fd, bytes);
  };
  std::string head;
  core::rdb::append_header(head, info);
  emit(head);
  for (int db = 0; db < core::Shard::kDbCount && ok; ++db) {
    std::uint64_t keys = 0, expires = 0;
    for (const auto& img : images) {
      keys += img.dbs[static_cast<std::size_t>(db)].keys;
      expires += img.dbs[static_cast<std::size_t>(db)].expires;
    }
    if (keys == 0) continue;
    head.clear();
    core::rdb::append_select_db(head, db, keys, expires);
    emit(head);
    for (const auto& img : images) emit(img.dbs[static_cast<std::size_t>(db)].bytes);
    stats.keys += keys;
  }
  std::string tail;
  core::rdb::append_footer(tail, crc);
  stats.bytes += tail.size();
  ok = ok && write_all(fd, tail);
  if (!ok || ::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error("Write error saving DB on disk to", tmp, err);
  }
  ::close(fd);
  rotate(path, retain);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error("Error moving temp DB file on the final destination", path, err);
  }
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return stats;
}

core::Result<ParsedSnapshot> parse_snapshot_file(const std::string& path, std::size_t shard_count,
                                                 std::int64_t now_ms) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("Can't open the RDB file", path, errno);
  std::string data;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) data.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("Can't read the RDB file", path, err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  core::rdb::FileReader reader(data);
  auto failed = [&path](const std::string& why) {
    return Error::of(Errc::kSnapshot, "Bad RDB file '" + path + "': " + why);
  };
  if (!reader.open()) return failed(reader.error());
  ParsedSnapshot out;
  out.by_shard.resize(shard_count);
  core::rdb::LoadedKey k;
  while (reader.next(k)) {
    if (k.expire_at_ms != 0 && k.expire_at_ms <= now_ms) {
      ++out.expired;
      continue;
    }
    ++out.keys;
    out.by_shard[core::shard_for_key(k.key, shard_count)].push_back(std::move(k));
    k = core::rdb::LoadedKey{};
  }
  if (!reader.error().empty()) return failed(reader.error());
  out.empty_skipped = reader.empty_keys_skipped();
  out.functions = reader.functions();
  out.aux = reader.aux();
  return out;
}

void apply_keys(core::Shard& shard, std::vector<core::rdb::LoadedKey>& keys, std::int64_t now_ms) {
  for (auto& k : keys) {
    core::Db& db = shard.db(k.db);
    core::store_restored(db, k.key, std::move(k.value), k.expire_at_ms, now_ms);
    if (k.idle_s) core::Db::set_idle(db.find(k.key, now_ms, false), *k.idle_s, now_ms);
  }
  keys.clear();
  keys.shrink_to_fit();
}

core::Result<WriteStats> write_snapshot(core::ShardEngine& engine, const std::string& path,
                                        const core::rdb::FileInfo& info, int retain) {
  std::vector<ShardImage> images(engine.shard_count());
  const std::int64_t now = core::now_ms();
  for (core::ShardId i = 0; i < engine.shard_count(); ++i) {
    images[i] = engine.call(i, [&engine, i, now] { return serialize_shard(engine.shard(i), now); });
  }
  return write_images(images, path, info, retain);
}

core::Result<ParsedSnapshot> load_snapshot(core::ShardEngine& engine, const std::string& path) {
  const std::int64_t now = core::now_ms();
  auto parsed = parse_snapshot_file(path, engine.shard_count(), now);
  if (!parsed.ok()) return parsed.error();
  // Each shard loads its part on its own worker, all at once.
  std::vector<std::thread> loaders;
  for (core::ShardId i = 0; i < engine.shard_count(); ++i) {
    loaders.emplace_back([&engine, &parsed, i, now] {
      engine.call(i, [&] { apply_keys(engine.shard(i), parsed->by_shard[i], now); });
    });
  }
  for (auto& t : loaders) t.join();
  return parsed;
}

}  // namespace kora::storage
