// The RDB codec: primitives against Redis's known values, every type and
// encoding round-tripped through DUMP payloads and snapshot files, and
// corrupt input (every truncation, bit flips, newer versions) refused.

#include <catch2/catch.hpp>

#include <random>
#include <string>

#include "kora/core/db.h"
#include "kora/core/dump.h"
#include "kora/core/hash_value.h"
#include "kora/core/list_value.h"
#include "kora/core/rdb.h"
#include "kora/core/set_value.h"
#include "kora/core/stream_value.h"
#include "kora/core/zset_value.h"
#include "rdb_codec.h"

using namespace kora::core;

namespace {

// One Db holding a value of every type and encoding.
void fill(Db& db) {
  auto str = [&](std::string_view k, std::string_view v) {
    EntryRef r = db.find_or_create(k, 0, nullptr);
    db.set_string(r, v);
  };
  str("s:int", "12345");
  str("s:neg", "-2147483648");
  str("s:big", "9223372036854775807");
  str("s:text", "hello world");
  str("s:long", std::string(5000, 'x'));
  str("s:empty", "");
  {
    auto list = std::make_unique<ListValue>();
    for (int i = 0; i < 3000; ++i) list->push(ListEnd::kTail, "e" + std::to_string(i) + std::string(i % 40, 'p'));
    list->push(ListEnd::kTail, "-70000");
    db.set_object(db.find_or_create("l", 0, nullptr), std::move(list));
  }
  {
    auto set = std::make_unique<SetValue>();
    for (int i = -5; i < 100; ++i) set->add(std::to_string(i * 1000));
    db.set_object(db.find_or_create("set:intset", 0, nullptr), std::move(set));
    auto ht = std::make_unique<SetValue>();
    for (int i = 0; i < 40; ++i) ht->add("m" + std::to_string(i));
    db.set_object(db.find_or_create("set:ht", 0, nullptr), std::move(ht));
  }
  {
    auto lp = std::make_unique<HashValue>();
    std::string_view a[] = {"f", "v"};
    lp->prepare_write(a);
    lp->set("f", "v");
    lp->set("n", "-99");
    db.set_object(db.find_or_create("h:lp", 0, nullptr), std::move(lp));
    auto ht = std::make_unique<HashValue>();
    for (int i = 0; i < 600; ++i) {
      std::string f = "field" + std::to_string(i), v = std::to_string(i);
      std::string_view args[] = {f, v};
      ht->prepare_write(args);
      ht->set(f, v);
    }
    db.set_object(db.find_or_create("h:ht", 0, nullptr), std::move(ht));
  }
  {
    auto lp = std::make_unique<ZSetValue>(false);
    lp->append_sorted("c", -3);
    lp->append_sorted("a", 1);
    lp->append_sorted("b", 2.5);
    lp->append_sorted("i", INFINITY);
    db.set_object(db.find_or_create("z:lp", 0, nullptr), std::move(lp));
    auto sl = std::make_unique<ZSetValue>(true);
    for (int i = 0; i < 300; ++i) sl->append_sorted("m" + std::to_string(1000 + i), i * 0.5);
    db.set_object(db.find_or_create("z:sl", 0, nullptr), std::move(sl));
  }
  {
    auto s = std::make_unique<StreamValue>();
    for (std::uint64_t i = 1; i <= 250; ++i) {
      std::string v = std::to_string(i);
      std::vector<std::string_view> fv = {"f", v};
      if (i % 5 == 0) fv = {"g", v, "h", "x"};
      s->append(StreamId{i, i % 4}, fv);
    }
    s->remove(StreamId{3, 3});
    StreamGroup g;
    g.last_id = StreamId{10, 2};
    g.entries_read = 10;
    g.pel[StreamId{4, 0}] = StreamNack{1234, 2, "alice"};
    g.pel[StreamId{5, 1}] = StreamNack{5678, 1, "bob"};
    g.consumers["alice"].seen_time = 111;
    g.consumers["alice"].pel.insert(StreamId{4, 0});
    g.consumers["bob"].seen_time = 222;
    g.consumers["bob"].pel.insert(StreamId{5, 1});
    g.consumers["carol"].seen_time = 333;
    s->groups().emplace("g1", std::move(g));
    s->groups().emplace("g2", StreamGroup{});
    db.set_object(db.find_or_create("st", 0, nullptr), std::move(s));
  }
  db.set_expire(db.find("s:text", 0), 4102444800000);
}

// Everything observable of a value, as text.
std::string describe(const Entry& e) {
  std::string out(type_name(e.type()));
  out += '/';
  if (e.type() == ValueType::kString) return out + std::string(e.str());
  out += std::string(e.object()->encoding()) + '/';
  switch (e.type()) {
    case ValueType::kList:
      for (auto c = e.as<ListValue>().front(); c.valid(); c.next()) out += std::string(c.value()) + ',';
      break;
    case ValueType::kSet: {
      auto m = e.as<SetValue>().members();
      std::sort(m.begin(), m.end());
      for (auto& s : m) out += s + ',';
      break;
    }
    case ValueType::kHash: {
      std::vector<std::string> f;
      for (auto it = e.as<HashValue>().begin(); it != e.as<HashValue>().end(); ++it) {
        f.push_back(std::string((*it).field) + '=' + std::string((*it).value));
      }
      std::sort(f.begin(), f.end());
      for (auto& s : f) out += s + ',';
      break;
    }
    case ValueType::kZSet:
      e.as<ZSetValue>().for_each([&](const ZItem& it) { out += std::string(it.member) + ':' + std::to_string(it.score) + ','; });
      break;
    case ValueType::kStream: {
      const auto& s = e.as<StreamValue>();
      out += std::to_string(s.length()) + ' ' + s.last_id().str() + ' ' + s.max_deleted_id().str() + ' ' +
             std::to_string(s.entries_added()) + ' ' + s.first_id().str() + '/';
      s.range(StreamId{}, StreamId::max(), false, 0, [&](const StreamEntryView& v) {
        out += v.id.str();
        for (auto& [f, x] : v.fields) out += ' ' + std::string(f) + '=' + std::string(x);
        out += ',';
        return true;
      });
      for (const auto& [name, g] : s.groups()) {
        out += name + ' ' + g.last_id.str() + ' ' + std::to_string(g.entries_read) + ':';
        for (const auto& [id, n] : g.pel) {
          out += id.str() + ' ' + n.consumer + ' ' + std::to_string(n.delivery_time) + ' ' +
                 std::to_string(n.delivery_count) + ';';
        }
        for (const auto& [c, st] : g.consumers) out += c + ' ' + std::to_string(st.seen_time) + ' ' + std::to_string(st.pel.size()) + ';';
      }
      break;
    }
    default:
      break;
  }
  return out;
}

}  // namespace

