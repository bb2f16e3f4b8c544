#include "kora/core/key_ops.h"

#include <cctype>

#include "kora/core/eviction.h"
#include "kora/core/glob.h"
#include "kora/core/numbers.h"

namespace kora::core {

bool op_del(Db& db, std::string_view key, std::int64_t now_ms) {
  // An expired key counts as absent, so look it up (removing it) before erasing.
  return db.find(key, now_ms) && db.erase(key);
}

bool op_exists(Db& db, std::string_view key, std::int64_t now_ms) {
  return static_cast<bool>(db.find(key, now_ms, /*touch=*/false));
}

bool op_expire_at(Db& db, std::string_view key, std::int64_t at_ms, std::int64_t now_ms,
                  unsigned cond) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return false;
  const std::int64_t current = ref->expire_at_ms();  // 0: no TTL (infinite)
  if ((cond & kExpireNX) && current != 0) return false;
  if ((cond & kExpireXX) && current == 0) return false;
  if ((cond & kExpireGT) && (current == 0 || at_ms <= current)) return false;
  if ((cond & kExpireLT) && current != 0 && at_ms >= current) return false;
  if (db.already_expired(at_ms, now_ms)) {
    db.erase(key);
  } else {
    db.set_expire(ref, at_ms);
    db.notify(notify::kGeneric, "expire", key);
  }
  return true;
}

std::int64_t op_pttl(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms, /*touch=*/false);
  if (!ref) return -2;
  if (ref->expire_at_ms() == 0) return -1;
  return ref->expire_at_ms() - now_ms;
}

bool op_persist(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref || ref->expire_at_ms() == 0) return false;
  db.set_expire(ref, 0);
  db.notify(notify::kGeneric, "persist", key);
  return true;
}

std::string_view op_type(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms, /*touch=*/false);
  return ref ? type_name(ref->type()) : std::string_view("none");
}

std::vector<std::string> op_keys(const Db& db, std::string_view pattern, std::int64_t now_ms) {
  std::vector<std::string> out;
  bool all = pattern == "*";
  db.for_each(now_ms, [&](std::string_view key, const Entry&) {
    if (all || glob_match(pattern, key)) out.emplace_back(key);
  });
  return out;
}

}  // namespace kora::core

namespace kora::core {

bool op_touch(Db& db, std::string_view key, std::int64_t now_ms) {
  return static_cast<bool>(db.find(key, now_ms, /*touch=*/true));
}

std::int64_t op_expire_time_ms(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms, /*touch=*/false);
  if (!ref) return -2;
  return ref->expire_at_ms() == 0 ? -1 : ref->expire_at_ms();
}

Result<bool> op_rename(Db& src_db, std::string_view src, Db& dst_db, std::string_view dst,
                       bool only_if_absent, std::int64_t now_ms) {
  EntryRef ref = src_db.find(src, now_ms, /*touch=*/false);
  if (!ref) return Errc::kNoSuchKey;
  if (&src_db == &dst_db && src == dst) return !only_if_absent;
  if (only_if_absent && dst_db.find(dst, now_ms, false)) return false;
  src_db.move_to(src, dst_db, dst, now_ms);
  return true;
}

bool op_copy(Db& src_db, std::string_view src, Db& dst_db, std::string_view dst, bool replace,
             std::int64_t now_ms) {
  EntryRef ref = src_db.find(src, now_ms, /*touch=*/false);
  if (!ref) return false;
  if (!replace && dst_db.find(dst, now_ms, false)) return false;
  dst_db.put_copy(dst, *ref.entry, now_ms);
  dst_db.notify(notify::kGeneric, "copy_to", dst);
  return true;
}

std::string_view object_encoding(const Entry& e) {
  if (e.type() != ValueType::kString) return e.object()->encoding();
  std::string_view s = e.str();
  if (e.raw_string()) return "raw";
  if (!e.never_int() && s.size() <= 20 && parse_int64(s)) return "int";
  return s.size() <= 44 ? "embstr" : "raw";
}

bool op_move(Db& from, Db& to, std::string_view key, std::int64_t now_ms) {
  if (!from.find(key, now_ms, false) || to.find(key, now_ms, false)) return false;
  from.move_to(key, to, key, now_ms);
  return true;
}

void op_restore(Db& db, std::string_view key, RestoredValue value, std::int64_t expire_at_ms,
                std::optional<std::int64_t> idle_seconds, std::int64_t now_ms,
                std::optional<std::int64_t> freq) {
  if (expire_at_ms != 0 && db.already_expired(expire_at_ms, now_ms)) {
    db.erase(key);  // already expired: as Redis, the key ends up absent
    return;
  }
  store_restored(db, key, std::move(value), expire_at_ms, now_ms);
  db.notify(notify::kGeneric, "restore", key);
  if (EvictionConfig::instance().lfu()) {
    if (freq) Db::set_freq(db.find(key, now_ms, false), static_cast<std::uint8_t>(*freq), now_ms);
  } else if (idle_seconds) {
    Db::set_idle(db.find(key, now_ms, false), *idle_seconds, now_ms);
  }
}

void op_flushdb(Db& db) { db.flush(); }

void op_swapdb(Db& a, Db& b) {
  if (&a != &b) a.swap_contents(b);
}

ScanPage op_scan(const Db& db, std::uint64_t cursor, std::int64_t count, const ScanFilter& filter,
                 std::int64_t now_ms) {
  ScanPage page;
  page.cursor = cursor;
  std::int64_t steps = count * 10;
  auto same_type = [&](std::string_view name) {
    const std::string_view want = *filter.type;
    if (name.size() != want.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(name[i])) != std::tolower(static_cast<unsigned char>(want[i]))) {
        return false;
      }
    }
    return true;
  };
  do {
    page.cursor = db.scan(page.cursor, now_ms, [&](const Entry& e) {
      if (filter.pattern && !glob_match(*filter.pattern, e.key())) return;
      if (filter.type && !same_type(type_name(e.type()))) return;
      page.keys.emplace_back(e.key());
    });
  } while (page.cursor != 0 && steps-- > 0 && static_cast<std::int64_t>(page.keys.size()) < count);
  return page;
}

std::optional<ObjectInfo> op_object(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms, /*touch=*/false);
  if (!ref) return std::nullopt;
  ObjectInfo info;
  info.encoding = object_encoding(*ref.entry);
  info.idle_seconds = static_cast<std::uint16_t>(Db::access_clock_of(now_ms) - ref->access_clock());
  info.access_field = ref->access_clock();
  info.freq = lfu_decayed(ref->access_clock(), now_ms,
                          EvictionConfig::instance().lfu_decay_time.load(std::memory_order_relaxed));
  bool shared = false;  // Redis shares the objects of small integers between keys
  if (ref->type() == ValueType::kString && info.encoding == "int") {
    auto v = parse_int64(ref->str());
    shared = v && *v >= 0 && *v < 10000 && EvictionConfig::instance().shares_integers();
  }
  info.refcount = shared ? 2147483647 : 1;
  return info;
}

std::optional<std::size_t> op_memory_usage(const Db& db, std::string_view key) {
  const Entry* e = db.peek(key);
  if (!e) return std::nullopt;
  return e->memory_usage() + sizeof(void*);
}

}  // namespace kora::core
