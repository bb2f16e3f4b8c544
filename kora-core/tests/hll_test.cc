// Unit tests of the HyperLogLog family: the byte format (hll_format.h) against
// values and estimates observed from redis-server 7.0, the estimate's error over
// 1M elements, sparse/dense conversions, corrupted values, and every op of
// hll_ops.h with the key events they raise.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "kora/core/hll_format.h"
#include "kora/core/hll_ops.h"
#include "kora/core/object.h"
#include "kora/core/shard.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

using Strings = std::vector<std::string>;

bool pfadd(Db& db, std::string_view key, const Strings& elements) {
  std::vector<std::string_view> v(elements.begin(), elements.end());
  auto r = op_pfadd(db, key, v, kNow);
  REQUIRE(r.ok());
  return *r;
}

std::uint64_t pfcount(Db& db, std::string_view key) {
  auto r = op_pfcount(db, key, kNow);
  REQUIRE(r.ok());
  return *r;
}

std::string value(Db& db, std::string_view key) {
  auto r = op_get(db, key, kNow);
  REQUIRE(r.ok());
  REQUIRE(r->has_value());
  return std::string(**r);
}

void set(Db& db, std::string_view key, std::string_view v) { REQUIRE(op_set(db, key, v, {}, kNow).ok()); }

Strings numbers(long from, long to) {
  Strings out;
  for (long i = from; i < to; ++i) out.push_back(std::to_string(i));
  return out;
}

std::string decode(Db& db, std::string_view key) {
  auto r = op_pfdebug(db, HllDebug::kDecode, "decode", key, kNow);
  REQUIRE(r.ok());
  return r->text;
}

std::string encoding(Db& db, std::string_view key) {
  auto r = op_pfdebug(db, HllDebug::kEncoding, "encoding", key, kNow);
  REQUIRE(r.ok());
  return r->text;
}

struct Events final : KeyListener {
  int modified = 0;
  void on_key_event(int, KeyEvent e, std::string_view) override { modified += e == KeyEvent::kModified; }
};

// Restores hll-sparse-max-bytes when a test changed it.
struct SparseLimit {
  explicit SparseLimit(std::int64_t v) { EncodingLimits::instance().hll_sparse_max_bytes.store(v); }
  ~SparseLimit() { EncodingLimits::instance().hll_sparse_max_bytes.store(3000); }
};

}  // namespace

TEST_CASE("hashing and registers match Redis 7.0", "[hll]") {
  // PFADD x <e>; PFDEBUG DECODE x on redis-server 7.0.
  Db db;
  pfadd(db, "a", {"a"});
  CHECK(decode(db, "a") == "Z:12711 v:2,1 Z:3672");
  pfadd(db, "hello", {"hello"});
  CHECK(decode(db, "hello") == "Z:9216 v:1,1 Z:7167");
  pfadd(db, "foo", {"foo"});
  CHECK(decode(db, "foo") == "Z:7348 v:5,1 Z:9035");
  long index;
  CHECK(hll::pattern_length("a", &index) == 2);
  CHECK(index == 12711);
}

