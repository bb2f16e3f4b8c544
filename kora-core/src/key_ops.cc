#include "kora/core/key_ops.h"

#include "kora/core/glob.h"

namespace kora::core {

bool op_del(Db& db, std::string_view key, std::int64_t now_ms) {
  // An expired key counts as absent, so look it up (removing it) before erasing.
  return db.find(key, now_ms) && db.erase(key);
}

bool op_exists(Db& db, std::string_view key, std::int64_t now_ms) {
  return static_cast<bool>(db.find(key, now_ms));
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
  if (at_ms <= now_ms) {
    db.erase(key);
  } else {
    db.set_expire(ref, at_ms);
  }
  return true;
}

std::int64_t op_pttl(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref) return -2;
  if (ref->expire_at_ms() == 0) return -1;
  return ref->expire_at_ms() - now_ms;
}

bool op_persist(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  if (!ref || ref->expire_at_ms() == 0) return false;
  db.set_expire(ref, 0);
  return true;
}

std::string_view op_type(Db& db, std::string_view key, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
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
