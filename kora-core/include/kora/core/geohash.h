#pragma once
// Geohash arithmetic as Redis 7.0 does it (geohash.c, geohash_helper.c): the
// interleaved 52-bit cell of a longitude/latitude over Redis's Web-Mercator
// limits, its decoding to the cell center, the 9 cells that cover a search
// shape, and the haversine distance on Redis's earth radius. The numerics
// (operation order, clamping, the float-to-int conversions) follow Redis's so
// that scores, coordinates and distances print the same digits.
//
// Pure functions; callable from any thread.

#include <array>
#include <cstdint>

namespace kora::core::geo {

inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr int kStepMax = 26;  // 52 bits
inline constexpr double kEarthRadiusM = 6372797.560856;

struct Range {
  double min = 0, max = 0;
};

// A cell: `step` bits of longitude interleaved with `step` bits of latitude.
// {0, 0} is "no cell" (a neighbor pruned from a search).
struct Bits {
  std::uint64_t bits = 0;
  std::uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }
  bool operator==(const Bits&) const = default;
};

struct Area {
  Bits hash;
  Range lon, lat;
};

// True when Redis accepts the pair (GEOADD, FROMLONLAT, GEORADIUS).
inline bool valid_lon_lat(double lon, double lat) {
  return !(lon < kLonMin || lon > kLonMax || lat < kLatMin || lat > kLatMax);
}

// geohashEncode over explicit ranges (GEOHASH re-encodes over +-90 latitude).
// False when the point or the step (1..32) is out of range.
bool encode(const Range& lon_range, const Range& lat_range, double lon, double lat, int step, Bits* out);
// Over Redis's limits.
bool encode_wgs84(double lon, double lat, int step, Bits* out);
// The cell's bounds. False for the zero cell.
bool decode(const Range& lon_range, const Range& lat_range, Bits hash, Area* out);
bool decode_wgs84(Bits hash, Area* out);
// The cell center, clamped to the limits (GEOPOS, WITHCOORD).
bool decode_to_lon_lat(Bits hash, double* lon, double* lat);

// The 52-bit sorted-set score of a cell (geohashAlign52Bits).
inline std::uint64_t align52(Bits h) { return h.bits << (52 - h.step * 2); }
// A stored score's point: the center of its 26-step cell (decodeGeohash).
bool decode_score(double score, double* lon, double* lat);
// The 52-bit score of a point (GEOADD). Precondition: valid_lon_lat.
std::uint64_t score_of(double lon, double lat);
// GEOHASH's 11-character standard geohash of a stored score, or false.
bool standard_geohash(double score, char out[11]);

// Distances in meters (geohashGetDistance: haversine; same longitude short-cuts
// to the latitude distance).
double lat_distance(double lat1, double lat2);
double distance(double lon1, double lat1, double lon2, double lat2);

// A search shape: a circle (radius) or a box (width x height) around lon/lat,
// in units of `conversion` meters.
struct Shape {
  bool box = false;
  double lon = 0, lat = 0;
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
};

// The covering cells of a shape, in Redis's visiting order: the center cell,
// then N, S, E, W, NE, NW, SE, SW (zero cells pruned), and the shape's bounding
// box (geohashCalculateAreasByShapeWGS84).
struct Cover {
  std::array<Bits, 9> cells{};
};
Cover cover(const Shape& shape);

// Whether a point is inside the shape, and its distance (meters) from the
// center (geoWithinShape; a box tests latitude then longitude distance).
bool within(const Shape& shape, double lon, double lat, double* dist);

// geohashEstimateStepsByRadius.
int estimate_steps(double range_meters, double lat);

}  // namespace kora::core::geo
