#include "kora/core/zset_ops.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "kora/core/glob.h"
#include "kora/core/numbers.h"

namespace kora::core {
namespace {

// ZRANDMEMBER switches to "copy and remove" above this ratio of count to size,
// as Redis does (ZRANDMEMBER_SUB_STRATEGY_MUL).
constexpr std::uint64_t kRandSubStrategyMul = 3;
constexpr std::uint64_t kMaxReserve = 1u << 16;

std::mt19937_64& rng() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

// strtod over a C copy of `s` (which ends at its first NUL, as Redis's
// arguments do for strtod).
double c_strtod(const std::string& s, const char** end) {
  char* e = nullptr;
  double v = std::strtod(s.c_str(), &e);
  *end = e;
  return v;
}

bool parse_score_bound(std::string_view arg, double* v, bool* ex) {
  std::string s(arg);
  const char* start = s.c_str();
  *ex = false;
  if (!s.empty() && s[0] == '(') {
    *ex = true;
    ++start;
  }
  char* end = nullptr;
  *v = std::strtod(start, &end);
  return *end == '\0' && !std::isnan(*v);
}

bool parse_lex_bound(std::string_view arg, LexBound* b) {
  const char c0 = arg.empty() ? '\0' : arg[0];
  const char c1 = arg.size() > 1 ? arg[1] : '\0';
  switch (c0) {
    case '+':
      if (c1 != '\0') return false;
      b->kind = LexBound::kPlusInf;
      b->exclusive = true;
      return true;
    case '-':
      if (c1 != '\0') return false;
      b->kind = LexBound::kMinusInf;
      b->exclusive = true;
      return true;
    case '(':
    case '[':
      b->kind = LexBound::kValue;
      b->exclusive = c0 == '(';
      b->value.assign(arg.substr(1));
      return true;
    default:
      return false;
  }
}

std::vector<ScoredMember> collect(const ZSetValue& z, std::size_t start, bool reverse, std::size_t count) {
  std::vector<ScoredMember> out;
  out.reserve(std::min<std::size_t>(count, kMaxReserve));
  if (count == 0) return out;
  z.walk(start, reverse, [&](const ZItem& it) {
    out.push_back(ScoredMember{std::string(it.member), it.score});
    return out.size() < count;
  });
  return out;
}

}  // namespace

std::vector<ZItem> views_of(const std::vector<ScoredMember>& items) {
  std::vector<ZItem> out;
  out.reserve(items.size());
  for (const auto& it : items) out.push_back(ZItem{it.member, it.score});
  return out;
}

namespace {

// The elements of `z` that `spec` selects, in reply order.
std::vector<ScoredMember> select(const ZSetValue& z, const ZRangeSpec& spec) {
  const auto len = static_cast<std::int64_t>(z.size());
  if (spec.by == ZRangeBy::kRank) {
    std::int64_t start = spec.start, end = spec.end;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return {};
    if (end >= len) end = len - 1;
    const auto count = static_cast<std::size_t>(end - start + 1);
    const auto first = static_cast<std::size_t>(spec.reverse ? len - 1 - start : start);
    return collect(z, first, spec.reverse, count);
  }
  if (spec.offset > 0 && spec.offset >= len) return {};
  std::optional<std::size_t> first;
  if (spec.by == ZRangeBy::kScore) {
    first = spec.reverse ? z.last_in(spec.score) : z.first_in(spec.score);
  } else {
    first = spec.reverse ? z.last_in(spec.lex) : z.first_in(spec.lex);
  }
  // A negative offset walks off the end in Redis: nothing is returned.
  if (!first || spec.offset < 0) return {};
  std::int64_t at = static_cast<std::int64_t>(*first) + (spec.reverse ? -spec.offset : spec.offset);
  if (at < 0 || at >= len) return {};
  std::vector<ScoredMember> out;
  std::int64_t limit = spec.limit;
  if (limit == 0) return out;
  z.walk(static_cast<std::size_t>(at), spec.reverse, [&](const ZItem& it) {
    bool inside;
    if (spec.by == ZRangeBy::kScore) {
      inside = spec.reverse ? spec.score.above_min(it.score) : spec.score.below_max(it.score);
    } else {
      inside = spec.reverse ? spec.lex.above_min(it.member) : spec.lex.below_max(it.member);
    }
    if (!inside) return false;
    out.push_back(ScoredMember{std::string(it.member), it.score});
    return --limit != 0;
  });
  return out;
}

}  // namespace

// --- parsing ---------------------------------------------------------------------

Result<double> parse_score(std::string_view s) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return Errc::kNotFloat;
  std::string copy(s);
  errno = 0;
  const char* end = nullptr;
  double v = c_strtod(copy, &end);
  if (static_cast<std::size_t>(end - copy.c_str()) != s.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) || std::isnan(v)) {
    return Errc::kNotFloat;
  }
  return v;
}

