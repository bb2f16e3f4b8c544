#pragma once
// Geo operations (Redis 7.0's geo.c) over sorted sets whose scores are 52-bit
// interleaved geohashes (kora/core/geohash.h). Shard-local: call each only on
// the thread(s) owning the Dbs it is given; `now_ms` is the time used for
// expiry. A missing key reads as an empty set; a key of another type is
// kWrongType.
//
// Argument parsing shared by the server and the embedded API (units, distances,
// coordinates with Redis's exact errors) is here too.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kora/core/db.h"
#include "kora/core/geohash.h"
#include "kora/core/result.h"
#include "kora/core/zset_ops.h"

namespace kora::core {

struct GeoPoint {
  double lon = 0, lat = 0;
};

// --- argument parsing -----------------------------------------------------------

// A unit's size in meters: m, km, ft, mi (any case). Errors: kGeoUnit.
Result<double> parse_geo_unit(std::string_view unit);
// A longitude/latitude pair: two floats (kNotFloat), inside Redis's limits
// (kGeoLonLat, its message carrying the pair printed "%f,%f").
Result<GeoPoint> parse_lon_lat(std::string_view lon, std::string_view lat);

// --- single-key operations --------------------------------------------------------

struct GeoAddItem {
  GeoPoint point;
  std::string_view member;
};

// GEOADD: ZADD of each member with its point's score (NX/XX/CH in `opts`).
// Errors: kWrongType.
Result<ZAddResult> op_geoadd(Db& db, std::string_view key, const ZAddOptions& opts,
                             std::span<const GeoAddItem> items, std::int64_t now_ms);
// GEOPOS: each member's cell center; nullopt for a missing member (or key).
Result<std::vector<std::optional<GeoPoint>>> op_geopos(Db& db, std::string_view key,
                                                      std::span<const std::string_view> members, std::int64_t now_ms);
// GEOHASH: each member's 11-character standard geohash, nullopt when missing.
Result<std::vector<std::optional<std::string>>> op_geohash(Db& db, std::string_view key,
                                                          std::span<const std::string_view> members,
                                                          std::int64_t now_ms);
// GEODIST: the distance between two members in units of `unit_m` meters;
// nullopt when the key or either member is missing.
Result<std::optional<double>> op_geodist(Db& db, std::string_view key, std::string_view a, std::string_view b,
                                         double unit_m, std::int64_t now_ms);

// Whether the search source exists (kWrongType when it is not a sorted set).
Result<bool> op_geo_exists(Db& db, std::string_view key, std::int64_t now_ms);

enum class GeoSort : unsigned char { kNone, kAsc, kDesc };

struct GeoSearch {
  geo::Shape shape;
  GeoSort sort = GeoSort::kNone;
  std::size_t count = 0;  // 0: no limit
  bool any = false;       // stop once `count` matches are found
};

struct GeoMatch {
  std::string member;
  double dist = 0;   // from the center, in the shape's unit
  double score = 0;  // the stored geohash
  GeoPoint point;    // the cell center
};

// GEOSEARCH / GEORADIUS: the members inside the shape, visiting the 9 covering
// cells in Redis's order (each in score order), then sorted by distance when
// asked (COUNT without ANY sorts ascending), truncated to `count`. Ties in
// distance keep the visiting order. O(N+log(M)) per cell, plus the sort.
Result<std::vector<GeoMatch>> op_geosearch(Db& db, std::string_view key, const GeoSearch& search,
                                           std::int64_t now_ms);
// The STORE forms: writes `matches` to dst as a sorted set scored by geohash,
// or by distance when `storedist` (replacing any value and TTL), or deletes
// dst when there are none. Returns how many were stored. `event` is the
// keyspace notification of a stored result ("georadiusstore" / "geosearchstore").
std::size_t op_geostore(Db& dst, std::string_view dst_key, std::span<const GeoMatch> matches, bool storedist,
                        std::string_view event, std::int64_t now_ms);

// Redis's addReplyDoubleDistance text: fixed point with 4 decimals.
std::string format_geo_distance(double d);
// Redis's addReplyHumanLongDouble text (RESP2 bulk / RESP3 double): "%.17Lf"
// with trailing zeros (and a bare dot) removed, "-0" as "0".
std::string format_geo_coord(double d);

}  // namespace kora::core
