// Geo operations over geohash-scored sorted sets (Redis 7.0's geo.c).
#include "kora/core/geo_ops.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "kora/core/ascii.h"
#include "kora/core/zset_value.h"

namespace kora::core {
namespace {

// The sorted set under `key`, nullptr when absent.
Result<const ZSetValue*> find_zset(Db& db, std::string_view key, std::int64_t now_ms) {
  auto r = db.find_as<ZSetValue>(key, now_ms);
  if (!r.ok()) return r.error();
  return static_cast<const ZSetValue*>(*r);
}

// Appends the members of `z` whose score is in the cell's range [min, max) and
// that lie inside the shape (geoGetPointsInRange), stopping at `limit` matches
// in total (0: none).
void collect_cell(const ZSetValue& z, geo::Bits cell, const geo::Shape& shape, std::size_t limit,
                  std::vector<GeoMatch>& out) {
  const auto min = static_cast<double>(geo::align52(cell));
  ++cell.bits;
  const auto max = static_cast<double>(geo::align52(cell));
  ScoreRange range{min, max, false, true};
  auto first = z.first_in(range);
  if (!first) return;
  z.walk(*first, false, [&](const ZItem& it) {
    if (!range.below_max(it.score)) return false;
    GeoPoint p;
    double dist = 0;
    if (geo::decode_score(it.score, &p.lon, &p.lat) && geo::within(shape, p.lon, p.lat, &dist)) {
      out.push_back(GeoMatch{std::string(it.member), dist, it.score, p});
    }
    return !(!out.empty() && limit && out.size() >= limit);
  });
}

}  // namespace

Result<double> parse_geo_unit(std::string_view unit) {
  if (ascii_iequals(unit, "m")) return 1.0;
  if (ascii_iequals(unit, "km")) return 1000.0;
  if (ascii_iequals(unit, "ft")) return 0.3048;
  if (ascii_iequals(unit, "mi")) return 1609.34;
  return Errc::kGeoUnit;
}

Result<GeoPoint> parse_lon_lat(std::string_view lon, std::string_view lat) {
  auto x = parse_score(lon);
  if (!x.ok()) return x.error();
  auto y = parse_score(lat);
  if (!y.ok()) return y.error();
  if (!geo::valid_lon_lat(*x, *y)) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%f,%f", *x, *y);
    return Error::of(Errc::kGeoLonLat, buf);
  }
  return GeoPoint{*x, *y};
}

Result<ZAddResult> op_geoadd(Db& db, std::string_view key, const ZAddOptions& opts,
                             std::span<const GeoAddItem> items, std::int64_t now_ms) {
  std::vector<std::pair<double, std::string_view>> pairs;
  pairs.reserve(items.size());
  for (const GeoAddItem& it : items) {
    // As Redis: the 52-bit integer becomes the score (rounded to a double).
    pairs.emplace_back(static_cast<double>(static_cast<long long>(geo::score_of(it.point.lon, it.point.lat))),
                       it.member);
  }
  return op_zadd(db, key, opts, pairs, now_ms);
}

Result<std::vector<std::optional<GeoPoint>>> op_geopos(Db& db, std::string_view key,
                                                      std::span<const std::string_view> members, std::int64_t now_ms) {
  auto z = find_zset(db, key, now_ms);
  if (!z.ok()) return z.error();
  std::vector<std::optional<GeoPoint>> out(members.size());
  for (std::size_t i = 0; i < members.size() && *z; ++i) {
    auto s = (*z)->score(members[i]);
    GeoPoint p;
    if (s && geo::decode_score(*s, &p.lon, &p.lat)) out[i] = p;
  }
  return out;
}

Result<std::vector<std::optional<std::string>>> op_geohash(Db& db, std::string_view key,
                                                          std::span<const std::string_view> members,
                                                          std::int64_t now_ms) {
  auto z = find_zset(db, key, now_ms);
  if (!z.ok()) return z.error();
  std::vector<std::optional<std::string>> out(members.size());
  for (std::size_t i = 0; i < members.size() && *z; ++i) {
    auto s = (*z)->score(members[i]);
    char buf[11];
    if (s && geo::standard_geohash(*s, buf)) out[i] = std::string(buf, 11);
  }
  return out;
}

