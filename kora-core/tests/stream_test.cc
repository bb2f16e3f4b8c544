// Unit tests of the stream family: StreamValue's node storage (delta-encoded
// ids, shared master fields, node limits, deletion, trimming), the id parser,
// the DUMP serializer, and the ops of stream_ops.h and stream_group_ops.h.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kora/core/dump.h"
#include "kora/core/stream_group_ops.h"
#include "kora/core/stream_ops.h"
#include "kora/core/stream_value.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

using Strings = std::vector<std::string>;

// Restores the node limits a test changed.
struct LimitsGuard {
  std::int64_t bytes = EncodingLimits::instance().stream_node_max_bytes.load();
  std::int64_t entries = EncodingLimits::instance().stream_node_max_entries.load();
  ~LimitsGuard() {
    EncodingLimits::instance().stream_node_max_bytes = bytes;
    EncodingLimits::instance().stream_node_max_entries = entries;
  }
};

StreamId id(std::uint64_t ms, std::uint64_t seq = 0) { return StreamId{ms, seq}; }

void add(StreamValue& s, StreamId i, const Strings& fv) {
  std::vector<std::string_view> v(fv.begin(), fv.end());
  s.append(i, v);
}

std::vector<StreamId> ids(const StreamValue& s, bool rev = false) {
  std::vector<StreamId> out;
  s.range(StreamId{}, StreamId::max(), rev, 0, [&](const StreamEntryView& e) {
    out.push_back(e.id);
    return true;
  });
  return out;
}

