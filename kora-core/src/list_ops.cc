#include "kora/core/list_ops.h"

#include <limits>

namespace kora::core {
namespace {

// Redis's reading of a possibly negative index into `len` elements.
std::optional<std::size_t> resolve_index(std::int64_t index, std::size_t len) {
  const auto n = static_cast<std::int64_t>(len);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<std::size_t>(index);
}

// Redis's clamp of the inclusive range [start, stop] over `len` elements
// (LRANGE, LTRIM): false when it is empty.
bool resolve_range(std::int64_t start, std::int64_t stop, std::size_t len, std::size_t* first,
                   std::size_t* last) {
  const auto n = static_cast<std::int64_t>(len);
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return false;
  if (stop >= n) stop = n - 1;
  *first = static_cast<std::size_t>(start);
  *last = static_cast<std::size_t>(stop);
  return true;
}

}  // namespace

Result<std::size_t> op_push(Db& db, std::string_view key, ListEnd end,
                            std::span<const std::string_view> values, bool only_if_exists,
                            std::int64_t now_ms) {
  // Nothing to push creates nothing: an empty list is never stored.
  auto found = only_if_exists || values.empty() ? db.find_as<ListValue>(key, now_ms)
                                                : db.find_or_create_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  ListValue* list = *found;
  if (list == nullptr) return std::size_t{0};
  for (std::string_view v : values) list->push(end, v);
  db.signal_modified(key);
  db.notify(notify::kList, end == ListEnd::kHead ? "lpush" : "rpush", key);
  return list->size();
}

Result<std::optional<std::string>> op_pop(Db& db, std::string_view key, ListEnd end,
                                          std::int64_t now_ms) {
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  if (*found == nullptr) return std::optional<std::string>();
  std::optional<std::string> out((*found)->pop(end));
  db.signal_modified(key);
  db.notify(notify::kList, end == ListEnd::kHead ? "lpop" : "rpop", key);
  db.erase_if_empty(key);
  return out;
}

Result<std::optional<std::vector<std::string>>> op_pop_count(Db& db, std::string_view key,
                                                             ListEnd end, std::size_t count,
                                                             std::int64_t now_ms) {
  using Out = std::optional<std::vector<std::string>>;
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  ListValue* list = *found;
  if (list == nullptr) return Out();
  Out out(std::in_place);
  const std::size_t n = std::min(count, list->size());
  out->reserve(n);
  for (std::size_t i = 0; i < n; ++i) out->push_back(list->pop(end));
  if (n > 0) {
    db.signal_modified(key);
    db.notify(notify::kList, end == ListEnd::kHead ? "lpop" : "rpop", key);
  }
  db.erase_if_empty(key);
  return out;
}

Result<std::size_t> op_llen(Db& db, std::string_view key, std::int64_t now_ms) {
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  return *found ? (*found)->size() : 0;
}

Result<std::vector<std::string_view>> op_lrange(Db& db, std::string_view key, std::int64_t start,
                                                std::int64_t stop, std::int64_t now_ms) {
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  std::vector<std::string_view> out;
  std::size_t first, last;
  if (*found == nullptr || !resolve_range(start, stop, (*found)->size(), &first, &last)) return out;
  out.reserve(last - first + 1);
  auto c = (*found)->at(first);
  for (std::size_t i = first; i <= last; ++i, c.next()) out.push_back(c.value());
  return out;
}

Result<std::optional<std::string_view>> op_lindex(Db& db, std::string_view key,
                                                  std::int64_t index, std::int64_t now_ms) {
  using Out = std::optional<std::string_view>;
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  if (*found == nullptr) return Out();
  auto i = resolve_index(index, (*found)->size());
  if (!i) return Out();
  return Out((*found)->at(*i).value());
}

Result<void> op_lset(Db& db, std::string_view key, std::int64_t index, std::string_view value,
                     std::int64_t now_ms) {
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  if (*found == nullptr) return Errc::kNoSuchKey;
  auto i = resolve_index(index, (*found)->size());
  if (!i) return Errc::kIndexOutOfRange;
  (*found)->replace(*i, value);
  db.signal_modified(key);
  db.notify(notify::kList, "lset", key);
  return Ok{};
}

Result<std::int64_t> op_linsert(Db& db, std::string_view key, bool after, std::string_view pivot,
                                std::string_view value, std::int64_t now_ms) {
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  ListValue* list = *found;
  if (list == nullptr) return std::int64_t{0};
  if (!list->insert(pivot, value, after)) return std::int64_t{-1};
  db.signal_modified(key);
  db.notify(notify::kList, "linsert", key);
  return static_cast<std::int64_t>(list->size());
}

Result<std::size_t> op_lrem(Db& db, std::string_view key, std::int64_t count,
                            std::string_view value, std::int64_t now_ms) {
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  if (*found == nullptr) return std::size_t{0};
  // |INT64_MIN| does not fit an int64; any count that large means "all there are".
  const std::size_t limit = count >= 0 ? static_cast<std::size_t>(count)
                                       : static_cast<std::size_t>(-(count + 1)) + 1;
  const std::size_t removed =
      (*found)->remove(value, limit, count >= 0 ? ListEnd::kHead : ListEnd::kTail);
  if (removed > 0) {
    db.signal_modified(key);
    db.notify(notify::kList, "lrem", key);
  }
  db.erase_if_empty(key);
  return removed;
}

Result<void> op_ltrim(Db& db, std::string_view key, std::int64_t start, std::int64_t stop,
                      std::int64_t now_ms) {
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  ListValue* list = *found;
  if (list == nullptr) return Ok{};
  const std::size_t len = list->size();
  std::size_t first, last;
  if (resolve_range(start, stop, len, &first, &last)) {
    list->erase(ListEnd::kTail, len - 1 - last);
    list->erase(ListEnd::kHead, first);
  } else {
    list->erase(ListEnd::kHead, len);
  }
  db.signal_modified(key);
  db.notify(notify::kList, "ltrim", key);
  db.erase_if_empty(key);
  return Ok{};
}

Result<std::vector<std::int64_t>> op_lpos(Db& db, std::string_view key, std::string_view element,
                                          const LposOptions& opts, std::int64_t now_ms) {
  auto found = db.find_as<ListValue>(key, now_ms);
  if (!found.ok()) return found.error();
  std::vector<std::int64_t> out;
  const ListValue* list = *found;
  if (list == nullptr) return out;
  const bool from_tail = opts.rank < 0;
  std::size_t skip = 0;        // matches to pass over before reporting
  std::size_t want = opts.count;
  if (opts.rank == std::numeric_limits<std::int64_t>::min()) {
    want = 0;  // Redis 7.0: -LLONG_MIN overflows, every match qualifies, COUNT never stops it
  } else {
    skip = static_cast<std::size_t>(from_tail ? -opts.rank : opts.rank) - 1;
  }
  const auto last = static_cast<std::int64_t>(list->size()) - 1;
  auto c = from_tail ? list->back() : list->front();
  for (std::size_t i = 0; c.valid() && (opts.maxlen == 0 || i < opts.maxlen); ++i) {
    if (c.value() == element) {
      if (skip > 0) {
        --skip;
      } else {
        out.push_back(from_tail ? last - static_cast<std::int64_t>(i) : static_cast<std::int64_t>(i));
        if (want != 0 && out.size() >= want) break;
      }
    }
    if (from_tail) {
      c.prev();
    } else {
      c.next();
    }
  }
  return out;
}

Result<std::optional<std::string>> op_lmove(Db& src_db, std::string_view src, Db& dst_db,
                                            std::string_view dst, ListEnd from, ListEnd to,
                                            std::int64_t now_ms) {
  auto source = src_db.find_as<ListValue>(src, now_ms);
  if (!source.ok()) return source.error();
  if (*source == nullptr) return std::optional<std::string>();
  auto dest = dst_db.find_as<ListValue>(dst, now_ms);  // the same list when src == dst
  if (!dest.ok()) return dest.error();
  std::string value = (*source)->pop(from);
  ListValue* target = *dest;
  if (target == nullptr) target = *dst_db.find_or_create_as<ListValue>(dst, now_ms);
  target->push(to, value);
  src_db.signal_modified(src);
  dst_db.signal_modified(dst);
  // As Redis: the push on the destination is announced first, then the pop.
  dst_db.notify(notify::kList, to == ListEnd::kHead ? "lpush" : "rpush", dst);
  src_db.notify(notify::kList, from == ListEnd::kHead ? "lpop" : "rpop", src);
  src_db.erase_if_empty(src);
  return std::optional<std::string>(std::move(value));
}

}  // namespace kora::core
