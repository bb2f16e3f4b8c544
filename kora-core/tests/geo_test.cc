// Unit tests of the geo family: geohash arithmetic against values Redis 7.0
// computes, and the ops of geo_ops.h (search coverage against brute force).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kora/core/geo_ops.h"
#include "kora/core/geohash.h"
#include "kora/core/string_ops.h"

using namespace kora::core;

namespace {

constexpr std::int64_t kNow = 1'000'000;

void add(Db& db, std::string_view key, double lon, double lat, std::string_view member) {
  GeoAddItem item{GeoPoint{lon, lat}, member};
  REQUIRE(op_geoadd(db, key, ZAddOptions{}, std::span(&item, 1), kNow).ok());
}

GeoPoint pos(Db& db, std::string_view key, std::string_view member) {
  auto r = op_geopos(db, key, std::span(&member, 1), kNow);
  REQUIRE(r.ok());
  REQUIRE((*r)[0].has_value());
  return *(*r)[0];
}

std::vector<std::string> names(const std::vector<GeoMatch>& ms) {
  std::vector<std::string> out;
  for (const auto& m : ms) out.push_back(m.member);
  return out;
}

}  // namespace

TEST_CASE("Geohash scores, cell centers and geohash strings are Redis's", "[geo]") {
  // Values printed by redis-server 7.0.15.
  CHECK(geo::score_of(13.361389, 38.115556) == 3479099956230698ULL);
  CHECK(geo::score_of(15.087269, 37.502669) == 3479447370796909ULL);
  CHECK(geo::score_of(0, 0) == 3377699720527872ULL);
  // The upper limits overflow the 26 cell bits, as in Redis.
  CHECK(geo::score_of(180, 85.05112878) == 13510798882111488ULL);
  CHECK(geo::score_of(-180, -85.05112878) == 0);

  double lon, lat;
  REQUIRE(geo::decode_score(3479099956230698.0, &lon, &lat));
  CHECK(format_geo_coord(lon) == "13.36138933897018433");
  CHECK(format_geo_coord(lat) == "38.11555639549629859");
  REQUIRE(geo::decode_score(13510798882111488.0, &lon, &lat));
  CHECK(format_geo_coord(lon) == "180");
  CHECK(format_geo_coord(lat) == "85.0511287799999991");
  REQUIRE(geo::decode_score(0, &lon, &lat));
  CHECK(format_geo_coord(lon) == "-179.99999731779098511");
  CHECK(format_geo_coord(lat) == "-85.05112751263942528");

  char buf[11];
  REQUIRE(geo::standard_geohash(3479099956230698.0, buf));
  CHECK(std::string(buf, 11) == "sqc8b49rny0");
  REQUIRE(geo::standard_geohash(13510798882111488.0, buf));
  CHECK(std::string(buf, 11) == "bp05b5048p0");
  REQUIRE(geo::standard_geohash(0, buf));
  CHECK(std::string(buf, 11) == "00bh0hbj200");
}

TEST_CASE("Geo number formats follow Redis", "[geo]") {
  CHECK(format_geo_distance(0) == "0.0000");
  CHECK(format_geo_distance(166274.15156960033) == "166274.1516");
  CHECK(format_geo_distance(0.00004) == "0.0000");
  CHECK(format_geo_distance(0.0123) == "0.0123");
  CHECK(format_geo_distance(56.441257870158204) == "56.4413");
  CHECK(format_geo_coord(-0.0) == "0");
  CHECK(format_geo_coord(1.5) == "1.5");
  CHECK(format_geo_coord(-2) == "-2");
}

TEST_CASE("Geo argument parsing gives Redis's errors", "[geo]") {
  CHECK(*parse_geo_unit("KM") == 1000);
  CHECK(*parse_geo_unit("mi") == 1609.34);
  CHECK(*parse_geo_unit("Ft") == 0.3048);
  CHECK(parse_geo_unit("parsec").error().code == Errc::kGeoUnit);
  CHECK(parse_lon_lat("abc", "1").error().code == Errc::kNotFloat);
  auto bad = parse_lon_lat("200", "10");
  REQUIRE(!bad.ok());
  CHECK(bad.error().message == "ERR invalid longitude,latitude pair 200.000000,10.000000");
  CHECK(parse_lon_lat("0", "85.06").error().code == Errc::kGeoLonLat);
  CHECK(parse_lon_lat("-180", "-85.05112878").ok());
}

TEST_CASE("GEOADD, GEOPOS, GEODIST and GEOHASH", "[geo]") {
  Db db;
  add(db, "g", 13.361389, 38.115556, "Palermo");
  add(db, "g", 15.087269, 37.502669, "Catania");
  auto d = op_geodist(db, "g", "Palermo", "Catania", 1, kNow);
  REQUIRE(d.ok());
  REQUIRE(d->has_value());
  CHECK(format_geo_distance(**d) == "166274.1516");
  CHECK(format_geo_distance(*op_geodist(db, "g", "Palermo", "Catania", 1000, kNow).value()) == "166.2742");
  CHECK(!op_geodist(db, "g", "Palermo", "nobody", 1, kNow).value().has_value());
  CHECK(!op_geodist(db, "missing", "a", "b", 1, kNow).value().has_value());
  GeoPoint p = pos(db, "g", "Catania");
  CHECK(format_geo_coord(p.lon) == "15.08726745843887329");
  CHECK(format_geo_coord(p.lat) == "37.50266842333162032");

  // NX/XX/CH through ZADD.
  GeoAddItem move{GeoPoint{14, 37}, "Palermo"};
  ZAddOptions nx;
  nx.flags = ZSetValue::kNx;
  auto r = op_geoadd(db, "g", nx, std::span(&move, 1), kNow);
  REQUIRE(r.ok());
  CHECK(r->added == 0);
  CHECK(r->updated == 0);
  ZAddOptions xx;
  xx.flags = ZSetValue::kXx;
  r = op_geoadd(db, "g", xx, std::span(&move, 1), kNow);
  CHECK(r->updated == 1);
  CHECK(pos(db, "g", "Palermo").lon == Approx(14).margin(1e-5));

  std::string_view ms[] = {"Catania", "nobody"};
  auto h = op_geohash(db, "g", ms, kNow);
  REQUIRE(h.ok());
  CHECK((*h)[0] == std::optional<std::string>("sqdtr74hyu0"));
  CHECK(!(*h)[1].has_value());

  REQUIRE(op_set(db, "str", "x", SetOptions{}, kNow).ok());
  CHECK(op_geopos(db, "str", ms, kNow).error().code == Errc::kWrongType);
  CHECK(op_geo_exists(db, "str", kNow).error().code == Errc::kWrongType);
  CHECK(op_geodist(db, "str", "a", "b", 1, kNow).error().code == Errc::kWrongType);
}