XAddResult xadd(Db& db, std::string_view key, std::optional<StreamId> i, const Strings& fv,
                TrimArgs trim = {}) {
  XAddArgs a;
  a.id = i;
  a.trim = trim;
  std::vector<std::string_view> v(fv.begin(), fv.end());
  auto r = op_xadd(db, key, a, v, kNow);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("stream ids parse as Redis's streamGenericParseIDOrReply", "[stream]") {
  CHECK(parse_stream_id("1-2", 0, true) == id(1, 2));
  CHECK(parse_stream_id("5", 7, true) == id(5, 7));
  CHECK(parse_stream_id("-", 0, false) == id(0, 0));
  CHECK(parse_stream_id("+", 0, false) == StreamId::max());
  CHECK_FALSE(parse_stream_id("-", 0, true));
  CHECK_FALSE(parse_stream_id("+", 0, true));
  CHECK_FALSE(parse_stream_id("abc", 0, true));
  CHECK_FALSE(parse_stream_id("-1", 0, true));
  CHECK_FALSE(parse_stream_id("1-2-3", 0, true));
  CHECK_FALSE(parse_stream_id("", 0, true));
  CHECK_FALSE(parse_stream_id("18446744073709551616", 0, true));
  CHECK(parse_stream_id("18446744073709551615-18446744073709551615", 0, true) == StreamId::max());
  // string2ull falls back to strtoull: leading zeros and '+' are accepted.
  CHECK(parse_stream_id("007-01", 0, true) == id(7, 1));
  CHECK(parse_stream_id("+3", 0, true) == id(3, 0));
  bool seq_given = true;
  CHECK(parse_stream_id("9-*", 0, true, &seq_given) == id(9, 0));
  CHECK_FALSE(seq_given);
  CHECK_FALSE(parse_stream_id("9-*", 0, true));  // only XADD takes <ms>-*
  CHECK_FALSE(parse_stream_id(std::string(128, '1'), 0, true));
  auto ex = parse_interval_id("(5-1", 0);
  REQUIRE(ex.ok());
  CHECK(ex->exclusive);
  CHECK(ex->id == id(5, 1));
  CHECK_FALSE(parse_interval_id("(-", 0).ok());
}

TEST_CASE("StreamId increments and decrements across the seq boundary", "[stream]") {
  StreamId a{1, UINT64_MAX};
  REQUIRE(a.incr());
  CHECK(a == id(2, 0));
  REQUIRE(a.decr());
  CHECK(a == StreamId{1, UINT64_MAX});
  StreamId m = StreamId::max();
  CHECK_FALSE(m.incr());
  StreamId z{};
  CHECK_FALSE(z.decr());
  CHECK(id(3, 4).str() == "3-4");
}

TEST_CASE("entries live in nodes bounded by stream-node-max-entries and -bytes", "[stream]") {
  LimitsGuard guard;
  EncodingLimits::instance().stream_node_max_entries = 3;
  StreamValue s;
  for (std::uint64_t i = 1; i <= 10; ++i) add(s, id(i), {"f", std::to_string(i)});
  CHECK(s.length() == 10);
  CHECK(s.node_count() == 4);
  CHECK(s.nodes().begin()->first == id(1));
  EncodingLimits::instance().stream_node_max_entries = 100;
  EncodingLimits::instance().stream_node_max_bytes = 64;
  StreamValue b;
  for (std::uint64_t i = 1; i <= 10; ++i) add(b, id(i), {"field", std::string(20, 'x')});
  CHECK(b.node_count() > 3);
  for (const auto& [master, node] : b.nodes()) CHECK(node.data.size() < 64 + 40);
}

TEST_CASE("entries with the master's field names store only their values", "[stream]") {
  StreamValue same, differ;
  for (std::uint64_t i = 1; i <= 50; ++i) {
    add(same, id(1000, i), {"temperature", "20", "humidity", "50"});
    add(differ, id(1000, i), {i % 2 ? "temperature" : "pressure", "20", "humidity", "50"});
  }
  const auto bytes = [](const StreamValue& s) { return s.nodes().begin()->second.data.size(); };
  // Per entry: flags, ms delta, seq delta and two length-prefixed 2-byte values.
  CHECK(bytes(same) <= 50 * 9 + 40);
  CHECK(bytes(differ) > bytes(same) + 25 * 15);
  std::vector<std::string> fv;
  same.range(id(1000, 7), id(1000, 7), false, 0, [&](const StreamEntryView& e) {
    for (auto [f, v] : e.fields) {
      fv.emplace_back(f);
      fv.emplace_back(v);
    }
    return true;
  });
  CHECK(fv == Strings{"temperature", "20", "humidity", "50"});
}

TEST_CASE("range walks forward and backward, with bounds and counts", "[stream]") {
  LimitsGuard guard;
  EncodingLimits::instance().stream_node_max_entries = 4;
  StreamValue s;
  for (std::uint64_t i = 1; i <= 20; ++i) add(s, id(i, i % 3), {"f", "v"});
  CHECK(ids(s).size() == 20);
  auto rev = ids(s, true);
  CHECK(rev.front() == id(20, 2));
  CHECK(rev.back() == id(1, 1));
  std::vector<StreamId> got;
  s.range(id(5), id(9, UINT64_MAX), false, 3, [&](const StreamEntryView& e) {
    got.push_back(e.id);
    return true;
  });
  CHECK(got == std::vector<StreamId>{id(5, 2), id(6, 0), id(7, 1)});
  got.clear();
  s.range(id(5), id(9, UINT64_MAX), true, 2, [&](const StreamEntryView& e) {
    got.push_back(e.id);
    return true;
  });
  CHECK(got == std::vector<StreamId>{id(9, 0), id(8, 2)});
}

TEST_CASE("remove marks entries deleted, drops emptied nodes, tracks first and max-deleted ids", "[stream]") {
  LimitsGuard guard;
  EncodingLimits::instance().stream_node_max_entries = 2;
  StreamValue s;
  for (std::uint64_t i = 1; i <= 6; ++i) add(s, id(i), {"f", "v"});
  CHECK(s.node_count() == 3);
  CHECK(s.remove(id(1)));
  CHECK_FALSE(s.remove(id(1)));
  CHECK(s.first_id() == id(2));
  CHECK(s.remove(id(2)));
  CHECK(s.node_count() == 2);
  CHECK(s.remove(id(5)));
  CHECK(s.max_deleted_id() == id(5));
  CHECK(s.remove(id(4)));
  CHECK(s.max_deleted_id() == id(5));
  CHECK(s.last_valid_id() == id(6));
  CHECK(s.length() == 2);
  CHECK(s.remove(id(6)));
  CHECK(s.last_valid_id() == id(3));
  CHECK(s.last_id() == id(6));
  CHECK(s.remove(id(3)));
  CHECK(s.length() == 0);
  CHECK(s.first_id() == StreamId{});
  CHECK(s.entries_added() == 6);
}

TEST_CASE("trim: exact and approximate MAXLEN / MINID, and LIMIT", "[stream]") {
  LimitsGuard guard;
  EncodingLimits::instance().stream_node_max_entries = 3;
  auto make = [] {
    StreamValue s;
    for (std::uint64_t i = 1; i <= 10; ++i) add(s, id(i), {"f", "v"});
    return s;
  };
  StreamValue a = make();
  CHECK(a.trim({TrimStrategy::kMaxLen, false, 4, {}, 0}) == 6);
  CHECK(ids(a).front() == id(7));
  StreamValue b = make();
  CHECK(b.trim({TrimStrategy::kMaxLen, true, 4, {}, 0}) == 6);  // nodes [1-3] and [4-6]
  StreamValue c = make();
  CHECK(c.trim({TrimStrategy::kMaxLen, true, 5, {}, 0}) == 3);  // [4-6] would leave 4
  CHECK(c.first_id() == id(4));
  StreamValue d = make();
  CHECK(d.trim({TrimStrategy::kMinId, false, 0, id(5), 0}) == 4);
  CHECK(d.first_id() == id(5));
  StreamValue e = make();
  CHECK(e.trim({TrimStrategy::kMinId, true, 0, id(5), 0}) == 3);
  StreamValue f = make();
  CHECK(f.trim({TrimStrategy::kMaxLen, true, 0, {}, 5}) == 3);  // a second node would pass LIMIT
  CHECK(f.trim({TrimStrategy::kNone, false, 0, {}, 0}) == 0);
  CHECK(f.trim({TrimStrategy::kMaxLen, false, 0, {}, 0}) == 7);
  CHECK(f.length() == 0);
  CHECK(f.first_id() == StreamId{});
}

TEST_CASE("rax_nodes counts the radix tree Redis would build", "[stream]") {
  LimitsGuard guard;
  EncodingLimits::instance().stream_node_max_entries = 1;
  StreamValue s;
  CHECK(s.rax_nodes() == 1);
  add(s, id(1), {"f", "v"});
  CHECK(s.rax_nodes() == 2);
  add(s, id(2), {"f", "v"});
  // root chain, a branch at the ms's last byte, two seq chains, two leaves
  CHECK(s.rax_nodes() == 6);
}

TEST_CASE("group lag and entries-read follow Redis 7.0", "[stream]") {
  StreamValue s;
  StreamGroup g;
  CHECK(s.estimate_entries_read(g) == 0);
  for (std::uint64_t i = 1; i <= 5; ++i) add(s, id(i), {"f", "v"});
  g.last_id = id(5);
  CHECK(s.estimate_entries_read(g) == 5);
  g.last_id = id(0, 1);
  CHECK(s.estimate_entries_read(g) == 0);
  g.last_id = id(1);
  CHECK(s.estimate_entries_read(g) == 1);
  g.last_id = id(3);
  CHECK(s.estimate_entries_read(g) == kEntriesReadInvalid);
  g.last_id = id(9);
  CHECK(s.estimate_entries_read(g) == kEntriesReadInvalid);
  g.last_id = id(2);
  g.entries_read = 2;
  CHECK(group_lag(s, g) == 3);
  s.remove(id(4));
  CHECK(s.range_has_tombstones(id(2), std::nullopt));
  CHECK_FALSE(group_lag(s, g).has_value());
  g.last_id = id(5);  // no tombstone after it: entries-read counts
  CHECK(group_lag(s, g) == 3);
  g.entries_read = kEntriesReadInvalid;
  CHECK(group_lag(s, g) == 0);  // estimated: the last id
}

TEST_CASE("op_xadd generates ids, checks them and trims", "[stream]") {
  Db db;
  auto r = xadd(db, "s", std::nullopt, {"f", "v"});
  REQUIRE(r.id);
  CHECK(*r.id == id(kNow, 0));
  CHECK(*xadd(db, "s", std::nullopt, {"f", "v"}).id == id(kNow, 1));
  XAddArgs a;
  a.id = id(kNow);
  a.seq_given = false;
  std::vector<std::string_view> fv{"f", "v"};
  auto auto_seq = op_xadd(db, "s", a, fv, kNow);
  REQUIRE(auto_seq.ok());
  CHECK(*auto_seq->id == id(kNow, 2));
  a.id = id(1);
  CHECK(op_xadd(db, "s", a, fv, kNow).code() == Errc::kStreamIdTooSmall);
  a.seq_given = true;
  a.id = StreamId{};
  CHECK(op_xadd(db, "s", a, fv, kNow).code() == Errc::kStreamIdZero);
  a.id = StreamId::max();
  CHECK(op_xadd(db, "s", a, fv, kNow).ok());
  a.id.reset();
  CHECK(op_xadd(db, "s", a, fv, kNow).code() == Errc::kStreamExhausted);
  a.nomkstream = true;
  auto none = op_xadd(db, "nope", a, fv, kNow);
  REQUIRE(none.ok());
  CHECK_FALSE(none->id);
  REQUIRE(op_set(db, "str", "x", SetOptions{}, kNow).ok());
  CHECK(op_xadd(db, "str", XAddArgs{}, fv, kNow).code() == Errc::kWrongType);
  auto t = xadd(db, "t", id(1), {"f", "v"});
  xadd(db, "t", id(2), {"f", "v"});
  t = xadd(db, "t", id(3), {"f", "v"}, TrimArgs{TrimStrategy::kMaxLen, false, 1, {}, 0});
  CHECK(t.trimmed == 2);
  CHECK(t.length == 1);
  CHECK(*op_xlen(db, "t", kNow) == 1);
}

TEST_CASE("op_xrange, op_xdel, op_xtrim, op_xsetid, op_xread", "[stream]") {
  Db db;
  for (std::uint64_t i = 1; i <= 5; ++i) xadd(db, "s", id(i), {"f", std::to_string(i)});
  auto r = op_xrange(db, "s", id(2), id(4, UINT64_MAX), false, 0, kNow);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].fv == Strings{"f", "2"});
  auto rev = op_xrange(db, "s", StreamId{}, StreamId::max(), true, 2, kNow);
  CHECK((*rev)[0].id == id(5));
  CHECK(op_xrange(db, "missing", StreamId{}, StreamId::max(), false, 0, kNow)->empty());
  std::vector<StreamId> del{id(2), id(9)};
  CHECK(*op_xdel(db, "s", del, kNow) == 1);
  auto read = op_xread(db, "s", id(1), 0, kNow);
  REQUIRE(read.ok());
  REQUIRE(read->has_value());
  CHECK((**read)[0].id == id(3));
  CHECK_FALSE(op_xread(db, "s", id(5), 0, kNow)->has_value());
  CHECK_FALSE(op_xread(db, "missing", id(0), 0, kNow)->has_value());
  CHECK(op_xsetid(db, "s", XSetIdArgs{id(4), -1, {}}, kNow).code() == Errc::kStreamSetIdBelowTop);
  CHECK(op_xsetid(db, "s", XSetIdArgs{id(9), 2, {}}, kNow).code() == Errc::kStreamEntriesAddedBelowLength);
  CHECK(op_xsetid(db, "s", XSetIdArgs{id(9), 10, id(7)}, kNow).ok());
  CHECK(op_xsetid(db, "missing", XSetIdArgs{id(9), -1, {}}, kNow).code() == Errc::kNoSuchKey);
  auto t = op_xtrim(db, "s", TrimArgs{TrimStrategy::kMinId, false, 0, id(5), 0}, kNow);
  CHECK(t->deleted == 3);
  CHECK(*op_xlen(db, "s", kNow) == 1);
  // An emptied stream stays.
  CHECK(op_xtrim(db, "s", TrimArgs{TrimStrategy::kMaxLen, false, 0, {}, 0}, kNow)->deleted == 1);
  CHECK(db.find("s", kNow));
}