TEST_CASE("rdb primitives match Redis's", "[rdb]") {
  CHECK(rdb::crc64(0, "123456789") == 0xe9c6d914c4b8d9caULL);
  // A listpack of every integer width and string header, decoded back.
  rdb::ListpackWriter w;
  const std::vector<std::string> items = {"0", "127", "128", "-1", "-4096", "4095", "4096", "-32768", "32767",
                                          "8388607", "-8388608", "2147483647", "-2147483648", "9223372036854775807",
                                          "-9223372036854775808", "01", "-0", "+1", "", std::string(63, 'a'),
                                          std::string(64, 'b'), std::string(4095, 'c'), std::string(4096, 'd'),
                                          std::string(70000, 'e')};
  for (const auto& s : items) w.append(s);
  const std::string lp = w.finish();
  auto back = rdb::decode_listpack(lp);
  REQUIRE(back);
  REQUIRE(back->size() == items.size());
  for (std::size_t i = 0; i < items.size(); ++i) CHECK((*back)[i].str() == items[i]);
  CHECK((*back)[15].is_int == false);  // "01" is not canonical
  // Redis's own bytes: DUMP of SET k 12345 (INT16) and of "hello".
  CHECK(rdb::lzf_decompress(std::string("\x01" "ab" "\x20\x01", 5), 5) == std::string("ababa"));
  std::string out;
  rdb::put_string(out, "12345");
  CHECK(out == std::string("\xc1\x39\x30", 3));
}