Result<ScoreRange> parse_score_range(std::string_view min, std::string_view max) {
  ScoreRange r;
  if (!parse_score_bound(min, &r.min, &r.minex) || !parse_score_bound(max, &r.max, &r.maxex)) {
    return Errc::kMinMaxNotFloat;
  }
  return r;
}

Result<LexRange> parse_lex_range(std::string_view min, std::string_view max) {
  LexRange r;
  if (!parse_lex_bound(min, &r.min) || !parse_lex_bound(max, &r.max)) return Errc::kMinMaxNotString;
  return r;
}

std::string format_score_d2string(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  constexpr double kHalf = static_cast<double>(LLONG_MAX / 2);
  if (v >= -kHalf && v <= kHalf) {
    auto ll = static_cast<long long>(v);
    if (static_cast<double>(ll) == v) {
      std::string out;
      append_int64(out, ll);
      return out;
    }
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::string(buf, static_cast<std::size_t>(n));
}

// --- single-key operations ----------------------------------------------------------

Result<ZAddResult> op_zadd(Db& db, std::string_view key, const ZAddOptions& opts,
                           std::span<const std::pair<double, std::string_view>> pairs, std::int64_t now_ms) {
  ZAddResult res;
  auto found = db.find_as<ZSetValue>(key, now_ms);
  if (!found.ok()) return found.error();
  ZSetValue* z = *found;
  if (!z) {
    if (opts.flags & ZSetValue::kXx) return res;
    EntryRef ref = db.find_or_create(key, now_ms, nullptr);
    db.set_object(ref, ZSetValue::for_first_member(pairs.empty() ? 0 : pairs[0].second.size()));
    z = &ref->as<ZSetValue>();
  }
  std::optional<Error> failed;
  for (const auto& [score, member] : pairs) {
    double new_score = score;
    int out = z->add(member, score, opts.flags, &new_score);
    if (out & ZSetValue::kNan) {
      failed = Error::of(Errc::kZsetNan);
      break;
    }
    if (out & ZSetValue::kAdded) ++res.added;
    if (out & ZSetValue::kUpdated) ++res.updated;
    if (!(out & ZSetValue::kNop)) ++res.processed;
    res.score = new_score;
  }
  if (res.added || res.updated) {
    db.signal_modified(key);
    db.notify(notify::kZset, (opts.flags & ZSetValue::kIncr) ? "zincr" : "zadd", key);
  }
  if (failed) return *failed;
  return res;
}

Result<std::size_t> op_zrem(Db& db, std::string_view key, std::span<const std::string_view> members,
                            std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  ZSetValue* z = *r;
  if (!z) return std::size_t{0};
  std::size_t removed = 0;
  for (std::string_view m : members) {
    if (z->remove(m)) ++removed;
    if (z->size() == 0) break;
  }
  if (removed > 0) {
    db.signal_modified(key);
    db.notify(notify::kZset, "zrem", key);
  }
  db.erase_if_empty(key);
  return removed;
}

Result<std::size_t> op_zcard(Db& db, std::string_view key, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  return *r ? (*r)->size() : std::size_t{0};
}

Result<std::optional<double>> op_zscore(Db& db, std::string_view key, std::string_view member, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  if (!*r) return std::optional<double>();
  return (*r)->score(member);
}

Result<std::vector<std::optional<double>>> op_zmscore(Db& db, std::string_view key,
                                                     std::span<const std::string_view> members, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  std::vector<std::optional<double>> out(members.size());
  if (*r) {
    for (std::size_t i = 0; i < members.size(); ++i) out[i] = (*r)->score(members[i]);
  }
  return out;
}

Result<std::optional<std::size_t>> op_zrank(Db& db, std::string_view key, std::string_view member, bool reverse,
                                            std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  if (!*r) return std::optional<std::size_t>();
  auto rank = (*r)->rank(member);
  if (rank && reverse) *rank = (*r)->size() - 1 - *rank;
  return rank;
}

Result<std::vector<ScoredMember>> op_zrange(Db& db, std::string_view key, const ZRangeSpec& spec, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  if (!*r) return std::vector<ScoredMember>();
  return select(**r, spec);
}

Result<std::size_t> op_zrangestore(ZKey dst, ZKey src, const ZRangeSpec& spec, std::int64_t now_ms) {
  auto r = src.db->find_as<ZSetValue>(src.key, now_ms);
  if (!r.ok()) return r.error();
  std::vector<ScoredMember> items;
  if (*r) items = select(**r, spec);
  // In reply order: descending for REV.
  if (spec.reverse) std::reverse(items.begin(), items.end());
  const std::size_t n = dst.db->store_result(dst.key, ZSetValue::from_sorted(views_of(items)), now_ms);
  if (n > 0) dst.db->notify(notify::kZset, "zrangestore", dst.key);
  return n;
}

Result<std::size_t> op_zcount(Db& db, std::string_view key, const ScoreRange& range, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  if (!*r) return std::size_t{0};
  auto first = (*r)->first_in(range);
  if (!first) return std::size_t{0};
  auto last = (*r)->last_in(range);
  return last && *last >= *first ? *last - *first + 1 : std::size_t{0};
}

Result<std::size_t> op_zlexcount(Db& db, std::string_view key, const LexRange& range, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  const ZSetValue* z = *r;
  if (!z) return std::size_t{0};
  auto first = z->first_in(range);
  if (!first) return std::size_t{0};
  if (!z->is_listpack()) {
    auto last = z->last_in(range);
    return last && *last >= *first ? *last - *first + 1 : std::size_t{0};
  }
  // A listpack counts forward from the first while inside (zzl walk).
  std::size_t n = 0;
  z->walk(*first, false, [&](const ZItem& it) {
    if (!range.below_max(it.member)) return false;
    ++n;
    return true;
  });
  return n;
}

Result<std::size_t> op_zremrange(Db& db, std::string_view key, const ZRangeSpec& spec, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  ZSetValue* z = *r;
  if (!z) return std::size_t{0};
  const auto len = static_cast<std::int64_t>(z->size());
  std::size_t from = 0, count = 0;
  if (spec.by == ZRangeBy::kRank) {
    std::int64_t start = spec.start, end = spec.end;
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return std::size_t{0};
    if (end >= len) end = len - 1;
    from = static_cast<std::size_t>(start);
    count = static_cast<std::size_t>(end - start + 1);
  } else {
    auto first = spec.by == ZRangeBy::kScore ? z->first_in(spec.score) : z->first_in(spec.lex);
    if (!first) return std::size_t{0};
    from = *first;
    z->walk(from, false, [&](const ZItem& it) {
      bool inside = spec.by == ZRangeBy::kScore ? spec.score.below_max(it.score) : spec.lex.below_max(it.member);
      if (inside) ++count;
      return inside;
    });
  }
  if (count == 0) return std::size_t{0};
  z->erase_ranks(from, from + count - 1);
  db.signal_modified(key);
  db.notify(notify::kZset,
            spec.by == ZRangeBy::kRank    ? "zremrangebyrank"
            : spec.by == ZRangeBy::kScore ? "zremrangebyscore"
                                          : "zremrangebylex",
            key);
  db.erase_if_empty(key);
  return count;
}

Result<std::optional<std::vector<ScoredMember>>> op_zpop(Db& db, std::string_view key, bool max, std::size_t count,
                                                         std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  ZSetValue* z = *r;
  if (!z) return std::optional<std::vector<ScoredMember>>();
  const std::size_t n = std::min(count, z->size());
  std::vector<ScoredMember> out = collect(*z, max ? z->size() - 1 : 0, max, n);
  if (n > 0) {
    if (max) {
      z->erase_ranks(z->size() - n, z->size() - 1);
    } else {
      z->erase_ranks(0, n - 1);
    }
    db.signal_modified(key);
    db.notify(notify::kZset, max ? "zpopmax" : "zpopmin", key);
    db.erase_if_empty(key);
  }
  return std::optional<std::vector<ScoredMember>>(std::move(out));
}

Result<std::optional<std::string>> op_zrandmember(Db& db, std::string_view key, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  if (!*r) return std::optional<std::string>();
  return std::optional<std::string>(std::string((*r)->random(rng()).member));
}

Result<std::vector<ScoredMember>> op_zrandmember_count(Db& db, std::string_view key, std::int64_t count,
                                                       std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  const ZSetValue* z = *r;
  std::vector<ScoredMember> out;
  if (!z || count == 0) return out;
  const std::uint64_t size = z->size();
  if (count < 0) {
    // With repetition: every draw uniform over the ranks.
    const auto n = static_cast<std::uint64_t>(-count);
    out.reserve(std::min(n, kMaxReserve));
    for (std::uint64_t i = 0; i < n; ++i) {
      ZItem it = z->random(rng());
      out.push_back(ScoredMember{std::string(it.member), it.score});
    }
    return out;
  }
  const auto n = static_cast<std::uint64_t>(count);
  if (n >= size) return collect(*z, size - 1, true, size);  // Redis's zui iterator walks from the tail
  // Distinct members: a uniform sample of ranks. Few: draw and reject
  // duplicates; many: Fisher-Yates over all ranks.
  std::vector<std::size_t> ranks;
  if (n * kRandSubStrategyMul > size) {
    ranks.resize(size);
    for (std::size_t i = 0; i < size; ++i) ranks[i] = i;
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t j = std::uniform_int_distribution<std::size_t>(i, size - 1)(rng());
      std::swap(ranks[i], ranks[j]);
    }
    ranks.resize(n);
  } else {
    std::unordered_set<std::size_t> seen;
    while (ranks.size() < n) {
      std::size_t k = std::uniform_int_distribution<std::size_t>(0, size - 1)(rng());
      if (seen.insert(k).second) ranks.push_back(k);
    }
  }
  out.reserve(ranks.size());
  for (std::size_t k : ranks) {
    ZItem it = z->at(k);
    out.push_back(ScoredMember{std::string(it.member), it.score});
  }
  return out;
}

Result<ZScanPage> op_zscan(Db& db, std::string_view key, std::optional<std::string_view> pattern, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  ZScanPage page;
  const ZSetValue* z = *r;
  if (!z) return page;
  if (pattern && *pattern == "*") pattern.reset();
  const bool listpack = z->is_listpack();
  z->for_each([&](const ZItem& it) {
    if (pattern && !glob_match(*pattern, it.member)) return;
    std::string score;
    if (listpack) {
      score = format_score_d2string(it.score);
    } else {
      char buf[64];
      int len = std::isinf(it.score) ? std::snprintf(buf, sizeof buf, "%s", it.score > 0 ? "inf" : "-inf")
                                     : std::snprintf(buf, sizeof buf, "%.17Lg", static_cast<long double>(it.score));
      score.assign(buf, static_cast<std::size_t>(len));
    }
    page.items.emplace_back(std::string(it.member), std::move(score));
  });
  return page;
}

}  // namespace kora::core
