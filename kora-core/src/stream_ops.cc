#include "kora/core/stream_ops.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "kora/core/numbers.h"

namespace kora::core {

namespace {

// Redis's string2ull: string2ll when it parses (negatives rejected), else
// strtoull over the whole (NUL-terminated) string.
std::optional<std::uint64_t> string2ull(const char* s) {
  if (auto v = parse_int64(std::string_view(s))) {
    if (*v < 0) return std::nullopt;
    return static_cast<std::uint64_t>(*v);
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (errno == EINVAL || errno == ERANGE || *s == '\0' || *end != '\0') return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

// The first entry of the stream whether deleted or not; max when empty
// (streamGetEdgeID(s, 1, 0)).
StreamId first_edge(const StreamValue& s) {
  if (s.nodes().empty()) return StreamId::max();
  const auto& [master, node] = *s.nodes().begin();
  stream_node::Reader reader(master, node.data);
  stream_node::Decoded d;
  return reader.next(d) ? d.id : StreamId::max();
}

}  // namespace

std::optional<StreamId> parse_stream_id(std::string_view s, std::uint64_t missing_seq, bool strict,
                                        bool* seq_given) {
  char buf[128];
  if (s.size() > sizeof(buf) - 1) return std::nullopt;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';  // C semantics: the id ends at its first NUL
  if (strict && (buf[0] == '-' || buf[0] == '+') && buf[1] == '\0') return std::nullopt;
  if (seq_given) *seq_given = true;
  if (buf[0] == '-' && buf[1] == '\0') return StreamId{};
  if (buf[0] == '+' && buf[1] == '\0') return StreamId::max();
  char* dash = std::strchr(buf, '-');
  if (dash) *dash = '\0';
  auto ms = string2ull(buf);
  if (!ms) return std::nullopt;
  std::uint64_t seq = missing_seq;
  if (dash) {
    if (seq_given && std::strcmp(dash + 1, "*") == 0) {
      seq = 0;
      *seq_given = false;
    } else {
      auto v = string2ull(dash + 1);
      if (!v) return std::nullopt;
      seq = *v;
    }
  }
  return StreamId{*ms, seq};
}

Result<IntervalId> parse_interval_id(std::string_view s, std::uint64_t missing_seq) {
  IntervalId out;
  out.exclusive = s.size() > 1 && s[0] == '(';
  auto id = out.exclusive ? parse_stream_id(s.substr(1), missing_seq, true)
                          : parse_stream_id(s, missing_seq, false);
  if (!id) return Errc::kStreamInvalidId;
  out.id = *id;
  return out;
}

StreamEntry copy_entry(const StreamEntryView& e) {
  StreamEntry out{e.id, {}};
  out.fv.reserve(e.fields.size() * 2);
  for (const auto& [f, v] : e.fields) {
    out.fv.emplace_back(f);
    out.fv.emplace_back(v);
  }
  return out;
}

Result<const StreamValue*> find_stream(Db& db, std::string_view key, std::int64_t now_ms) {
  auto r = db.find_as<StreamValue>(key, now_ms);
  if (!r.ok()) return r.error();
  return static_cast<const StreamValue*>(*r);
}

Result<XAddResult> op_xadd(Db& db, std::string_view key, const XAddArgs& args,
                           std::span<const std::string_view> fv, std::int64_t now_ms) {
  if (args.id && args.seq_given && *args.id == StreamId{}) return Errc::kStreamIdZero;
  auto found = db.find_as<StreamValue>(key, now_ms);
  if (!found.ok()) return found.error();
  XAddResult out;
  StreamValue* s = *found;
  if (!s) {
    if (args.nomkstream) return out;
    auto created = db.find_or_create_as<StreamValue>(key, now_ms);
    s = *created;
  }
  const StreamId last = s->last_id();
  if (last.is_max()) return Errc::kStreamExhausted;
  StreamId id;
  if (!args.id) {
    const auto ms = static_cast<std::uint64_t>(now_ms);
    if (ms > last.ms) {
      id = StreamId{ms, 0};
    } else {
      id = last;
      id.incr();
    }
  } else if (!args.seq_given) {
    if (last.ms == args.id->ms) {
      // Redis 7.0 fails here without setting errno to EDOM, so it reports
      // the other error of streamAppendItem.
      if (last.seq == UINT64_MAX) return Errc::kStreamTooLarge;
      id = StreamId{last.ms, last.seq + 1};
    } else {
      id = *args.id;
    }
  } else {
    id = *args.id;
  }
  if (id <= last) return Errc::kStreamIdTooSmall;
  s->append(id, fv);
  out.trimmed = s->trim(args.trim);
  out.id = id;
  out.length = s->length();
  out.first_edge = first_edge(*s);
  db.signal_modified(key);
  db.notify(notify::kStream, "xadd", key);
  if (out.trimmed) db.notify(notify::kStream, "xtrim", key);
  return out;
}

Result<std::size_t> op_xlen(Db& db, std::string_view key, std::int64_t now_ms) {
  auto s = find_stream(db, key, now_ms);
  if (!s.ok()) return s.error();
  return *s ? (*s)->length() : std::size_t{0};
}

Result<StreamEntries> op_xrange(Db& db, std::string_view key, StreamId start, StreamId end, bool rev,
                                std::size_t count, std::int64_t now_ms) {
  auto s = find_stream(db, key, now_ms);
  if (!s.ok()) return s.error();
  StreamEntries out;
  if (!*s) return out;
  (*s)->range(start, end, rev, count, [&](const StreamEntryView& e) {
    out.push_back(copy_entry(e));
    return true;
  });
  return out;
}

Result<std::size_t> op_xdel(Db& db, std::string_view key, std::span<const StreamId> ids, std::int64_t now_ms) {
  auto found = db.find_as<StreamValue>(key, now_ms);
  if (!found.ok()) return found.error();
  if (!*found) return std::size_t{0};
  std::size_t deleted = 0;
  for (StreamId id : ids) deleted += (*found)->remove(id) ? 1 : 0;
  if (deleted) {
    db.signal_modified(key);
    db.notify(notify::kStream, "xdel", key);
  }
  return deleted;
}

Result<XTrimResult> op_xtrim(Db& db, std::string_view key, const TrimArgs& args, std::int64_t now_ms) {
  auto found = db.find_as<StreamValue>(key, now_ms);
  if (!found.ok()) return found.error();
  XTrimResult out;
  if (!*found) return out;
  StreamValue& s = **found;
  out.deleted = s.trim(args);
  out.length = s.length();
  out.first_edge = first_edge(s);
  if (out.deleted) {
    db.signal_modified(key);
    db.notify(notify::kStream, "xtrim", key);
  }
  return out;
}

Result<void> op_xsetid(Db& db, std::string_view key, const XSetIdArgs& args, std::int64_t now_ms) {
  auto found = db.find_as<StreamValue>(key, now_ms);
  if (!found.ok()) return found.error();
  if (!*found) return Errc::kNoSuchKey;
  StreamValue& s = **found;
  if (s.length() > 0) {
    if (args.id < s.last_valid_id()) return Errc::kStreamSetIdBelowTop;
    if (args.entries_added != -1 && s.length() > static_cast<std::uint64_t>(args.entries_added)) {
      return Errc::kStreamEntriesAddedBelowLength;
    }
  }
  s.set_last_id(args.id);
  if (args.entries_added != -1) s.set_entries_added(static_cast<std::uint64_t>(args.entries_added));
  if (args.max_deleted != StreamId{}) s.set_max_deleted_id(args.max_deleted);
  db.signal_modified(key);
  db.notify(notify::kStream, "xsetid", key);
  return Ok{};
}

Result<std::optional<StreamEntries>> op_xread(Db& db, std::string_view key, StreamId after, std::size_t count,
                                              std::int64_t now_ms) {
  auto s = find_stream(db, key, now_ms);
  if (!s.ok()) return s.error();
  std::optional<StreamEntries> out;
  if (!*s || (*s)->length() == 0 || (*s)->last_valid_id() <= after) return out;
  StreamId start = after;
  start.incr();
  out.emplace();
  (*s)->range(start, StreamId::max(), false, count, [&](const StreamEntryView& e) {
    out->push_back(copy_entry(e));
    return true;
  });
  return out;
}

}  // namespace kora::core