Result<std::optional<double>> op_geodist(Db& db, std::string_view key, std::string_view a, std::string_view b,
                                         double unit_m, std::int64_t now_ms) {
  auto z = find_zset(db, key, now_ms);
  if (!z.ok()) return z.error();
  std::optional<double> none;
  if (!*z) return none;
  auto sa = (*z)->score(a);
  auto sb = sa ? (*z)->score(b) : std::nullopt;
  GeoPoint pa, pb;
  if (!sa || !sb || !geo::decode_score(*sa, &pa.lon, &pa.lat) || !geo::decode_score(*sb, &pb.lon, &pb.lat)) {
    return none;
  }
  return std::optional<double>(geo::distance(pa.lon, pa.lat, pb.lon, pb.lat) / unit_m);
}

Result<bool> op_geo_exists(Db& db, std::string_view key, std::int64_t now_ms) {
  auto z = find_zset(db, key, now_ms);
  if (!z.ok()) return z.error();
  return *z != nullptr;
}

Result<std::vector<GeoMatch>> op_geosearch(Db& db, std::string_view key, const GeoSearch& search,
                                           std::int64_t now_ms) {
  auto found = find_zset(db, key, now_ms);
  if (!found.ok()) return found.error();
  std::vector<GeoMatch> out;
  const ZSetValue* z = *found;
  if (!z) return out;
  const std::size_t limit = search.any ? search.count : 0;
  const geo::Cover cover = geo::cover(search.shape);
  // membersOfAllNeighbors: a cell equal to the last one searched (huge radii)
  // is skipped; as in Redis, "last" is never the center cell.
  std::size_t last = 0;
  for (std::size_t i = 0; i < cover.cells.size(); ++i) {
    const geo::Bits cell = cover.cells[i];
    if (cell.zero()) continue;
    if (last && cell == cover.cells[last]) continue;
    if (!out.empty() && limit && out.size() >= limit) break;
    collect_cell(*z, cell, search.shape, limit, out);
    last = i;
  }
  GeoSort sort = search.sort;
  if (search.count != 0 && sort == GeoSort::kNone && !search.any) sort = GeoSort::kAsc;
  if (sort == GeoSort::kAsc) {
    std::stable_sort(out.begin(), out.end(), [](const GeoMatch& a, const GeoMatch& b) { return a.dist < b.dist; });
  } else if (sort == GeoSort::kDesc) {
    std::stable_sort(out.begin(), out.end(), [](const GeoMatch& a, const GeoMatch& b) { return a.dist > b.dist; });
  }
  if (search.count != 0 && out.size() > search.count) out.resize(search.count);
  for (GeoMatch& m : out) m.dist /= search.shape.conversion;
  return out;
}

std::size_t op_geostore(Db& dst, std::string_view dst_key, std::span<const GeoMatch> matches, bool storedist,
                        std::string_view event, std::int64_t now_ms) {
  // Built as a skiplist, then converted when it fits a listpack, as Redis does.
  auto z = std::make_unique<ZSetValue>(true);
  for (const GeoMatch& m : matches) z->add(m.member, storedist ? m.dist : m.score, ZSetValue::kNone, nullptr);
  z->convert_to_listpack_if_fits();
  const std::size_t n = dst.store_result(dst_key, std::move(z), now_ms);
  if (n > 0) dst.notify(notify::kZset, event, dst_key);
  return n;
}

std::string format_geo_distance(double d) {
  if (d == 0) return "0.0000";
  const long long scaled = std::llrint(d * 10000.0);
  const bool negative = scaled < 0;
  unsigned long long v = negative ? 0ULL - static_cast<unsigned long long>(scaled) : static_cast<unsigned long long>(scaled);
  std::string digits = std::to_string(v);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  std::string out = negative ? "-" : "";
  out.append(digits, 0, digits.size() - 4);
  out += '.';
  out.append(digits, digits.size() - 4, 4);
  return out;
}

std::string format_geo_coord(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[5 * 1024];
  int n = std::snprintf(buf, sizeof buf, "%.17Lf", static_cast<long double>(d));
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof buf) return "0";
  std::string s(buf, static_cast<std::size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace kora::core
