// Loading RDB values (kora/core/rdb.h): every object encoding Redis 7.0 loads,
// validated, into Kora's value types.

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "kora/core/hash_value.h"
#include "kora/core/list_value.h"
#include "kora/core/rdb.h"
#include "kora/core/set_value.h"
#include "kora/core/stream_value.h"
#include "kora/core/type_registry.h"
#include "kora/core/zset_value.h"
#include "rdb_codec.h"
#include "rdb_value.h"

namespace kora::core::rdb {
namespace {

// Every element of a container is at least one byte: a count larger than the
// bytes left is corrupt (and must not drive a reserve()).
bool plausible(const Input& in, std::uint64_t n) { return n <= in.remaining(); }

LoadStatus bad(std::string* why, const char* what) {
  if (why) *why = what;
  return LoadStatus::kBad;
}

// Strings of a flattened container (listpack/ziplist/zipmap) or plain RDB strings.
using Strings = std::vector<std::string>;

std::optional<Strings> element_strings(const std::optional<std::vector<Element>>& elems) {
  if (!elems) return std::nullopt;
  Strings out;
  out.reserve(elems->size());
  for (const auto& e : *elems) out.push_back(e.str());
  return out;
}

std::optional<Strings> container(std::uint8_t type, Input& in) {
  auto blob = in.string();
  if (!blob) return std::nullopt;
  switch (type) {
    case kTypeHashZipmap: {
      auto v = decode_zipmap(*blob);
      if (!v) return std::nullopt;
      return Strings(v->begin(), v->end());
    }
    case kTypeListZiplist:
    case kTypeZSetZiplist:
    case kTypeHashZiplist:
      return element_strings(decode_ziplist(*blob));
    default:
      return element_strings(decode_listpack(*blob));
  }
}

std::unique_ptr<Object> build_hash(const Strings& fv) {
  if (fv.size() % 2) return nullptr;
  auto hash = std::make_unique<HashValue>();
  for (std::size_t i = 0; i < fv.size(); i += 2) {
    std::string_view args[] = {fv[i], fv[i + 1]};
    hash->prepare_write(args);
    if (!hash->set(fv[i], fv[i + 1])) return nullptr;  // a duplicate field
  }
  return hash;
}

// Sorted sets: validates (no NaN, distinct members), sorts, then takes the
// encoding Redis 7.0's loader gives: a listpack stays one unless it has more
// entries than zset-max-listpack-entries; a skiplist becomes a listpack when
// it fits both limits.
std::unique_ptr<Object> build_zset(std::vector<std::pair<std::string, double>>& items, bool from_listpack) {
  std::unordered_set<std::string_view> seen;
  for (const auto& [m, s] : items) {
    if (std::isnan(s) || !seen.insert(m).second) return nullptr;
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && compare_members(a.first, b.first) < 0);
  });
  auto z = std::make_unique<ZSetValue>(/*skiplist=*/!from_listpack);
  for (const auto& [m, s] : items) z->append_sorted(m, s);
  const auto max_entries = EncodingLimits::instance().zset_max_listpack_entries.load(std::memory_order_relaxed);
  if (from_listpack && static_cast<std::int64_t>(items.size()) > max_entries) z->convert_to_skiplist();
  if (!from_listpack) z->convert_to_listpack_if_fits();
  return z;
}

std::optional<StreamId> raw_stream_id(std::string_view s) {
  if (s.size() != 16) return std::nullopt;
  StreamId id;
  for (int i = 0; i < 8; ++i) id.ms = id.ms << 8 | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
  for (int i = 8; i < 16; ++i) id.seq = id.seq << 8 | static_cast<unsigned char>(s[static_cast<std::size_t>(i)]);
  return id;
}