TEST_CASE("GEOSEARCH orders, COUNT, ANY and boxes", "[geo]") {
  Db db;
  add(db, "g", 13.361389, 38.115556, "Palermo");
  add(db, "g", 15.087269, 37.502669, "Catania");
  add(db, "g", 13.5, 37.9, "p1");
  GeoSearch s;
  s.shape = geo::Shape{false, 15, 37, 1000, 200, 0, 0};
  s.sort = GeoSort::kAsc;
  auto r = op_geosearch(db, "g", s, kNow);
  REQUIRE(r.ok());
  CHECK(names(*r) == std::vector<std::string>{"Catania", "p1", "Palermo"});
  CHECK(format_geo_distance((*r)[0].dist) == "56.4413");
  CHECK(format_geo_distance((*r)[2].dist) == "190.4424");
  s.sort = GeoSort::kDesc;
  CHECK(names(op_geosearch(db, "g", s, kNow).value()) == std::vector<std::string>{"Palermo", "p1", "Catania"});
  // COUNT without an order sorts ascending; ANY stops at the first matches found.
  s.sort = GeoSort::kNone;
  s.count = 1;
  CHECK(names(op_geosearch(db, "g", s, kNow).value()) == std::vector<std::string>{"Catania"});
  s.any = true;
  s.count = 2;
  CHECK(op_geosearch(db, "g", s, kNow).value().size() == 2);
  // A tall box keeps Catania only; a zero radius finds an exact point.
  GeoSearch box;
  box.shape = geo::Shape{true, 15, 37, 1000, 0, 100, 600};
  CHECK(names(op_geosearch(db, "g", box, kNow).value()) == std::vector<std::string>{"Catania"});
  GeoPoint p = pos(db, "g", "p1");
  GeoSearch zero;
  zero.shape = geo::Shape{false, p.lon, p.lat, 1, 0, 0, 0};
  CHECK(names(op_geosearch(db, "g", zero, kNow).value()) == std::vector<std::string>{"p1"});
  CHECK(op_geosearch(db, "missing", s, kNow).value().empty());
}

TEST_CASE("GEOSEARCH finds exactly the points a brute-force scan finds", "[geo]") {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> lon_d(-180, 180), lat_d(-80, 80), radius_d(1, 3000);
  for (int encoding = 0; encoding < 2; ++encoding) {
    Db db;
    const int n = encoding == 0 ? 100 : 3000;  // listpack, then skiplist
    std::vector<std::string> members;
    for (int i = 0; i < n; ++i) {
      members.push_back("m" + std::to_string(i));
      add(db, "g", lon_d(rng), lat_d(rng), members.back());
    }
    for (int q = 0; q < 60; ++q) {
      const bool box = q % 2 == 1;
      const double lon = lon_d(rng), lat = std::clamp(lat_d(rng), -70.0, 70.0), radius = radius_d(rng);
      GeoSearch s;
      s.shape = geo::Shape{box, lon, lat, 1000, radius, radius * 2, radius};
      auto found = op_geosearch(db, "g", s, kNow);
      REQUIRE(found.ok());
      std::set<std::string> got;
      for (const auto& m : *found) CHECK(got.insert(m.member).second);  // no duplicates
      std::set<std::string> want;
      for (const auto& m : members) {
        GeoPoint p = pos(db, "g", m);
        double dist;
        if (geo::within(s.shape, p.lon, p.lat, &dist)) want.insert(m);
      }
      CHECK(got == want);
    }
  }
}

TEST_CASE("GEOSEARCHSTORE writes geohashes or distances", "[geo]") {
  Db db;
  add(db, "g", 13.361389, 38.115556, "Palermo");
  add(db, "g", 15.087269, 37.502669, "Catania");
  GeoSearch s;
  s.shape = geo::Shape{false, 15, 37, 1000, 200, 0, 0};
  auto r = op_geosearch(db, "g", s, kNow);
  REQUIRE(r.ok());
  CHECK(op_geostore(db, "d", *r, false, "geosearchstore", kNow) == 2);
  CHECK(*op_zscore(db, "d", "Palermo", kNow).value() == 3479099956230698.0);
  CHECK(op_geostore(db, "d", *r, true, "geosearchstore", kNow) == 2);
  CHECK(format_geo_distance(*op_zscore(db, "d", "Catania", kNow).value()) == "56.4413");
  CHECK(op_geostore(db, "d", {}, true, "geosearchstore", kNow) == 0);
  CHECK(!db.find("d", kNow));
}