TEST_CASE("the bytes PFADD makes are Redis's, header and cache included", "[hll]") {
  Db db;
  CHECK(pfadd(db, "e", {}));  // created: 1
  CHECK(value(db, "e") == std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x7f\xff", 18));
  CHECK(hll::create() == std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
  CHECK_FALSE(pfadd(db, "e", {}));
  // GET after PFADD h a b c on redis-server 7.0.
  CHECK(pfadd(db, "h", {"a", "b", "c"}));
  const std::string redis_abc("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a", 27);
  CHECK(value(db, "h") == redis_abc);
  CHECK(pfcount(db, "h") == 3);
  // The cache is now valid and holds 3.
  std::string cached = redis_abc;
  cached[8] = 3;
  cached[15] = 0;
  CHECK(value(db, "h") == cached);
  CHECK_FALSE(pfadd(db, "h", {"a", "b"}));  // no register grows: value untouched
  CHECK(value(db, "h") == cached);
}

TEST_CASE("estimates match Redis and stay within its error bounds up to 1M elements", "[hll]") {
  Db db;
  const double relerr = 1.04 / std::sqrt(16384.0);
  long added = 0;
  for (long checkpoint = 10; checkpoint <= 1'000'000; checkpoint *= 10) {
    for (long i = added; i < checkpoint; i += 10000) {
      pfadd(db, "big", numbers(i, std::min(checkpoint, i + 10000)));
    }
    added = checkpoint;
    const auto est = static_cast<double>(pfcount(db, "big"));
    const double maxerr = checkpoint == 10 ? 1 : std::ceil(relerr * 6 * static_cast<double>(checkpoint));
    INFO("cardinality " << checkpoint << " estimate " << est);
    CHECK(std::fabs(est - static_cast<double>(checkpoint)) <= maxerr);
    if (checkpoint == 1000) {
      CHECK(pfcount(db, "big") == 1001);  // redis-server 7.0: PFADD z 0..999; PFCOUNT z
      CHECK(value(db, "big").size() == 1923);
    }
  }
  CHECK(pfcount(db, "big") == 1009972);  // redis-server 7.0: PFADD y 0..999999; PFCOUNT y
  CHECK(encoding(db, "big") == "dense");
}

TEST_CASE("sparse values turn dense at hll-sparse-max-bytes and keep their registers", "[hll]") {
  Db db;
  long i = 0;
  pfadd(db, "s", {});
  while (encoding(db, "s") == "sparse") {
    const std::size_t before = value(db, "s").size();
    CHECK(before <= 3000);
    pfadd(db, "s", {"x" + std::to_string(i++)});
  }
  CHECK(value(db, "s").size() == hll::kDenseSize);
  CHECK(i > 1000);

  // The same elements into a sparse value with a huge limit: same registers and estimate.
  {
    SparseLimit limit(1 << 20);
    pfadd(db, "t", {});
    for (long j = 0; j < i; ++j) pfadd(db, "t", {"x" + std::to_string(j)});
    CHECK(encoding(db, "t") == "sparse");
    CHECK(pfcount(db, "t") == pfcount(db, "s"));
    auto sparse_regs = op_pfdebug(db, HllDebug::kGetReg, "getreg", "t", kNow);  // converts
    auto dense_regs = op_pfdebug(db, HllDebug::kGetReg, "getreg", "s", kNow);
    REQUIRE(sparse_regs.ok());
    REQUIRE(dense_regs.ok());
    CHECK(sparse_regs->registers == dense_regs->registers);
    CHECK(encoding(db, "t") == "dense");
  }

  // A limit of 0: the first register set turns the value dense.
  SparseLimit zero(0);
  pfadd(db, "z", {});
  CHECK(encoding(db, "z") == "sparse");
  pfadd(db, "z", {"a"});
  CHECK(encoding(db, "z") == "dense");
}

TEST_CASE("a register above 32 cannot stay sparse", "[hll]") {
  std::string v = hll::create();
  CHECK(hll::sparse_set(v, 100, 32, 3000) == 1);
  CHECK(hll::encoding(v) == hll::kSparse);
  CHECK(hll::sparse_set(v, 100, 33, 3000) == 1);
  CHECK(hll::encoding(v) == hll::kDense);
  CHECK(hll::dense_get(reinterpret_cast<const std::uint8_t*>(v.data()) + hll::kHeaderSize, 100) == 33);
}

TEST_CASE("sparse opcodes split and adjacent VALs merge as in Redis", "[hll]") {
  std::string v = hll::create();
  REQUIRE(hll::sparse_set(v, 1000, 2, 3000) == 1);
  REQUIRE(hll::sparse_set(v, 1020, 3, 3000) == 1);
  REQUIRE(hll::sparse_set(v, 1021, 3, 3000) == 1);
  CHECK(hll::decode_sparse(v) == "Z:1000 v:2,1 z:19 v:3,2 Z:15362");
  REQUIRE(hll::sparse_set(v, 1022, 3, 3000) == 1);
  REQUIRE(hll::sparse_set(v, 1023, 3, 3000) == 1);
  REQUIRE(hll::sparse_set(v, 1024, 3, 3000) == 1);
  CHECK(hll::decode_sparse(v) == "Z:1000 v:2,1 z:19 v:3,4 v:3,1 Z:15359");
  CHECK(hll::sparse_set(v, 1022, 2, 3000) == 0);  // not higher
  CHECK(hll::sparse_set(v, 1022, 4, 3000) == 1);  // splits a VAL run
  CHECK(hll::decode_sparse(v) == "Z:1000 v:2,1 z:19 v:3,2 v:4,1 v:3,2 Z:15359");
  CHECK(hll::count(v).has_value());
}

TEST_CASE("corrupted and foreign values get Redis's errors", "[hll]") {
  Db db;
  set(db, "str", "hello");
  std::string_view none[] = {"a"};
  CHECK(op_pfadd(db, "str", none, kNow).code() == Errc::kHllNotHll);
  CHECK(op_pfcount(db, "str", kNow).code() == Errc::kHllNotHll);
  CHECK(error_message(Errc::kHllNotHll) == "WRONGTYPE Key is not a valid HyperLogLog string value.");
  CHECK(error_message(Errc::kHllCorrupt) == "INVALIDOBJ Corrupted HLL object detected");
  std::string_view members[] = {"m"};
  REQUIRE(op_set(db, "other", "x", {}, kNow).ok());
  CHECK(hll::is_hll(hll::create()));
  CHECK_FALSE(hll::is_hll("HYLL"));
  CHECK_FALSE(hll::is_hll(std::string("HYLL\x02", 5) + std::string(11, '\0')));
  CHECK_FALSE(hll::is_hll(std::string("HYLL\x00", 5) + std::string(11, '\0')));  // dense, short
  CHECK_FALSE(hll::is_hll(std::string("HYLX\x01", 5) + std::string(11, '\0')));

  // Sparse bodies whose registers do not add up to 16384.
  const std::string header("HYLL\x01\0\0\0\0\0\0\0\0\0\0\x80", 16);
  set(db, "hdr", header);
  CHECK(op_pfcount(db, "hdr", kNow).code() == Errc::kHllCorrupt);
  CHECK(op_pfadd(db, "hdr", members, kNow).code() == Errc::kHllCorrupt);
  set(db, "few", header + "\x7f\xfe");  // XZERO:16383
  CHECK(op_pfcount(db, "few", kNow).code() == Errc::kHllCorrupt);
  CHECK(op_pfdebug(db, HllDebug::kToDense, "todense", "few", kNow).code() == Errc::kHllCorrupt);
  const HllKey keys[] = {{&db, "dst"}, {&db, "few"}};
  CHECK(op_pfmerge(keys, kNow).code() == Errc::kHllCorrupt);
  CHECK_FALSE(op_get(db, "dst", kNow)->has_value());  // nothing written
  CHECK(op_pfcount_union(keys, kNow).code() == Errc::kHllCorrupt);
  CHECK(op_pfdebug(db, HllDebug::kEncoding, "encoding", "missing", kNow).code() == Errc::kHllNoSuchKey);
  auto unknown = op_pfdebug(db, HllDebug::kUnknown, "Foo", "few", kNow);
  CHECK(unknown.error().message == "ERR Unknown PFDEBUG subcommand 'Foo'");

  // A valid sparse value with one register (16383) = 3, forged cache trusted.
  std::string forged = header + std::string("\x7f\xfe\x88", 3);
  forged[8] = 0x39;
  forged[9] = 0x30;
  forged[15] = 0;
  set(db, "forged", forged);
  CHECK(pfcount(db, "forged") == 12345);
  const HllKey one[] = {{&db, "forged"}, {&db, "missing"}};
  CHECK(*op_pfcount_union(one, kNow) == 1);  // the union ignores caches
}

TEST_CASE("PFMERGE and multi-key PFCOUNT across Dbs", "[hll]") {
  Db a, b, c;
  pfadd(a, "x", numbers(0, 500));
  pfadd(b, "y", numbers(250, 750));
  pfadd(c, "big", numbers(0, 5000));
  const HllKey xy[] = {{&a, "x"}, {&b, "y"}, {&c, "missing"}};
  const auto union_count = *op_pfcount_union(xy, kNow);
  CHECK(std::fabs(static_cast<double>(union_count) - 750) < 750 * 0.05);

  const HllKey merge[] = {{&c, "dst"}, {&a, "x"}, {&b, "y"}};
  REQUIRE(op_pfmerge(merge, kNow).ok());
  CHECK(pfcount(c, "dst") == union_count);
  CHECK(encoding(c, "dst") == "sparse");
  const HllKey with_dense[] = {{&a, "x"}, {&c, "big"}};
  REQUIRE(op_pfmerge(with_dense, kNow).ok());
  CHECK(encoding(a, "x") == "dense");  // a dense source makes the destination dense
  CHECK(pfcount(a, "x") == pfcount(c, "big"));

  set(b, "str", "not an hll");
  const HllKey bad[] = {{&c, "dst2"}, {&a, "x"}, {&b, "str"}};
  CHECK(op_pfmerge(bad, kNow).code() == Errc::kHllNotHll);
  CHECK_FALSE(op_get(c, "dst2", kNow)->has_value());
}

TEST_CASE("HLL writes raise key events only when Redis signals a change", "[hll]") {
  Shard shard(0);
  Events ev;
  shard.events().add(&ev);
  Db& db = shard.db(0);
  pfadd(db, "h", {"a", "b"});
  CHECK(ev.modified == 1);
  pfadd(db, "h", {"a"});  // no register grows
  CHECK(ev.modified == 1);
  pfcount(db, "h");  // cache refreshed: a write (Redis: signalModifiedKey, dirty++)
  CHECK(ev.modified == 2);
  pfcount(db, "h");  // cached: no write
  CHECK(ev.modified == 2);
  const HllKey same[] = {{&db, "h"}};
  REQUIRE(op_pfmerge(same, kNow).ok());  // Redis signals even an unchanged merge
  CHECK(ev.modified == 3);
  REQUIRE(op_pfmerge(same, kNow).ok());  // cache already invalid: bytes equal, still signalled
  CHECK(ev.modified == 4);
  const HllKey two[] = {{&db, "h"}, {&db, "h"}};
  REQUIRE(op_pfcount_union(two, kNow).ok());
  CHECK(ev.modified == 4);

  // A value SET from elsewhere is embstr-sized; reading it as an HLL makes it raw
  // (Redis's dbUnshareStringValue) without a write.
  set(db, "copy", value(db, "h"));
  const int before = ev.modified;
  CHECK_FALSE(shard.db(0).find("copy", kNow)->raw_string());
  pfadd(db, "copy", {"a"});
  CHECK(shard.db(0).find("copy", kNow)->raw_string());
  CHECK(ev.modified == before);
}

TEST_CASE("PFSELFTEST passes, and fails as Redis does under a tiny sparse limit", "[hll]") {
  CHECK(op_pfselftest().ok());
  SparseLimit tiny(10);
  auto r = op_pfselftest();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "ERR TESTFAILED sparse encoding not used");
}
