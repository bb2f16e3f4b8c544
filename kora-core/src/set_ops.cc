#include "kora/core/set_ops.h"

#include <algorithm>
#include <random>
#include <unordered_set>

#include "kora/core/glob.h"

namespace kora::core {
namespace {

// SPOP and SRANDMEMBER switch strategies at these ratios, as Redis does
// (SPOP_MOVE_STRATEGY_MUL, SRANDMEMBER_SUB_STRATEGY_MUL).
constexpr std::uint64_t kSpopMoveStrategyMul = 5;
constexpr std::uint64_t kSrandmemberSubStrategyMul = 3;

// Replies are never pre-sized beyond this many elements (a huge negative
// SRANDMEMBER count grows the vector as it goes).
constexpr std::uint64_t kMaxReserve = 1u << 16;

std::mt19937_64& rng() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

// One member while iterating a set: its text, and its value when the set is an
// intset (so intset-to-intset algebra never parses or formats).
struct Member {
  std::string_view str;
  bool is_int = false;
  std::int64_t v = 0;
};

// Calls fn(const Member&) for every member of `s` in set order; fn returns false
// to stop.
template <typename F>
void for_each_member(const SetValue& s, F&& fn) {
  if (s.is_intset()) {
    const IntSet& ints = s.ints();
    std::string buf;
    for (std::size_t i = 0; i < ints.size(); ++i) {
      Member m;
      m.is_int = true;
      m.v = ints.at(i);
      buf.clear();
      append_int64(buf, m.v);
      m.str = buf;
      if (!fn(m)) return;
    }
  } else {
    s.for_each([&](std::string_view str) { return fn(Member{str, false, 0}); });
  }
}

bool member_of(const SetValue& s, const Member& m) {
  if (m.is_int && s.is_intset()) return s.ints().contains(m.v);
  return s.contains(m.str);
}

bool add_member(SetValue& s, const Member& m) { return m.is_int ? s.add_integer(m.v) : s.add(m.str); }

// Looks up every key, in order; a missing key gives nullptr. The first key of
// another type (even after a missing one) fails the whole call, as in Redis 7.0.
Result<std::vector<const SetValue*>> lookup_all(std::span<const SetKey> keys, std::int64_t now_ms) {
  std::vector<const SetValue*> sets;
  sets.reserve(keys.size());
  for (const SetKey& k : keys) {
    auto r = k.db->find_as<SetValue>(k.key, now_ms);
    if (!r.ok()) return r.error();
    sets.push_back(*r);
  }
  return sets;
}

// Redis's sinterGenericCommand: iterate the smallest set (ties keep argument
// order, as glibc's merge-sort qsort does) and keep the members every other set
// holds. emit(const Member&) returns false to stop. Precondition: no nullptr.
template <typename Emit>
void intersect(std::vector<const SetValue*> sets, Emit&& emit) {
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
  const SetValue* first = sets[0];
  for_each_member(*first, [&](const Member& m) {
    for (std::size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] == first) continue;
      if (!member_of(*sets[j], m)) return true;
    }
    return emit(m);
  });
}

SetValue union_of(const std::vector<const SetValue*>& sets) {
  SetValue out;
  for (const SetValue* s : sets) {
    if (!s) continue;
    for_each_member(*s, [&](const Member& m) {
      add_member(out, m);
      return true;
    });
  }
  return out;
}

// Redis's two SDIFF algorithms, chosen by the same cost estimate (the choice
// decides the result's encoding, hence its order).
SetValue diff_of(const std::vector<const SetValue*>& sets) {
  SetValue out;
  const SetValue* first = sets[0];
  if (!first) return out;
  for (std::size_t j = 1; j < sets.size(); ++j) {
    if (sets[j] == first) return out;  // the same key again: empty result
  }
  std::uint64_t algo_one = 0, algo_two = 0;
  for (const SetValue* s : sets) {
    if (!s) continue;
    algo_one += first->size();
    algo_two += s->size();
  }
  algo_one /= 2;
  if (algo_one <= algo_two) {
    // 1: each member of the first set not held by any other.
    for_each_member(*first, [&](const Member& m) {
      for (std::size_t j = 1; j < sets.size(); ++j) {
        if (sets[j] && member_of(*sets[j], m)) return true;
      }
      add_member(out, m);
      return true;
    });
    return out;
  }
  // 2: copy the first set, then remove the members of the others.
  for (std::size_t j = 0; j < sets.size(); ++j) {
    if (!sets[j]) continue;
    for_each_member(*sets[j], [&](const Member& m) {
      if (j == 0) {
        add_member(out, m);
      } else {
        out.remove(m.str);
      }
      return true;
    });
    if (out.size() == 0) break;
  }
  return out;
}

