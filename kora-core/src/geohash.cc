// Geohash arithmetic, written to give Redis 7.0's exact numbers (see geohash.h).
#include "kora/core/geohash.h"

#include <cmath>

namespace kora::core::geo {
namespace {

constexpr double kDegToRad = M_PI / 180.0;
constexpr double kMercatorMax = 20037726.37;

double deg_rad(double ang) { return ang * kDegToRad; }
double rad_deg(double ang) { return ang / kDegToRad; }

// Spreads the 32 bits of v to the even bit positions.
std::uint64_t spread(std::uint64_t v) {
  v = (v | (v << 16)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v << 8)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  v = (v | (v << 2)) & 0x3333333333333333ULL;
  v = (v | (v << 1)) & 0x5555555555555555ULL;
  return v;
}

// Gathers the even bit positions of v into 32 bits.
std::uint64_t squash(std::uint64_t v) {
  v &= 0x5555555555555555ULL;
  v = (v | (v >> 1)) & 0x3333333333333333ULL;
  v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  v = (v | (v >> 4)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v >> 8)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v >> 16)) & 0x00000000FFFFFFFFULL;
  return v;
}

constexpr Range kLonRange{kLonMin, kLonMax};
constexpr Range kLatRange{kLatMin, kLatMax};

bool range_zero(const Range& r) { return r.max == 0 && r.min == 0; }

// Moves a cell one step along longitude (odd bits) or latitude (even bits).
void move(Bits* h, int d, bool lon) {
  if (d == 0) return;
  const std::uint64_t mine_mask = lon ? 0xaaaaaaaaaaaaaaaaULL : 0x5555555555555555ULL;
  const std::uint64_t other_mask = ~mine_mask;
  std::uint64_t mine = h->bits & mine_mask;
  const std::uint64_t other = h->bits & other_mask;
  const std::uint64_t zz = other_mask >> (64 - h->step * 2);
  if (d > 0) {
    mine = mine + (zz + 1);
  } else {
    mine = mine | zz;
    mine = mine - (zz + 1);
  }
  mine &= (mine_mask >> (64 - h->step * 2));
  h->bits = mine | other;
}

Bits moved(Bits h, int dlon, int dlat) {
  move(&h, dlon, true);
  move(&h, dlat, false);
  return h;
}

}  // namespace

bool encode(const Range& lon_range, const Range& lat_range, double lon, double lat, int step, Bits* out) {
  if (step > 32 || step == 0 || range_zero(lat_range) || range_zero(lon_range)) return false;
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return false;
  out->bits = 0;
  out->step = static_cast<std::uint8_t>(step);
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) return false;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  // As Redis: the offsets become 32-bit integers (truncated); at the upper
  // limit the offset is 2^step, one bit above the cell bits.
  const auto ilat = static_cast<std::uint32_t>(lat_offset);
  const auto ilon = static_cast<std::uint32_t>(lon_offset);
  out->bits = spread(ilat) | (spread(ilon) << 1);
  return true;
}

bool encode_wgs84(double lon, double lat, int step, Bits* out) {
  return encode(kLonRange, kLatRange, lon, lat, step, out);
}

bool decode(const Range& lon_range, const Range& lat_range, Bits hash, Area* out) {
  if (hash.zero() || range_zero(lat_range) || range_zero(lon_range)) return false;
  out->hash = hash;
  const int step = hash.step;
  const auto ilat = static_cast<std::uint32_t>(squash(hash.bits));
  const auto ilon = static_cast<std::uint32_t>(squash(hash.bits >> 1));
  const double lat_scale = lat_range.max - lat_range.min;
  const double lon_scale = lon_range.max - lon_range.min;
  const auto div = static_cast<double>(1ULL << step);
  out->lat.min = lat_range.min + (ilat * 1.0 / div) * lat_scale;
  out->lat.max = lat_range.min + ((ilat + 1) * 1.0 / div) * lat_scale;
  out->lon.min = lon_range.min + (ilon * 1.0 / div) * lon_scale;
  out->lon.max = lon_range.min + ((ilon + 1) * 1.0 / div) * lon_scale;
  return true;
}

bool decode_wgs84(Bits hash, Area* out) { return decode(kLonRange, kLatRange, hash, out); }

bool decode_to_lon_lat(Bits hash, double* lon, double* lat) {
  Area area;
  if (!decode_wgs84(hash, &area)) return false;
  double x = (area.lon.min + area.lon.max) / 2;
  if (x > kLonMax) x = kLonMax;
  if (x < kLonMin) x = kLonMin;
  double y = (area.lat.min + area.lat.max) / 2;
  if (y > kLatMax) y = kLatMax;
  if (y < kLatMin) y = kLatMin;
  *lon = x;
  *lat = y;
  return true;
}

// Redis casts the score with (uint64_t), undefined outside [0, 2^64); its
// x86-64 build (GCC) does what this spells out: below 2^63 (or NaN) the
// truncating cvttsd2si, above it cvttsd2si of score - 2^63 with the top bit
// flipped, cvttsd2si giving INT64_MIN when out of range. Negative scores,
// scores past 2^64 and NaN thus decode as on Redis whatever compiles Kora.
namespace {
std::uint64_t score_bits(double score) {
  constexpr double kTwo63 = 9223372036854775808.0;
  auto cvtt = [](double v) -> std::uint64_t {
    if (!(v >= -kTwo63 && v < kTwo63)) return std::uint64_t{1} << 63;
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
  };
  if (score >= kTwo63) return cvtt(score - kTwo63) ^ (std::uint64_t{1} << 63);
  return cvtt(score);
}
}  // namespace