TEST_CASE("consumer groups: read, pending, ack, claim, autoclaim", "[stream]") {
  Db db;
  for (std::uint64_t i = 1; i <= 4; ++i) xadd(db, "s", id(i), {"f", std::to_string(i)});
  REQUIRE(op_xgroup_create(db, "s", "g", "0", false, kEntriesReadInvalid, kNow).ok());
  CHECK(op_xgroup_create(db, "s", "g", "0", false, kEntriesReadInvalid, kNow).code() == Errc::kStreamBusyGroup);
  CHECK(op_xgroup_create(db, "nokey", "g", "0", false, kEntriesReadInvalid, kNow).code() ==
        Errc::kStreamXgroupNoKey);
  GroupEffects fx;
  auto r = op_xreadgroup(db, "s", "g", "alice", std::nullopt, 2, false, kNow, fx);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  CHECK((*r)->size() == 2);
  CHECK(fx.claims.size() == 2);
  CHECK(fx.set_id);
  CHECK(fx.last_id == id(2));
  CHECK(fx.entries_read == 2);
  CHECK(fx.created_consumers == Strings{"alice"});
  auto sum = op_xpending_summary(db, "s", "g", kNow);
  CHECK(sum->count == 2);
  CHECK(sum->consumers.size() == 1);
  XPendingArgs pa;
  pa.end = StreamId::max();
  pa.count = 10;
  auto ext = op_xpending(db, "s", "g", pa, kNow + 50);
  REQUIRE(ext->size() == 2);
  CHECK((*ext)[0].idle == 50);
  CHECK((*ext)[0].delivery_count == 1);
  // History redelivers.
  GroupEffects hist;
  auto h = op_xreadgroup(db, "s", "g", "alice", StreamId{}, 0, false, kNow + 10, hist);
  CHECK((*h)->size() == 2);
  CHECK(hist.claims[0].delivery_count == 2);
  // Claim one to bob.
  XClaimArgs ca;
  ca.ids = {id(1)};
  ca.delivery_time = 500;
  GroupEffects cfx;
  auto c = op_xclaim(db, "s", "g", "bob", ca, kNow, cfx);
  REQUIRE(c->size() == 1);
  CHECK(cfx.claims[0].consumer == "bob");
  CHECK(cfx.claims[0].delivery_time == 500);
  std::vector<StreamId> ack{id(1), id(9)};
  CHECK(*op_xack(db, "s", "g", ack, kNow) == 1);
  // Autoclaim reports deleted entries.
  std::vector<StreamId> del{id(2)};
  REQUIRE(op_xdel(db, "s", del, kNow).ok());
  GroupEffects afx;
  auto ac = op_xautoclaim(db, "s", "g", "carol", 0, StreamId{}, 10, false, kNow, afx);
  REQUIRE(ac.ok());
  CHECK(ac->claimed.empty());
  CHECK(ac->deleted == std::vector<StreamId>{id(2)});
  CHECK(op_xpending_summary(db, "s", "g", kNow)->count == 0);
  CHECK(*op_xgroup_delconsumer(db, "s", "g", "alice", kNow) == 0);
  CHECK(*op_xgroup_destroy(db, "s", "g", kNow));
  CHECK(op_xpending_summary(db, "s", "g", kNow).code() == Errc::kStreamNoKeyOrGroup);
}