TEST_CASE("DUMP payloads round-trip every type and encoding", "[rdb]") {
  Db src, dst;
  fill(src);
  src.for_each(0, [&](std::string_view key, const Entry& e) {
    const std::string payload = dump_payload(e);
    auto v = parse_payload(payload);
    REQUIRE(v.ok());
    store_restored(dst, key, std::move(*v), e.expire_at_ms(), 0);
    CHECK(describe(*dst.find(key, 0).entry) == describe(e));
    // Every truncation and a flipped bit are refused (checksum), and a body
    // that passes the checksum but is cut is "Bad data format".
    for (std::size_t n = 0; n < payload.size() && n < 300; ++n) {
      CHECK_FALSE(parse_payload(std::string_view(payload).substr(0, n)).ok());
    }
    std::string flipped = payload;
    flipped[payload.size() / 2] ^= 0x10;
    CHECK(parse_payload(flipped).code() == Errc::kDumpPayload);
  });
  CHECK(dst.size() == src.size());
  // A newer RDB version is refused with the same error as Redis.
  std::string p = dump_payload(*src.find("s:int", 0).entry);
  p[p.size() - 10] = 11;
  CHECK(parse_payload(p).code() == Errc::kDumpPayload);
}

TEST_CASE("payloads whose value does not parse are Bad data format", "[rdb]") {
  auto framed = [](std::string body) {
    body.push_back(10);
    body.push_back(0);
    const std::uint64_t crc = rdb::crc64(0, body);
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(crc >> (8 * i)));
    return body;
  };
  CHECK(parse_payload(framed(std::string("\x08\x01x", 3))).code() == Errc::kBadDataFormat);   // type 8
  CHECK(parse_payload(framed(std::string("\x02\x00", 2))).code() == Errc::kBadDataFormat);    // empty set
  CHECK(parse_payload(framed(std::string("\x00\x05hel", 5))).code() == Errc::kBadDataFormat); // short string
  CHECK(parse_payload(framed(std::string("\x0b\x04\x02\x00\x00\x00", 6))).code() == Errc::kBadDataFormat);
  CHECK(parse_payload(framed(std::string("\x00\x05hello", 7))).ok());
}

TEST_CASE("snapshot files round-trip and refuse corruption", "[rdb]") {
  Db src;
  fill(src);
  std::string file;
  rdb::append_header(file, rdb::FileInfo{});
  rdb::append_select_db(file, 3, src.size(), src.expires_count());
  src.for_each(0, [&](std::string_view, const Entry& e) { rdb::append_key(file, e); });
  rdb::append_footer(file, rdb::crc64(0, file));

  rdb::FileReader reader(file);
  REQUIRE(reader.open());
  rdb::LoadedKey k;
  std::size_t n = 0;
  while (reader.next(k)) {
    ++n;
    CHECK(k.db == 3);
    const Entry* e = src.peek(k.key);
    REQUIRE(e);
    CHECK(k.expire_at_ms == e->expire_at_ms());
    Db one;
    store_restored(one, k.key, std::move(k.value), 0, 0);
    CHECK(describe(*one.find(k.key, 0).entry) == describe(*e));
  }
  CHECK(reader.error().empty());
  CHECK(n == src.size());
  CHECK(reader.aux().at("redis-ver") == "7.0.15");

  // Every truncation of the file: an error and no key at all.
  for (std::size_t cut = 0; cut < file.size(); cut += (cut < 4096 ? 1 : 97)) {
    rdb::FileReader r(std::string_view(file).substr(0, cut));
    rdb::LoadedKey x;
    bool any = r.open() && r.next(x);
    CHECK_FALSE(any);
  }
  // Bit flips anywhere: refused by the checksum before any key.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string bad = file;
    bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
    rdb::FileReader r(bad);
    rdb::LoadedKey x;
    CHECK_FALSE((r.open() && r.next(x)));
  }
  // Without a checksum (zeroed, as Redis with rdbchecksum no), corrupt records
  // are still refused by the parser, never a crash.
  for (int i = 0; i < 2000; ++i) {
    std::string bad = file;
    for (int b = 0; b < 8; ++b) bad[bad.size() - 1 - static_cast<std::size_t>(b)] = 0;
    bad[9 + rng() % (bad.size() - 17)] = static_cast<char>(rng());
    rdb::FileReader r(bad);
    rdb::LoadedKey x;
    if (!r.open()) continue;
    while (r.next(x)) {
    }
  }
  // A newer version: a clear error.
  std::string newer = file;
  newer[8] = '1';
  rdb::FileReader r(newer);
  CHECK_FALSE(r.open());
  CHECK(r.error() == "Can't handle RDB format version 11");
}