// Appends the entries of one Redis stream listpack to `s` (deleted ones skipped).
bool load_stream_listpack(StreamId master, const std::vector<Element>& lp, StreamValue& s, StreamId* prev,
                          bool* any) {
  auto integer = [&](std::size_t i, std::int64_t& v) {
    if (i >= lp.size() || !lp[i].is_int) return false;
    v = lp[i].i;
    return true;
  };
  std::int64_t count, deleted, nmaster, zero;
  if (!integer(0, count) || !integer(1, deleted) || !integer(2, nmaster) || count < 0 || deleted < 0 ||
      nmaster < 0 || static_cast<std::uint64_t>(nmaster) > lp.size()) {
    return false;
  }
  std::size_t i = 3;
  std::vector<std::string> master_fields;
  for (std::int64_t k = 0; k < nmaster; ++k, ++i) {
    if (i >= lp.size()) return false;
    master_fields.push_back(lp[i].str());
  }
  if (!integer(i++, zero) || zero != 0) return false;
  std::vector<std::string> strs;
  std::vector<std::string_view> fv;
  for (std::int64_t e = 0; e < count + deleted; ++e) {
    std::int64_t flags, dms, dseq, nfields = nmaster, lp_count;
    if (!integer(i, flags) || !integer(i + 1, dms) || !integer(i + 2, dseq)) return false;
    i += 3;
    const bool same = flags & 2;
    strs.clear();
    if (!same) {
      if (!integer(i++, nfields) || nfields <= 0 || static_cast<std::uint64_t>(nfields) > lp.size()) return false;
      for (std::int64_t k = 0; k < 2 * nfields; ++k, ++i) {
        if (i >= lp.size()) return false;
        strs.push_back(lp[i].str());
      }
    } else {
      if (nmaster <= 0) return false;
      for (std::int64_t k = 0; k < nfields; ++k, ++i) {
        if (i >= lp.size()) return false;
        strs.push_back(master_fields[static_cast<std::size_t>(k)]);
        strs.push_back(lp[i].str());
      }
    }
    if (!integer(i++, lp_count) || lp_count != (same ? nfields + 3 : 2 * nfields + 4)) return false;
    StreamId id{master.ms + static_cast<std::uint64_t>(dms), master.seq + static_cast<std::uint64_t>(dseq)};
    if (*any && id <= *prev) return false;
    *prev = id;
    *any = true;
    if (flags & 1) continue;
    fv.assign(strs.begin(), strs.end());
    s.append(id, fv);
  }
  return i == lp.size();
}

LoadStatus load_stream(std::uint8_t type, Input& in, RestoredValue& out, std::string* why) {
  auto s = std::make_unique<StreamValue>();
  auto nodes = in.len();
  if (!nodes || !plausible(in, *nodes)) return bad(why, "stream node count");
  StreamId prev{};
  bool any = false;
  for (std::uint64_t n = 0; n < *nodes; ++n) {
    auto key = in.string();
    auto blob = key ? in.string() : std::nullopt;
    if (!blob) return bad(why, "stream node");
    auto master = raw_stream_id(*key);
    auto lp = decode_listpack(*blob);
    if (!master || !lp || lp->empty()) return bad(why, "stream listpack");
    if (!load_stream_listpack(*master, *lp, *s, &prev, &any)) return bad(why, "stream listpack entries");
  }
  auto length = in.len();
  auto last_ms = in.len(), last_seq = in.len();
  StreamId first{}, max_deleted{};
  std::optional<std::uint64_t> added;
  if (type == kTypeStreamListpacks2) {
    auto fms = in.len(), fseq = in.len(), dms = in.len(), dseq = in.len();
    added = in.len();
    if (!added) return bad(why, "stream metadata");
    first = {*fms, *fseq};
    max_deleted = {*dms, *dseq};
  }
  if (!in.ok() || *length != s->length()) return bad(why, "stream length");
  const StreamId last{*last_ms, *last_seq};
  if (any && prev > last) return bad(why, "stream last id");
  s->set_last_id(last);
  s->set_max_deleted_id(max_deleted);
  s->set_entries_added(added ? *added : s->length());
  (void)first;  // recomputed from the entries
  auto ngroups = in.len();
  if (!ngroups || !plausible(in, *ngroups)) return bad(why, "stream groups");
  for (std::uint64_t g = 0; g < *ngroups; ++g) {
    auto name = in.string();
    auto gms = in.len(), gseq = in.len();
    if (!gseq) return bad(why, "stream group");
    StreamGroup group;
    group.last_id = {*gms, *gseq};
    if (type == kTypeStreamListpacks2) {
      auto read = in.len();
      if (!read) return bad(why, "stream group entries-read");
      group.entries_read = static_cast<std::int64_t>(*read);
    } else {
      group.entries_read = s->estimate_entries_read(group);
    }
    auto npel = in.len();
    if (!npel || !plausible(in, *npel)) return bad(why, "stream PEL");
    for (std::uint64_t p = 0; p < *npel; ++p) {
      auto raw = in.raw(16);
      auto time = raw ? in.u64le() : std::nullopt;
      auto count = time ? in.len() : std::nullopt;
      if (!count) return bad(why, "stream PEL entry");
      StreamNack nack;
      nack.delivery_time = static_cast<std::int64_t>(*time);
      nack.delivery_count = *count;
      if (!group.pel.emplace(*raw_stream_id(*raw), std::move(nack)).second) return bad(why, "duplicate PEL entry");
    }
    auto nconsumers = in.len();
    if (!nconsumers || !plausible(in, *nconsumers)) return bad(why, "stream consumers");
    for (std::uint64_t c = 0; c < *nconsumers; ++c) {
      auto cname = in.string();
      auto seen = cname ? in.u64le() : std::nullopt;
      auto n = seen ? in.len() : std::nullopt;
      if (!n || !plausible(in, *n)) return bad(why, "stream consumer");
      auto [it, fresh] = group.consumers.try_emplace(*cname);
      if (!fresh) return bad(why, "duplicate stream consumer");
      it->second.seen_time = static_cast<std::int64_t>(*seen);
      for (std::uint64_t p = 0; p < *n; ++p) {
        auto raw = in.raw(16);
        if (!raw) return bad(why, "consumer PEL entry");
        const StreamId id = *raw_stream_id(*raw);
        auto nack = group.pel.find(id);
        // Each pending id belongs to exactly one consumer of its group.
        if (nack == group.pel.end() || !nack->second.consumer.empty()) return bad(why, "consumer PEL entry");
        nack->second.consumer = *cname;
        it->second.pel.insert(id);
      }
    }
    for (const auto& [id, nack] : group.pel) {
      if (nack.consumer.empty()) return bad(why, "PEL entry without consumer");
    }
    if (!name || !s->groups().emplace(std::move(*name), std::move(group)).second) return bad(why, "stream group");
  }
  out.type = ValueType::kStream;
  out.object = std::move(s);
  return LoadStatus::kOk;
}