TEST_CASE("DUMP/RESTORE and clone keep entries, ids and groups", "[stream]") {
  LimitsGuard guard;
  EncodingLimits::instance().stream_node_max_entries = 3;
  Db db;
  for (std::uint64_t i = 1; i <= 8; ++i) xadd(db, "s", id(i), {"f", std::to_string(i), "g", "x"});
  std::vector<StreamId> del{id(3)};
  REQUIRE(op_xdel(db, "s", del, kNow).ok());
  REQUIRE(op_xgroup_create(db, "s", "g", "0", false, 0, kNow).ok());
  GroupEffects fx;
  REQUIRE(op_xreadgroup(db, "s", "g", "alice", std::nullopt, 3, false, kNow, fx).ok());
  EntryRef ref = db.find("s", kNow);
  const std::string payload = dump_payload(*ref.entry);
  auto restored = parse_payload(payload);
  REQUIRE(restored.ok());
  auto& back = static_cast<StreamValue&>(*restored->object);
  const auto& orig = ref->as<StreamValue>();
  CHECK(ids(back) == ids(orig));
  CHECK(back.length() == 7);
  CHECK(back.max_deleted_id() == id(3));
  CHECK(back.entries_added() == 8);
  CHECK(back.first_id() == id(1));
  REQUIRE(back.group("g"));
  CHECK(back.group("g")->pel.size() == 3);
  CHECK(back.group("g")->consumers.at("alice").pel.size() == 3);
  CHECK(back.group("g")->entries_read == orig.groups().at("g").entries_read);
  CHECK(back.group("g")->last_id == id(4));
  auto copy = orig.clone();
  CHECK(ids(static_cast<StreamValue&>(*copy)) == ids(orig));
  // An empty stream dumps too; a damaged payload is refused.
  StreamValue empty;
  CHECK(empty.size() == 0);
  std::string bad = payload;
  bad[bad.size() / 2] ^= 0x5a;
  CHECK_FALSE(parse_payload(bad).ok());
  CHECK(back.memory_usage() > 0);
}
