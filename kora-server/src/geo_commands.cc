// Geo commands (Redis 7.0's geo.c): GEOADD, GEOPOS, GEOHASH, GEODIST,
// GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and their _RO forms.
// Arguments are checked in Redis's order: the source key's type first, then
// the fixed arguments, then the options left to right (FROMMEMBER looks the
// member up as it is read), then the combination rules.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "kora/core/geo_ops.h"
#include "kora/server/command.h"

namespace kora::server {
namespace {

using core::Errc;

// A coordinate as Redis's addReplyHumanLongDouble: a bulk string in RESP2, a
// double in RESP3.
void reply_coord(CommandContext& ctx, double v) {
  const std::string text = core::format_geo_coord(v);
  if (ctx.reply.resp() >= 3) {
    ctx.reply.raw("," + text + "\r\n");
  } else {
    ctx.reply.bulk(text);
  }
}

void reply_point(CommandContext& ctx, const core::GeoPoint& p) {
  ctx.reply.array(2);
  reply_coord(ctx, p.lon);
  reply_coord(ctx, p.lat);
}

// GEOADD key [NX|XX] [CH] longitude latitude member [...]
void geoadd_command(CommandContext& ctx) {
  const auto& argv = ctx.argv;
  core::ZAddOptions opts;
  bool nx = false, xx = false, ch = false;
  std::size_t at = 2;
  for (; at < argv.size(); ++at) {
    if (iequals(argv[at], "nx")) {
      nx = true;
    } else if (iequals(argv[at], "xx")) {
      xx = true;
    } else if (iequals(argv[at], "ch")) {
      ch = true;
    } else {
      break;
    }
  }
  const std::size_t left = argv.size() - at;
  if (left % 3 != 0 || left == 0 || (nx && xx)) return ctx.error(Errc::kSyntax);
  opts.flags = nx ? core::ZSetValue::kNx : (xx ? core::ZSetValue::kXx : core::ZSetValue::kNone);
  std::vector<core::GeoAddItem> items;
  items.reserve(left / 3);
  for (std::size_t i = at; i < argv.size(); i += 3) {
    auto p = core::parse_lon_lat(argv[i], argv[i + 1]);
    if (reply_if_error(ctx, p)) return;
    items.push_back(core::GeoAddItem{*p, argv[i + 2]});
  }
  auto r = core::op_geoadd(ctx.db(), argv[1], opts, items, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.integer(static_cast<std::int64_t>(ch ? r->added + r->updated : r->added));
}

// GEOPOS key [member ...]
void geopos_command(CommandContext& ctx) {
  auto r = core::op_geopos(ctx.db(), ctx.argv[1], ctx.argv.subspan(2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(r->size());
  for (const auto& p : *r) {
    if (p) {
      reply_point(ctx, *p);
    } else {
      ctx.reply.null_array();
    }
  }
}

// GEOHASH key [member ...]
void geohash_command(CommandContext& ctx) {
  auto r = core::op_geohash(ctx.db(), ctx.argv[1], ctx.argv.subspan(2), ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  ctx.reply.array(r->size());
  for (const auto& h : *r) {
    if (h) {
      ctx.reply.bulk(*h);
    } else {
      ctx.reply.null();
    }
  }
}

// GEODIST key member1 member2 [M|KM|FT|MI]
void geodist_command(CommandContext& ctx) {
  double unit = 1;
  if (ctx.argv.size() == 5) {
    auto u = core::parse_geo_unit(ctx.argv[4]);
    if (reply_if_error(ctx, u)) return;
    unit = *u;
  } else if (ctx.argv.size() > 5) {
    return ctx.error(Errc::kSyntax);
  }
  auto r = core::op_geodist(ctx.db(), ctx.argv[1], ctx.argv[2], ctx.argv[3], unit, ctx.now_ms);
  if (reply_if_error(ctx, r)) return;
  if (!*r) return ctx.reply.null();
  ctx.reply.bulk(core::format_geo_distance(**r));
}

// --- searches ------------------------------------------------------------------

enum SearchFlags : unsigned {
  kCoords = 1,       // GEORADIUS: around longitude latitude
  kMember = 2,       // GEORADIUSBYMEMBER: around a member
  kNoStore = 4,      // the _RO forms
  kSearch = 8,       // GEOSEARCH syntax
  kSearchStore = 16  // GEOSEARCHSTORE
};

// "<radius> <unit>": kGeoNeedRadius, kGeoRadiusNegative, kGeoUnit.
core::Result<bool> parse_radius(std::span<const std::string_view> a, core::geo::Shape& shape) {
  auto r = core::parse_score(a[0]);
  if (!r.ok()) return Errc::kGeoNeedRadius;
  if (*r < 0) return Errc::kGeoRadiusNegative;
  auto u = core::parse_geo_unit(a[1]);
  if (!u.ok()) return u.error();
  shape.box = false;
  shape.radius = *r;
  shape.conversion = *u;
  return true;
}

// "<width> <height> <unit>".
core::Result<bool> parse_box(std::span<const std::string_view> a, core::geo::Shape& shape) {
  auto w = core::parse_score(a[0]);
  if (!w.ok()) return Errc::kGeoNeedWidth;
  auto h = core::parse_score(a[1]);
  if (!h.ok()) return Errc::kGeoNeedHeight;
  if (*h < 0 || *w < 0) return Errc::kGeoBoxNegative;
  auto u = core::parse_geo_unit(a[2]);
  if (!u.ok()) return u.error();
  shape.box = true;
  shape.width = *w;
  shape.height = *h;
  shape.conversion = *u;
  return true;
}

// The position of `member` in the source (kGeoMemberDecode when absent).
core::Result<core::GeoPoint> member_point(CommandContext& ctx, std::string_view key, std::string_view member) {
  std::array<std::string_view, 1> one{member};
  auto r = core::op_geopos(ctx.db_for(key), key, one, ctx.now_ms);
  if (!r.ok()) return r.error();
  if (!(*r)[0]) return Errc::kGeoMemberDecode;
  return *(*r)[0];
}

// The store keys a GEORADIUS* command names (each argument after STORE or
// STOREDIST, from the options on): the key finder and the handler agree on it.
void georadius_store_positions(std::span<const std::string_view> argv, std::size_t from,
                               std::vector<std::uint32_t>& out) {
  for (std::size_t i = from; i + 1 < argv.size(); ++i) {
    if (iequals(argv[i], "store") || iequals(argv[i], "storedist")) {
      out.push_back(static_cast<std::uint32_t>(++i));
    }
  }
}

template <std::size_t From>
void georadius_keys(std::span<const std::string_view> argv, std::vector<std::uint32_t>& out) {
  if (argv.size() < 2) return;
  out.push_back(1);
  georadius_store_positions(argv, From, out);
}

// georadiusGeneric.
void search_generic(CommandContext& ctx, std::size_t src_index, unsigned flags) {
  const auto& argv = ctx.argv;
  const std::string_view src = argv[src_index];
  auto exists = core::op_geo_exists(ctx.db_for(src), src, ctx.now_ms);
  if (reply_if_error(ctx, exists)) return;
  core::Db& db = ctx.db_for(src);
  core::GeoSearch search;
  core::geo::Shape& shape = search.shape;
  std::optional<std::size_t> store_at;  // argv index of the destination
  bool storedist = false;

  std::size_t base = 0;
  if (flags & kCoords) {
    base = 6;
    auto p = core::parse_lon_lat(argv[2], argv[3]);
    if (reply_if_error(ctx, p)) return;
    shape.lon = p->lon;
    shape.lat = p->lat;
    auto d = parse_radius(argv.subspan(4, 2), shape);
    if (reply_if_error(ctx, d)) return;
  } else if (flags & kMember) {
    base = 5;
    if (*exists) {
      auto p = member_point(ctx, src, argv[2]);
      if (reply_if_error(ctx, p)) return;
      shape.lon = p->lon;
      shape.lat = p->lat;
      auto d = parse_radius(argv.subspan(3, 2), shape);
      if (reply_if_error(ctx, d)) return;
    }
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      store_at = 1;
    }
  }

  bool withdist = false, withhash = false, withcoord = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  for (std::size_t i = base; i < argv.size(); ++i) {
    const std::string_view arg = argv[i];
    const std::size_t left = argv.size() - i - 1;  // arguments after this one
    const bool plain_store = !(flags & kNoStore) && !(flags & kSearch);
    if (iequals(arg, "withdist")) {
      withdist = true;
    } else if (iequals(arg, "withhash")) {
      withhash = true;
    } else if (iequals(arg, "withcoord")) {
      withcoord = true;
    } else if (iequals(arg, "any")) {
      search.any = true;
    } else if (iequals(arg, "asc")) {
      search.sort = core::GeoSort::kAsc;
    } else if (iequals(arg, "desc")) {
      search.sort = core::GeoSort::kDesc;
    } else if (iequals(arg, "count") && left >= 1) {
      auto n = to_int(argv[i + 1]);
      if (!n) return ctx.error(Errc::kNotInteger);
      if (*n <= 0) return ctx.error(Errc::kGeoCountPositive);
      search.count = static_cast<std::size_t>(*n);
      ++i;
    } else if ((iequals(arg, "store") || iequals(arg, "storedist")) && left >= 1 && plain_store) {
      storedist = iequals(arg, "storedist");
      store_at = ++i;
    } else if (iequals(arg, "storedist") && (flags & kSearch) && (flags & kSearchStore)) {
      storedist = true;
    } else if (iequals(arg, "frommember") && left >= 1 && (flags & kSearch) && !fromloc) {
      if (*exists) {
        auto p = member_point(ctx, src, argv[i + 1]);
        if (reply_if_error(ctx, p)) return;
        shape.lon = p->lon;
        shape.lat = p->lat;
      }
      frommember = true;
      ++i;
    } else if (iequals(arg, "fromlonlat") && left >= 2 && (flags & kSearch) && !frommember) {
      auto p = core::parse_lon_lat(argv[i + 1], argv[i + 2]);
      if (reply_if_error(ctx, p)) return;
      shape.lon = p->lon;
      shape.lat = p->lat;
      fromloc = true;
      i += 2;
    } else if (iequals(arg, "byradius") && left >= 2 && (flags & kSearch) && !bybox) {
      auto d = parse_radius(argv.subspan(i + 1, 2), shape);
      if (reply_if_error(ctx, d)) return;
      byradius = true;
      i += 2;
    } else if (iequals(arg, "bybox") && left >= 3 && (flags & kSearch) && !byradius) {
      auto d = parse_box(argv.subspan(i + 1, 3), shape);
      if (reply_if_error(ctx, d)) return;
      bybox = true;
      i += 3;
    } else {
      return ctx.error(Errc::kSyntax);
    }
  }

  if (store_at && (withdist || withhash || withcoord)) {
    ctx.reply.error(core::error_message(
        Errc::kGeoStoreWith, (flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS"));
    return;
  }
  if ((flags & kSearch) && !(frommember || fromloc)) {
    ctx.reply.error(core::error_message(Errc::kGeoFromOne, argv[0]));
    return;
  }
  if ((flags & kSearch) && !(byradius || bybox)) {
    ctx.reply.error(core::error_message(Errc::kGeoByOne, argv[0]));
    return;
  }
  if (search.any && search.count == 0) return ctx.error(Errc::kGeoAnyNeedsCount);

  std::vector<core::GeoMatch> matches;
  if (*exists) {
    auto r = core::op_geosearch(db, src, search, ctx.now_ms);
    if (reply_if_error(ctx, r)) return;
    matches = std::move(*r);
  }
  if (store_at) {
    const std::string_view dst = argv[*store_at];
    // The destination must be a key the plan lent (see georadius_keys); a
    // differently spelled option list that hides it answers CROSSSLOT.
    if (!(flags & kSearch) && ctx.engine.shard_count() > 1) {
      std::vector<std::uint32_t> named;
      georadius_store_positions(argv, base, named);
      bool lent = false;
      for (auto p : named) lent = lent || p == *store_at;
      if (!lent && ctx.engine.shard_for(dst) != ctx.engine.shard_for(src)) return ctx.error(Errc::kCrossShard);
    }
    ctx.reply.integer(static_cast<std::int64_t>(
        core::op_geostore(ctx.db_for(dst), dst, matches, storedist,
                          (flags & kSearch) ? "geosearchstore" : "georadiusstore", ctx.now_ms)));
    return;
  }
  const std::size_t extras = (withdist ? 1 : 0) + (withhash ? 1 : 0) + (withcoord ? 1 : 0);
  ctx.reply.array(matches.size());
  for (const core::GeoMatch& m : matches) {
    if (extras) ctx.reply.array(extras + 1);
    ctx.reply.bulk(m.member);
    if (withdist) ctx.reply.bulk(core::format_geo_distance(m.dist));
    if (withhash) ctx.reply.integer(static_cast<std::int64_t>(m.score));
    if (withcoord) reply_point(ctx, m.point);
  }
}

void georadius_command(CommandContext& ctx) { search_generic(ctx, 1, kCoords); }
void georadiusbymember_command(CommandContext& ctx) { search_generic(ctx, 1, kMember); }
void georadius_ro_command(CommandContext& ctx) { search_generic(ctx, 1, kCoords | kNoStore); }
void georadiusbymember_ro_command(CommandContext& ctx) { search_generic(ctx, 1, kMember | kNoStore); }
void geosearch_command(CommandContext& ctx) { search_generic(ctx, 1, kSearch); }
void geosearchstore_command(CommandContext& ctx) { search_generic(ctx, 2, kSearch | kSearchStore); }

constexpr std::uint32_t kWriteDenyOom = kWrite;

// clang-format off
const std::array kGeoCommands = {
    CommandSpec{"geoadd", -5, kWriteDenyOom, 1, 1, 1, geoadd_command, Fanout::kNone, nullptr, "@write @geo @slow"},
    CommandSpec{"geopos", -2, kReadOnly, 1, 1, 1, geopos_command, Fanout::kNone, nullptr, "@read @geo @slow"},
    CommandSpec{"geohash", -2, kReadOnly, 1, 1, 1, geohash_command, Fanout::kNone, nullptr, "@read @geo @slow"},
    CommandSpec{"geodist", -4, kReadOnly, 1, 1, 1, geodist_command, Fanout::kNone, nullptr, "@read @geo @slow"},
    CommandSpec{"geosearch", -7, kReadOnly, 1, 1, 1, geosearch_command, Fanout::kNone, nullptr, "@read @geo @slow"},
    CommandSpec{"geosearchstore", -8, kWriteDenyOom | kMultiShard, 1, 2, 1, geosearchstore_command, Fanout::kNone, nullptr, "@write @geo @slow"},
    CommandSpec{"georadius", -6, kWriteDenyOom | kMultiShard, 1, 1, 1, georadius_command, Fanout::kNone, nullptr, "@write @geo @slow", georadius_keys<6>},
    CommandSpec{"georadius_ro", -6, kReadOnly, 1, 1, 1, georadius_ro_command, Fanout::kNone, nullptr, "@read @geo @slow"},
    CommandSpec{"georadiusbymember", -5, kWriteDenyOom | kMultiShard, 1, 1, 1, georadiusbymember_command, Fanout::kNone, nullptr, "@write @geo @slow", georadius_keys<5>},
    CommandSpec{"georadiusbymember_ro", -5, kReadOnly, 1, 1, 1, georadiusbymember_ro_command, Fanout::kNone, nullptr, "@read @geo @slow"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> geo_commands() { return kGeoCommands; }

}  // namespace kora::server