LoadStatus load_module(Input& in, RestoredValue& out, std::string* why) {
  auto id = in.len();
  if (!id) return bad(why, "module id");
  auto type = module_type_for_id(*id);
  const TypeInfo* info = type ? TypeRegistry::instance().find(*type) : nullptr;
  if (!info || !info->deserialize) {
    if (why) *why = "no matching module type '" + module_name_of(*id) + "'";
    return LoadStatus::kBad;
  }
  auto op = in.len();
  auto body = op && *op == 5 ? in.string() : std::nullopt;
  auto eof = body ? in.len() : std::nullopt;
  if (!eof || *eof != 0) return bad(why, "module value");
  out.type = *type;
  out.object = info->deserialize(*body);
  return out.object ? LoadStatus::kOk : bad(why, "module value");
}

}  // namespace

LoadStatus load_value(std::uint8_t type, Input& in, RestoredValue& out, std::string* why) {
  out = RestoredValue{};
  switch (type) {
    case kTypeString: {
      auto s = in.string();
      if (!s) return bad(why, "string");
      out.type = ValueType::kString;
      out.str = std::move(*s);
      return LoadStatus::kOk;
    }
    case kTypeList:
    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2: {
      auto list = std::make_unique<ListValue>();
      if (type == kTypeListZiplist) {
        auto items = container(type, in);
        if (!items) return bad(why, "list ziplist");
        for (const auto& v : *items) list->push(ListEnd::kTail, v);
      } else {
        auto n = in.len();
        if (!n || !plausible(in, *n)) return bad(why, "list length");
        for (std::uint64_t i = 0; i < *n; ++i) {
          if (type == kTypeList) {
            auto v = in.string();
            if (!v) return bad(why, "list element");
            list->push(ListEnd::kTail, *v);
            continue;
          }
          std::uint64_t container_kind = 2;
          if (type == kTypeListQuicklist2) {
            auto c = in.len();
            if (!c || (*c != 1 && *c != 2)) return bad(why, "quicklist container");
            container_kind = *c;
          }
          if (container_kind == 1) {  // PLAIN: one element
            auto v = in.string();
            if (!v) return bad(why, "quicklist plain node");
            list->push(ListEnd::kTail, *v);
            continue;
          }
          auto blob = in.string();
          if (!blob) return bad(why, "quicklist node");
          auto elems = type == kTypeListQuicklist ? decode_ziplist(*blob) : decode_listpack(*blob);
          // Redis 7.0 rejects an empty node too (lpSafeToAdd / empty ziplist).
          if (!elems || elems->empty()) return bad(why, "quicklist node");
          for (const auto& e : *elems) list->push(ListEnd::kTail, e.str());
        }
      }
      if (list->size() == 0) return LoadStatus::kEmpty;
      out.type = ValueType::kList;
      out.object = std::move(list);
      return LoadStatus::kOk;
    }
    case kTypeSet:
    case kTypeSetIntset:
    case kTypeSetListpack: {
      auto set = std::make_unique<SetValue>();
      if (type == kTypeSetIntset) {
        auto blob = in.string();
        auto ints = blob ? decode_intset(*blob) : std::nullopt;
        if (!ints) return bad(why, "intset");
        for (std::int64_t v : *ints) set->add_integer(v);
      } else if (type == kTypeSetListpack) {
        auto items = container(type, in);
        if (!items) return bad(why, "set listpack");
        for (const auto& v : *items) {
          if (!set->add(v)) return bad(why, "duplicate set member");
        }
      } else {
        auto n = in.len();
        if (!n || !plausible(in, *n)) return bad(why, "set length");
        for (std::uint64_t i = 0; i < *n; ++i) {
          auto v = in.string();
          if (!v) return bad(why, "set member");
          if (!set->add(*v)) return bad(why, "duplicate set member");
        }
      }
      if (set->size() == 0) return LoadStatus::kEmpty;
      out.type = ValueType::kSet;
      out.object = std::move(set);
      return LoadStatus::kOk;
    }
    case kTypeHash:
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack: {
      Strings fv;
      if (type == kTypeHash) {
        auto n = in.len();
        if (!n || !plausible(in, *n)) return bad(why, "hash length");
        fv.reserve(2 * *n);
        for (std::uint64_t i = 0; i < 2 * *n; ++i) {
          auto v = in.string();
          if (!v) return bad(why, "hash field");
          fv.push_back(std::move(*v));
        }
      } else {
        auto items = container(type, in);
        if (!items) return bad(why, "hash container");
        fv = std::move(*items);
      }
      if (fv.empty()) return in.ok() ? LoadStatus::kEmpty : bad(why, "hash");
      out.object = build_hash(fv);
      if (!out.object) return bad(why, "hash duplicate field");
      out.type = ValueType::kHash;
      return LoadStatus::kOk;
    }
    case kTypeZSet:
    case kTypeZSet2:
    case kTypeZSetZiplist:
    case kTypeZSetListpack: {
      std::vector<std::pair<std::string, double>> items;
      if (type == kTypeZSet || type == kTypeZSet2) {
        auto n = in.len();
        if (!n || !plausible(in, *n)) return bad(why, "zset length");
        items.reserve(*n);
        for (std::uint64_t i = 0; i < *n; ++i) {
          auto m = in.string();
          auto s = !m ? std::nullopt : type == kTypeZSet2 ? in.binary_double() : in.text_double();
          if (!s) return bad(why, "zset element");
          items.emplace_back(std::move(*m), *s);
        }
      } else {
        auto blob = in.string();
        auto elems = !blob ? std::nullopt : type == kTypeZSetZiplist ? decode_ziplist(*blob) : decode_listpack(*blob);
        if (!elems || elems->size() % 2) return bad(why, "zset container");
        for (std::size_t i = 0; i < elems->size(); i += 2) {
          const Element& sc = (*elems)[i + 1];
          double score;
          if (sc.is_int) {
            score = static_cast<double>(sc.i);
          } else {
            std::string txt(sc.s);
            char* end = nullptr;
            score = std::strtod(txt.c_str(), &end);
            if (txt.empty() || end != txt.c_str() + txt.size()) return bad(why, "zset score");
          }
          items.emplace_back((*elems)[i].str(), score);
        }
      }
      if (items.empty()) return LoadStatus::kEmpty;
      out.object = build_zset(items, type == kTypeZSetZiplist || type == kTypeZSetListpack);
      if (!out.object) return bad(why, "zset element");
      out.type = ValueType::kZSet;
      return LoadStatus::kOk;
    }
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
      return load_stream(type, in, out, why);
    case kTypeModule2:
      return load_module(in, out, why);
    default:
      return bad(why, "unknown object type");
  }
}

Result<RestoredValue> read_value(std::string_view& bytes) {
  Input in(bytes);
  auto type = in.byte();
  RestoredValue v;
  if (!type || load_value(*type, in, v, nullptr) != LoadStatus::kOk) return Errc::kBadDataFormat;
  bytes.remove_prefix(in.offset());
  return v;
}

}  // namespace kora::core::rdb