// The *STORE epilogue (Db::store_result), announcing `event` when it stored
// a set ("del" comes from the Db when an empty result removed the key).
std::size_t store(SetKey dst, SetValue&& result, std::int64_t now_ms, std::string_view event) {
  const std::size_t n = dst.db->store_result(dst.key, std::make_unique<SetValue>(std::move(result)), now_ms);
  if (n > 0) dst.db->notify(notify::kSet, event, dst.key);
  return n;
}

}  // namespace

Result<std::size_t> op_sadd(Db& db, std::string_view key, std::span<const std::string_view> members,
                            std::int64_t now_ms) {
  auto r = db.find_or_create_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  std::size_t added = 0;
  for (std::string_view m : members) added += (*r)->add(m) ? 1 : 0;
  if (added > 0) {
    db.signal_modified(key);
    db.notify(notify::kSet, "sadd", key);
  }
  return added;
}

Result<std::size_t> op_srem(Db& db, std::string_view key, std::span<const std::string_view> members,
                            std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  SetValue* set = *r;
  if (!set) return std::size_t{0};
  std::size_t removed = 0;
  for (std::string_view m : members) {
    if (set->remove(m)) ++removed;
    if (set->size() == 0) break;
  }
  if (removed > 0) {
    db.signal_modified(key);
    db.notify(notify::kSet, "srem", key);
  }
  db.erase_if_empty(key);
  return removed;
}

Result<bool> op_sismember(Db& db, std::string_view key, std::string_view member, std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  return *r != nullptr && (*r)->contains(member);
}

Result<std::vector<bool>> op_smismember(Db& db, std::string_view key,
                                        std::span<const std::string_view> members, std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  std::vector<bool> out(members.size(), false);
  if (*r) {
    for (std::size_t i = 0; i < members.size(); ++i) out[i] = (*r)->contains(members[i]);
  }
  return out;
}

Result<std::size_t> op_scard(Db& db, std::string_view key, std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  return *r ? (*r)->size() : std::size_t{0};
}

Result<std::vector<std::string>> op_smembers(Db& db, std::string_view key, std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  if (!*r) return std::vector<std::string>();
  return (*r)->members();
}

Result<std::optional<std::string>> op_spop(Db& db, std::string_view key, std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  SetValue* set = *r;
  if (!set) return std::optional<std::string>();
  std::string m = set->random_member(rng());
  set->remove(m);
  db.signal_modified(key);
  db.notify(notify::kSet, "spop", key);
  db.erase_if_empty(key);
  return std::optional<std::string>(std::move(m));
}

Result<std::vector<std::string>> op_spop_count(Db& db, std::string_view key, std::uint64_t count,
                                               std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  SetValue* set = *r;
  std::vector<std::string> out;
  if (!set || count == 0) return out;
  const std::uint64_t size = set->size();
  db.notify(notify::kSet, "spop", key);
  if (count >= size) {
    // The whole set, then the key goes.
    out = set->members();
    db.erase(key);
    return out;
  }
  const std::uint64_t remaining = size - count;
  if (remaining * kSpopMoveStrategyMul > count) {
    // Few to pop: draw them one by one.
    out.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      out.push_back(set->random_member(rng()));
      set->remove(out.back());
    }
    db.signal_modified(key);
    return out;
  }
  // Most of the set goes: draw the members that stay into a new set (which may
  // be an intset again, as in Redis), return what is left of the old one.
  SetValue kept;
  for (std::uint64_t i = 0; i < remaining; ++i) {
    std::string m = set->random_member(rng());
    kept.add(m);
    set->remove(m);
  }
  out = set->members();
  *set = std::move(kept);
  db.signal_modified(key);
  return out;
}

Result<std::optional<std::string>> op_srandmember(Db& db, std::string_view key, std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  if (!*r) return std::optional<std::string>();
  return std::optional<std::string>((*r)->random_member(rng()));
}

Result<std::vector<std::string>> op_srandmember_count(Db& db, std::string_view key, std::int64_t count,
                                                      std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  const SetValue* set = *r;
  std::vector<std::string> out;
  if (!set || count == 0 || count == INT64_MIN) return out;
  const bool unique = count > 0;
  const auto n = static_cast<std::uint64_t>(unique ? count : -count);
  const std::uint64_t size = set->size();
  if (!unique || n == 1) {
    // Independent draws, repeats allowed.
    out.reserve(std::min(n, kMaxReserve));
    for (std::uint64_t i = 0; i < n; ++i) out.push_back(set->random_member(rng()));
    return out;
  }
  if (n >= size) return set->members();
  if (n * kSrandmemberSubStrategyMul > size) {
    // Most of the set: a partial Fisher-Yates shuffle of all members.
    out = set->members();
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uniform_int_distribution<std::uint64_t> pick(i, size - 1);
      std::swap(out[i], out[pick(rng())]);
    }
    out.resize(n);
    return out;
  }
  // A small part: draw until n distinct members.
  std::unordered_set<std::string> seen;
  out.reserve(n);
  while (out.size() < n) {
    std::string m = set->random_member(rng());
    if (seen.insert(m).second) out.push_back(std::move(m));
  }
  return out;
}

