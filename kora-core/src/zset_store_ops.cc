// ZUNION / ZINTER / ZDIFF (and their STORE forms) and ZINTERCARD: Redis's
// zunionInterDiffGenericCommand over sorted sets and plain sets.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "kora/core/set_value.h"
#include "kora/core/zset_ops.h"

namespace kora::core {
namespace {

// One input: a sorted set, a set (every member scores 1), or nothing.
struct Source {
  const ZSetValue* z = nullptr;
  const SetValue* s = nullptr;
  double weight = 1;

  std::size_t size() const { return z ? z->size() : (s ? s->size() : 0); }
  bool find(std::string_view member, double* score) const {
    if (z) {
      auto v = z->score(member);
      if (!v) return false;
      *score = *v;
      return true;
    }
    if (s && s->contains(member)) {
      *score = 1;
      return true;
    }
    return false;
  }
  template <typename F>
  void for_each(F&& fn) const {
    if (z) {
      z->walk(0, false, [&](const ZItem& it) { return fn(it.member, it.score); });
    } else if (s) {
      s->for_each([&](std::string_view m) { return fn(m, 1.0); });
    }
  }
};

Result<std::vector<Source>> lookup(std::span<const ZKey> keys, std::int64_t now_ms) {
  std::vector<Source> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EntryRef ref = keys[i].db->find(keys[i].key, now_ms);
    if (!ref) continue;
    if (ref->type() == ValueType::kZSet) {
      out[i].z = &ref->as<ZSetValue>();
    } else if (ref->type() == ValueType::kSet) {
      out[i].s = &ref->as<SetValue>();
    } else {
      return Errc::kWrongType;
    }
  }
  return out;
}

void aggregate(double* target, double v, ZAggregate how) {
  switch (how) {
    case ZAggregate::kSum:
      *target += v;
      if (std::isnan(*target)) *target = 0;  // inf + -inf
      break;
    case ZAggregate::kMin:
      *target = v < *target ? v : *target;
      break;
    case ZAggregate::kMax:
      *target = v > *target ? v : *target;
      break;
  }
}

double weighted(double score, double weight) {
  double v = score * weight;
  return std::isnan(v) ? 0 : v;
}

bool by_score(const ScoredMember& a, const ScoredMember& b) {
  return a.score < b.score || (a.score == b.score && compare_members(a.member, b.member) < 0);
}

// Calls emit(member, score) for each element of the result, in no order;
// emit returns false to stop.
template <typename Emit>
void compute(std::vector<Source> src, const ZAlgebra& how, Emit&& emit) {
  for (std::size_t i = 0; i < src.size() && i < how.weights.size(); ++i) src[i].weight = how.weights[i];
  if (how.op != ZSetOp::kDiff) {
    // Smallest first (the order Redis aggregates in, which decides rounding).
    std::stable_sort(src.begin(), src.end(), [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }
  if (src.empty() || (how.op != ZSetOp::kUnion && src[0].size() == 0)) return;
  switch (how.op) {
    case ZSetOp::kInter:
      src[0].for_each([&](std::string_view m, double s0) {
        double score = weighted(s0, src[0].weight);
        for (std::size_t j = 1; j < src.size(); ++j) {
          double v;
          if (!src[j].find(m, &v)) return true;
          aggregate(&score, v * src[j].weight, how.aggregate);
        }
        return emit(m, score);
      });
      break;
    case ZSetOp::kUnion: {
      std::unordered_map<std::string, double> acc;
      acc.reserve(src.back().size());
      for (const Source& s : src) {
        s.for_each([&](std::string_view m, double v) {
          double score = weighted(v, s.weight);
          auto [it, fresh] = acc.try_emplace(std::string(m), score);
          if (!fresh) aggregate(&it->second, score, how.aggregate);
          return true;
        });
      }
      for (const auto& [m, score] : acc) {
        if (!emit(m, score)) break;
      }
      break;
    }
    case ZSetOp::kDiff:
      src[0].for_each([&](std::string_view m, double s0) {
        double v;
        for (std::size_t j = 1; j < src.size(); ++j) {
          if (src[j].find(m, &v)) return true;
        }
        return emit(m, s0);
      });
      break;
  }
}

std::vector<ScoredMember> run(std::vector<Source> src, const ZAlgebra& how) {
  std::vector<ScoredMember> out;
  compute(std::move(src), how, [&](std::string_view m, double score) {
    out.push_back(ScoredMember{std::string(m), score});
    return true;
  });
  std::sort(out.begin(), out.end(), by_score);
  return out;
}

}  // namespace

Result<std::vector<ScoredMember>> op_zalgebra(std::span<const ZKey> keys, const ZAlgebra& how, std::int64_t now_ms) {
  auto src = lookup(keys, now_ms);
  if (!src.ok()) return src.error();
  return run(std::move(*src), how);
}

Result<std::size_t> op_zalgebrastore(ZKey dst, std::span<const ZKey> keys, const ZAlgebra& how, std::int64_t now_ms) {
  auto src = lookup(keys, now_ms);
  if (!src.ok()) return src.error();
  std::vector<ScoredMember> items = run(std::move(*src), how);
  const std::size_t n = dst.db->store_result(dst.key, ZSetValue::from_sorted(views_of(items)), now_ms);
  if (n > 0) {
    dst.db->notify(notify::kZset,
                   how.op == ZSetOp::kUnion   ? "zunionstore"
                   : how.op == ZSetOp::kInter ? "zinterstore"
                                              : "zdiffstore",
                   dst.key);
  }
  return n;
}

Result<bool> op_zalgebra_types(std::span<const ZKey> keys, std::int64_t now_ms) {
  auto src = lookup(keys, now_ms);
  if (!src.ok()) return src.error();
  return true;
}

Result<std::size_t> op_zintercard(std::span<const ZKey> keys, std::uint64_t limit, std::int64_t now_ms) {
  auto src = lookup(keys, now_ms);
  if (!src.ok()) return src.error();
  std::uint64_t n = 0;
  ZAlgebra how;
  how.op = ZSetOp::kInter;
  compute(std::move(*src), how, [&](std::string_view, double) {
    ++n;
    return limit == 0 || n < limit;
  });
  return static_cast<std::size_t>(n);
}

}  // namespace kora::core