bool decode_score(double score, double* lon, double* lat) {
  Bits h{score_bits(score), kStepMax};
  return decode_to_lon_lat(h, lon, lat);
}

std::uint64_t score_of(double lon, double lat) {
  Bits h;
  encode_wgs84(lon, lat, kStepMax, &h);
  return align52(h);
}

bool standard_geohash(double score, char out[11]) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double lon, lat;
  if (!decode_score(score, &lon, &lat)) return false;
  Bits h;
  encode(Range{-180, 180}, Range{-90, 90}, lon, lat, 26, &h);
  for (int i = 0; i < 11; ++i) {
    // 52 bits make 10 characters and 2 bits; the 11th is "0" as in Redis.
    const std::uint64_t idx = i == 10 ? 0 : (h.bits >> (52 - ((i + 1) * 5))) & 0x1f;
    out[i] = kAlphabet[idx];
  }
  return true;
}

double lat_distance(double lat1, double lat2) {
  return kEarthRadiusM * std::fabs(deg_rad(lat2) - deg_rad(lat1));
}

double distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = deg_rad(lon1);
  const double lon2r = deg_rad(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  if (v == 0.0) return lat_distance(lat1, lat2);
  const double lat1r = deg_rad(lat1);
  const double lat2r = deg_rad(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusM * std::asin(std::sqrt(a));
}

int estimate_steps(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

Cover cover(const Shape& shape) {
  // The bounding box (geohashBoundingBox).
  const double height = shape.conversion * (shape.box ? shape.height / 2 : shape.radius);
  const double width = shape.conversion * (shape.box ? shape.width / 2 : shape.radius);
  const double lat_delta = rad_deg(height / kEarthRadiusM);
  const double lon_delta_top = rad_deg(width / kEarthRadiusM / std::cos(deg_rad(shape.lat + lat_delta)));
  const double lon_delta_bottom = rad_deg(width / kEarthRadiusM / std::cos(deg_rad(shape.lat - lat_delta)));
  const bool south = shape.lat < 0;
  const double min_lon = south ? shape.lon - lon_delta_bottom : shape.lon - lon_delta_top;
  const double max_lon = south ? shape.lon + lon_delta_bottom : shape.lon + lon_delta_top;
  const double min_lat = shape.lat - lat_delta;
  const double max_lat = shape.lat + lat_delta;

  double radius_m = shape.box ? std::sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2))
                              : shape.radius;
  radius_m *= shape.conversion;
  int steps = estimate_steps(radius_m, shape.lat);

  Bits hash;
  Area area;
  auto neighbors_of = [](Bits h) {
    // Order: N, S, E, W, NE, NW, SE, SW.
    return std::array<Bits, 8>{moved(h, 0, 1),  moved(h, 0, -1), moved(h, 1, 0),  moved(h, -1, 0),
                               moved(h, 1, 1),  moved(h, -1, 1), moved(h, 1, -1), moved(h, -1, -1)};
  };
  encode(kLonRange, kLatRange, shape.lon, shape.lat, steps, &hash);
  std::array<Bits, 8> nb = neighbors_of(hash);
  decode(kLonRange, kLatRange, hash, &area);

  // A step too coarse near the edges of the area: one step finer.
  bool decrease = false;
  {
    Area north, south_a, east, west;
    decode(kLonRange, kLatRange, nb[0], &north);
    decode(kLonRange, kLatRange, nb[1], &south_a);
    decode(kLonRange, kLatRange, nb[2], &east);
    decode(kLonRange, kLatRange, nb[3], &west);
    if (north.lat.max < max_lat) decrease = true;
    if (south_a.lat.min > min_lat) decrease = true;
    if (east.lon.max < max_lon) decrease = true;
    if (west.lon.min > min_lon) decrease = true;
  }
  if (steps > 1 && decrease) {
    steps--;
    encode(kLonRange, kLatRange, shape.lon, shape.lat, steps, &hash);
    nb = neighbors_of(hash);
    decode(kLonRange, kLatRange, hash, &area);
  }
  // Prune the neighbors outside the bounding box.
  if (steps >= 2) {
    enum { N, S, E, W, NE, NW, SE, SW };
    if (area.lat.min < min_lat) nb[S] = nb[SW] = nb[SE] = Bits{};
    if (area.lat.max > max_lat) nb[N] = nb[NE] = nb[NW] = Bits{};
    if (area.lon.min < min_lon) nb[W] = nb[SW] = nb[NW] = Bits{};
    if (area.lon.max > max_lon) nb[E] = nb[SE] = nb[NE] = Bits{};
  }
  Cover out;
  out.cells[0] = hash;
  for (std::size_t i = 0; i < 8; ++i) out.cells[i + 1] = nb[i];
  return out;
}

bool within(const Shape& shape, double lon, double lat, double* dist) {
  if (!shape.box) {
    *dist = distance(shape.lon, shape.lat, lon, lat);
    return *dist <= shape.radius * shape.conversion;
  }
  const double width_m = shape.width * shape.conversion;
  const double height_m = shape.height * shape.conversion;
  if (lat_distance(lat, shape.lat) > height_m / 2) return false;
  if (distance(lon, lat, shape.lon, lat) > width_m / 2) return false;
  *dist = distance(shape.lon, shape.lat, lon, lat);
  return true;
}

}  // namespace kora::core::geo