Result<bool> op_smove(SetKey src, SetKey dst, std::string_view member, std::int64_t now_ms) {
  auto s = src.db->find_as<SetValue>(src.key, now_ms);
  if (!s.ok()) return s.error();
  if (!*s) return false;
  auto d = dst.db->find_as<SetValue>(dst.key, now_ms);
  if (!d.ok()) return d.error();
  if (*s == *d) return (*s)->contains(member);
  if (!(*s)->remove(member)) return false;
  src.db->signal_modified(src.key);
  src.db->notify(notify::kSet, "srem", src.key);
  src.db->erase_if_empty(src.key);
  SetValue* target = *d;
  if (!target) {
    auto created = dst.db->find_or_create_as<SetValue>(dst.key, now_ms);
    if (!created.ok()) return created.error();
    target = *created;
  }
  // As Redis: the destination counts as touched (WATCH, the feed) only when
  // the member was new to it.
  if (target->add(member)) {
    dst.db->signal_modified(dst.key);
    dst.db->notify(notify::kSet, "sadd", dst.key);
  }
  return true;
}

Result<std::vector<std::string>> op_sinter(std::span<const SetKey> keys, std::int64_t now_ms) {
  auto sets = lookup_all(keys, now_ms);
  if (!sets.ok()) return sets.error();
  std::vector<std::string> out;
  if (std::find(sets->begin(), sets->end(), nullptr) != sets->end()) return out;
  intersect(*sets, [&](const Member& m) {
    out.emplace_back(m.str);
    return true;
  });
  return out;
}

Result<std::size_t> op_sintercard(std::span<const SetKey> keys, std::uint64_t limit, std::int64_t now_ms) {
  auto sets = lookup_all(keys, now_ms);
  if (!sets.ok()) return sets.error();
  std::size_t n = 0;
  if (std::find(sets->begin(), sets->end(), nullptr) != sets->end()) return n;
  intersect(*sets, [&](const Member&) {
    ++n;
    return limit == 0 || n < limit;
  });
  return n;
}

Result<std::size_t> op_sinterstore(SetKey dst, std::span<const SetKey> keys, std::int64_t now_ms) {
  auto sets = lookup_all(keys, now_ms);
  if (!sets.ok()) return sets.error();
  SetValue result;
  if (std::find(sets->begin(), sets->end(), nullptr) == sets->end()) {
    intersect(*sets, [&](const Member& m) {
      add_member(result, m);
      return true;
    });
  }
  return store(dst, std::move(result), now_ms, "sinterstore");
}

Result<std::vector<std::string>> op_sunion(std::span<const SetKey> keys, std::int64_t now_ms) {
  auto sets = lookup_all(keys, now_ms);
  if (!sets.ok()) return sets.error();
  return union_of(*sets).members();
}

Result<std::size_t> op_sunionstore(SetKey dst, std::span<const SetKey> keys, std::int64_t now_ms) {
  auto sets = lookup_all(keys, now_ms);
  if (!sets.ok()) return sets.error();
  return store(dst, union_of(*sets), now_ms, "sunionstore");
}

Result<std::vector<std::string>> op_sdiff(std::span<const SetKey> keys, std::int64_t now_ms) {
  auto sets = lookup_all(keys, now_ms);
  if (!sets.ok()) return sets.error();
  return diff_of(*sets).members();
}

Result<std::size_t> op_sdiffstore(SetKey dst, std::span<const SetKey> keys, std::int64_t now_ms) {
  auto sets = lookup_all(keys, now_ms);
  if (!sets.ok()) return sets.error();
  return store(dst, diff_of(*sets), now_ms, "sdiffstore");
}

Result<SetScanPage> op_sscan(Db& db, std::string_view key, std::uint64_t /*cursor*/,
                             std::optional<std::string_view> pattern, std::int64_t now_ms) {
  auto r = db.find_as<SetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  SetScanPage page;
  if (!*r) return page;
  // MATCH * filters nothing (Redis skips matching for it too).
  if (pattern && *pattern == "*") pattern.reset();
  page.members.reserve(pattern ? 0 : (*r)->size());
  (*r)->for_each([&](std::string_view m) {
    if (!pattern || glob_match(*pattern, m)) page.members.emplace_back(m);
  });
  return page;
}

}  // namespace kora::core
