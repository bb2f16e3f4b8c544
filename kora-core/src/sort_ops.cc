// SORT (Redis 7.0's sortCommandGeneric), see sort_ops.h.
#include "kora/core/sort_ops.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "kora/core/hash_value.h"
#include "kora/core/list_value.h"
#include "kora/core/set_value.h"
#include "kora/core/zset_value.h"

namespace kora::core {
namespace {

// The text up to the first NUL: what C string functions see of an argument.
std::string_view c_part(std::string_view s) { return s.substr(0, s.find('\0')); }

// Redis's compareStringObjects (binary): memcmp, then the shorter first.
int compare_binary(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// strcoll in the C locale: strcmp of the C strings.
int compare_collate(std::string_view a, std::string_view b) {
  a = c_part(a);
  b = c_part(b);
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

struct Item {
  std::string element;
  double score = 0;
  std::optional<std::string> cmp;  // ALPHA with BY: the BY value
};

// The value a pattern names for `element` (lookupKeyByPattern).
std::optional<std::string> lookup(std::string_view pattern, std::string_view element, const PatternDb& pattern_db,
                                  std::int64_t now_ms) {
  PatternTarget t = resolve_sort_pattern(pattern, element);
  if (t.kind == PatternTarget::kSelf) return std::string(element);
  if (t.kind == PatternTarget::kNone) return std::nullopt;
  Db& db = pattern_db(t.key);
  EntryRef ref = db.find(t.key, now_ms);
  if (!ref) return std::nullopt;
  if (t.field) {
    if (ref->type() != ValueType::kHash) return std::nullopt;
    auto v = ref->as<HashValue>().get(*t.field);
    if (!v) return std::nullopt;
    return std::string(*v);
  }
  if (ref->type() != ValueType::kString) return std::nullopt;
  return std::string(ref->str());
}

// Redis's numeric reading of a sort weight: strtod of the C string, nothing
// left over, no range error, not NaN.
bool to_score(const std::string& s, double* out) {
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

}  // namespace

PatternTarget resolve_sort_pattern(std::string_view pattern, std::string_view element) {
  PatternTarget t;
  if (!pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0')) {
    t.kind = PatternTarget::kSelf;
    return t;
  }
  const std::string_view c = c_part(pattern);
  const std::size_t star = c.find('*');
  if (star == std::string_view::npos) return t;
  std::size_t field_len = 0;
  const std::size_t arrow = c.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < c.size()) {
    field_len = pattern.size() - arrow - 2;
    t.field = std::string(pattern.substr(arrow + 2));
  }
  const std::size_t postfix = pattern.size() - (star + 1) - (field_len ? field_len + 2 : 0);
  t.kind = PatternTarget::kKey;
  t.key.reserve(star + element.size() + postfix);
  t.key.append(pattern.substr(0, star));
  t.key.append(element);
  t.key.append(pattern.substr(star + 1, postfix));
  return t;
}

bool sort_pattern_reads_keys(std::string_view pattern) {
  if (!pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0')) return false;
  return c_part(pattern).find('*') != std::string_view::npos;
}

std::optional<std::string_view> sort_pattern_fixed_tag(std::string_view pattern) {
  const std::string_view prefix = pattern.substr(0, c_part(pattern).find('*'));
  const std::size_t open = prefix.find('{');
  if (open == std::string_view::npos) return std::nullopt;
  const std::size_t close = prefix.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return std::nullopt;
  return prefix.substr(open, close - open + 1);
}

Result<std::vector<std::optional<std::string>>> op_sort(Db& db, std::string_view key, const SortSpec& spec,
                                                        const PatternDb& pattern_db, std::int64_t now_ms) {
  EntryRef ref = db.find(key, now_ms);
  ValueType type = ValueType::kList;
  if (ref) {
    type = ref->type();
    if (type != ValueType::kList && type != ValueType::kSet && type != ValueType::kZSet) return Errc::kWrongType;
  }
  bool dontsort = spec.by && c_part(*spec.by).find('*') == std::string_view::npos;
  bool alpha = spec.alpha;
  std::optional<std::string_view> by = spec.by;
  if (dontsort && type == ValueType::kSet && spec.store) {
    // A set has no order of its own: stored results are sorted ALPHA.
    dontsort = false;
    alpha = true;
    by.reset();
  }
  if (ref && type == ValueType::kZSet) ref->as<ZSetValue>().convert_to_skiplist();

  const auto len = static_cast<std::int64_t>(ref ? ref->object()->size() : 0);
  std::int64_t start = std::min(std::max<std::int64_t>(spec.limit_start, 0), len);
  const std::int64_t count = std::min(std::max<std::int64_t>(spec.limit_count, -1), len);
  std::int64_t end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // Load the elements (copied: pattern lookups may touch this Db).
  std::vector<Item> items;
  const bool ranged = dontsort && (type == ValueType::kList || type == ValueType::kZSet);
  if (ranged) {
    // No sort: only the selected range, in the value's order (DESC backwards).
    if (end >= start && ref) {
      const auto n = static_cast<std::size_t>(end - start + 1);
      items.reserve(n);
      const auto first = static_cast<std::size_t>(spec.desc ? len - start - 1 : start);
      if (type == ValueType::kList) {
        const auto& list = ref->as<ListValue>();
        for (ListValue::Cursor c = list.at(first); c.valid() && items.size() < n; spec.desc ? c.prev() : c.next()) {
          items.push_back(Item{std::string(c.value()), 0, std::nullopt});
        }
      } else {
        ref->as<ZSetValue>().walk(first, spec.desc, [&](const ZItem& it) {
          items.push_back(Item{std::string(it.member), 0, std::nullopt});
          return items.size() < n;
        });
      }
    }
    end -= start;
    start = 0;
  } else if (ref) {
    items.reserve(static_cast<std::size_t>(len));
    if (type == ValueType::kList) {
      for (ListValue::Cursor c = ref->as<ListValue>().front(); c.valid(); c.next()) {
        items.push_back(Item{std::string(c.value()), 0, std::nullopt});
      }
    } else if (type == ValueType::kSet) {
      ref->as<SetValue>().for_each([&](std::string_view m) { items.push_back(Item{std::string(m), 0, std::nullopt}); });
    } else {
      ref->as<ZSetValue>().for_each([&](const ZItem& it) { items.push_back(Item{std::string(it.member), 0, std::nullopt}); });
    }
  }

  bool not_double = false;
  if (!dontsort) {
    for (Item& it : items) {
      std::optional<std::string> byval;
      if (by) {
        byval = lookup(*by, it.element, pattern_db, now_ms);
        if (!byval) continue;
      }
      if (alpha) {
        if (by) it.cmp = std::move(byval);
      } else if (!to_score(by ? *byval : it.element, &it.score)) {
        not_double = true;
      }
    }
    const bool desc = spec.desc;
    const bool binary = spec.store;
    auto cmp = [&](const Item& a, const Item& b) {
      int c;
      if (!alpha) {
        c = a.score > b.score ? 1 : (a.score < b.score ? -1 : compare_binary(a.element, b.element));
      } else if (by) {
        if (!a.cmp || !b.cmp) {
          c = (!a.cmp && !b.cmp) ? 0 : (!a.cmp ? -1 : 1);
        } else {
          c = binary ? compare_binary(*a.cmp, *b.cmp) : compare_collate(*a.cmp, *b.cmp);
        }
      } else {
        c = binary ? compare_binary(a.element, b.element) : compare_collate(a.element, b.element);
      }
      return (desc ? -c : c) < 0;
    };
    std::stable_sort(items.begin(), items.end(), cmp);
  }
  if (not_double) return Errc::kSortNotDouble;

  std::vector<std::optional<std::string>> rows;
  if (end < start) return rows;
  const auto from = static_cast<std::size_t>(start);
  const auto to = static_cast<std::size_t>(end);
  rows.reserve((to - from + 1) * std::max<std::size_t>(1, spec.gets.size()));
  for (std::size_t j = from; j <= to && j < items.size(); ++j) {
    if (spec.gets.empty()) {
      rows.emplace_back(std::move(items[j].element));
      continue;
    }
    for (std::string_view pattern : spec.gets) rows.push_back(lookup(pattern, items[j].element, pattern_db, now_ms));
  }
  return rows;
}

std::size_t op_sort_store(Db& dst, std::string_view dst_key, std::span<const std::optional<std::string>> rows,
                          std::int64_t now_ms) {
  auto list = std::make_unique<ListValue>();
  for (const auto& r : rows) list->push(ListEnd::kTail, r ? std::string_view(*r) : std::string_view());
  const std::size_t n = dst.store_result(dst_key, std::move(list), now_ms);
  if (n > 0) dst.notify(notify::kList, "sortstore", dst_key);
  return n;
}

}  // namespace kora::core
