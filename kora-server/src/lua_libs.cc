// The Lua libraries Redis bundles that Debian does not package: `struct`
// (binary packing, Roberto Ierusalimschy's format language) and `cmsgpack`
// (MessagePack), written over the Lua 5.1 C API with Redis's encoding choices
// (shortest integer form, float32 when exact, str8 for 32..255 bytes).
//
// These functions are called by Lua and may raise (longjmp): they hold no C++
// object with a destructor while calling the Lua API.
#include <lua.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

namespace kora::server {

namespace {

// ------------------------------------------------------------------ struct

struct Header {
  bool little = true;
  int align = 1;
};

constexpr int kMaxIntSize = 8;
constexpr int kMaxAlign = 8;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int read_number(const char** fmt, int def) {
  if (!is_digit(**fmt)) return def;
  int a = 0;
  do {
    a = a * 10 + (*((*fmt)++) - '0');
  } while (is_digit(**fmt) && a <= (INT32_MAX - 9) / 10);
  return a;
}

// The size of option `opt` (advancing past its count).
std::size_t opt_size(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
      return 8;
    case 'T':
      return sizeof(std::size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return static_cast<std::size_t>(read_number(fmt, 1));
    case 'i':
    case 'I': {
      const int sz = read_number(fmt, sizeof(int));
      if (sz > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", sz, kMaxIntSize);
      return static_cast<std::size_t>(sz);
    }
    default:
      return 0;  // other options
  }
}

int gettoalign(std::size_t len, const Header& h, char opt, std::size_t size) {
  if (size == 0 || opt == 'c') return 0;
  std::size_t align = size;
  if (align > static_cast<std::size_t>(h.align)) align = static_cast<std::size_t>(h.align);
  return static_cast<int>((align - (len & (align - 1))) & (align - 1));
}

void control_options(lua_State* L, char opt, const char** fmt, Header& h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h.little = false;
      return;
    case '<':
      h.little = true;
      return;
    case '!': {
      const int a = read_number(fmt, kMaxAlign);
      if (a & (a - 1)) luaL_error(L, "alignment %d is not a power of 2", a);
      h.align = a;
      return;
    }
    default:
      luaL_error(L, "invalid format option '%c'", opt);
  }
}

void put_integral(luaL_Buffer* b, lua_Number n, const Header& h, int size) {
  std::uint64_t value = static_cast<std::uint64_t>(static_cast<std::int64_t>(n));
  if (n >= 9223372036854775808.0) value = static_cast<std::uint64_t>(n);
  char buf[kMaxIntSize];
  for (int i = 0; i < size; ++i) {
    buf[h.little ? i : size - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  luaL_addlstring(b, buf, static_cast<std::size_t>(size));
}

void put_raw(luaL_Buffer* b, const void* p, int size, const Header& h) {
  char buf[8];
  std::memcpy(buf, p, static_cast<std::size_t>(size));
  if (!h.little) {
    for (int i = 0; i < size / 2; ++i) {
      const char t = buf[i];
      buf[i] = buf[size - 1 - i];
      buf[size - 1 - i] = t;
    }
  }
  luaL_addlstring(b, buf, static_cast<std::size_t>(size));
}

int b_pack(lua_State* L) {
  luaL_Buffer b;
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  std::size_t total = 0;
  lua_pushnil(L);  // mark to separate arguments from the buffer
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const char opt = *fmt++;
    const std::size_t size = opt_size(L, opt, &fmt);
    int toalign = gettoalign(total, h, opt, size);
    total += static_cast<std::size_t>(toalign);
    while (toalign-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        put_integral(&b, luaL_checknumber(L, arg++), h, static_cast<int>(size));
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        const float f = static_cast<float>(luaL_checknumber(L, arg++));
        put_raw(&b, &f, sizeof f, h);
        break;
      }
      case 'd': {
        const double d = luaL_checknumber(L, arg++);
        put_raw(&b, &d, sizeof d, h);
        break;
      }
      case 'c':
      case 's': {
        std::size_t l = 0;
        const char* s = luaL_checklstring(L, arg++, &l);
        std::size_t n = size;
        if (opt == 's' || n == 0) n = l;
        luaL_argcheck(L, l >= n, arg - 1, "string too short");
        luaL_addlstring(&b, s, n);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          ++n;
        }
        total += n;
        continue;
      }
      default:
        control_options(L, opt, &fmt, h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

lua_Number get_integral(const char* buf, bool little, bool is_signed, int size) {
  std::uint64_t v = 0;
  for (int i = 0; i < size; ++i) {
    v <<= 8;
    v |= static_cast<unsigned char>(buf[little ? size - 1 - i : i]);
  }
  if (!is_signed) return static_cast<lua_Number>(v);
  if (size < 8) {
    const std::uint64_t mask = ~0ULL << (size * 8 - 1);
    if (v & mask) v |= mask;
  }
  return static_cast<lua_Number>(static_cast<std::int64_t>(v));
}

int b_unpack(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  std::size_t ld = 0;
  const char* data = luaL_checklstring(L, 2, &ld);
  std::size_t pos = static_cast<std::size_t>(luaL_optinteger(L, 3, 1)) - 1;
  luaL_argcheck(L, pos <= ld, 3, "offset must be 1 or greater");
  lua_settop(L, 2);
  while (*fmt) {
    const char opt = *fmt++;
    std::size_t size = opt_size(L, opt, &fmt);
    pos += static_cast<std::size_t>(gettoalign(pos, h, opt, size));
    luaL_argcheck(L, pos + size <= ld && pos + size >= pos, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I': {
        const bool is_signed = opt == 'b' || opt == 'h' || opt == 'l' || opt == 'i';
        lua_pushnumber(L, get_integral(data + pos, h.little, is_signed, static_cast<int>(size)));
        break;
      }
      case 'x':
        break;
      case 'f': {
        float f;
        char buf[4];
        std::memcpy(buf, data + pos, 4);
        if (!h.little) std::swap(buf[0], buf[3]), std::swap(buf[1], buf[2]);
        std::memcpy(&f, buf, 4);
        lua_pushnumber(L, static_cast<lua_Number>(f));
        break;
      }
      case 'd': {
        double d;
        char buf[8];
        std::memcpy(buf, data + pos, 8);
        if (!h.little) {
          for (int i = 0; i < 4; ++i) std::swap(buf[i], buf[7 - i]);
        }
        std::memcpy(&d, buf, 8);
        lua_pushnumber(L, d);
        break;
      }
      case 'c': {
        if (size == 0) {
          if (lua_gettop(L) == 2 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<std::size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          luaL_argcheck(L, pos + size <= ld && pos + size >= pos, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        break;
      }
      case 's': {
        const void* e = std::memchr(data + pos, '\0', ld - pos);
        if (e == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<std::size_t>(static_cast<const char*>(e) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        break;
      }
      default:
        control_options(L, opt, &fmt, h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos) + 1);
  return lua_gettop(L) - 2;
}

int b_size(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  std::size_t pos = 0;
  while (*fmt) {
    const char opt = *fmt++;
    const std::size_t size = opt_size(L, opt, &fmt);
    pos += static_cast<std::size_t>(gettoalign(pos, h, opt, size));
    if (opt == 's') {
      luaL_argerror(L, 1, "options 's' - 'c0' have undefined sizes");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "options 's' - 'c0' have undefined sizes");
    }
    if (size == 0 && opt != 'c') control_options(L, opt, &fmt, h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

// ---------------------------------------------------------------- cmsgpack

constexpr int kMaxNesting = 16;

// The encoder's output: one per thread, reused (no C++ object lives in a frame
// that Lua may unwind).
thread_local std::string t_mp;

void mp_put(std::uint8_t tag, std::uint64_t v, int bytes) {
  t_mp += static_cast<char>(tag);
  for (int i = bytes - 1; i >= 0; --i) t_mp += static_cast<char>((v >> (8 * i)) & 0xff);
}

void mp_encode_int(std::int64_t n) {
  const auto u = static_cast<std::uint64_t>(n);
  if (n >= 0) {
    if (n <= 127) {
      t_mp += static_cast<char>(n);
    } else if (n <= 0xff) {
      mp_put(0xcc, u, 1);
    } else if (n <= 0xffff) {
      mp_put(0xcd, u, 2);
    } else if (n <= 0xffffffffLL) {
      mp_put(0xce, u, 4);
    } else {
      mp_put(0xcf, u, 8);
    }
  } else if (n >= -32) {
    t_mp += static_cast<char>(static_cast<signed char>(n));
  } else if (n >= -128) {
    mp_put(0xd0, u, 1);
  } else if (n >= -32768) {
    mp_put(0xd1, u, 2);
  } else if (n >= -2147483648LL) {
    mp_put(0xd2, u, 4);
  } else {
    mp_put(0xd3, u, 8);
  }
}

void mp_encode_double(double d) {
  const float f = static_cast<float>(d);
  if (d == static_cast<double>(f)) {
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    mp_put(0xca, bits, 4);
  } else {
    std::uint64_t bits;
    std::memcpy(&bits, &d, 8);
    mp_put(0xcb, bits, 8);
  }
}

void mp_encode_len(std::size_t n, std::uint8_t fix, std::size_t fix_max, std::uint8_t t16, std::uint8_t t32) {
  if (n <= fix_max) {
    t_mp += static_cast<char>(fix | n);
  } else if (n <= 0xffff) {
    mp_put(t16, n, 2);
  } else {
    mp_put(t32, n, 4);
  }
}

bool table_is_array(lua_State* L) {
  const int top = lua_gettop(L);
  lua_Number max = 0;
  lua_Number count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    lua_Number n;
    if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || n != std::floor(n)) {
      lua_settop(L, top);
      return false;
    }
    if (n > max) max = n;
    ++count;
  }
  lua_settop(L, top);
  return max == count;
}

// Encodes the value on top of the stack into t_mp and pops it.
void mp_encode_value(lua_State* L, int level) {
  luaL_checkstack(L, 3, "in function mp_encode_value");
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && level == kMaxNesting) t = LUA_TNIL;
  switch (t) {
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      if (len < 32) {
        t_mp += static_cast<char>(0xa0 | len);
      } else if (len <= 0xff) {
        mp_put(0xd9, len, 1);
      } else if (len <= 0xffff) {
        mp_put(0xda, len, 2);
      } else {
        mp_put(0xdb, len, 4);
      }
      t_mp.append(s, len);
      break;
    }
    case LUA_TBOOLEAN:
      t_mp += static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2);
      break;
    case LUA_TNUMBER: {
      const lua_Number n = lua_tonumber(L, -1);
      if (std::isfinite(n) && std::fabs(n) < 9.2e18 && n == static_cast<lua_Number>(static_cast<std::int64_t>(n))) {
        mp_encode_int(static_cast<std::int64_t>(n));
      } else {
        mp_encode_double(n);
      }
      break;
    }
    case LUA_TTABLE:
      if (table_is_array(L)) {
        const std::size_t len = lua_objlen(L, -1);
        mp_encode_len(len, 0x90, 15, 0xdc, 0xdd);
        for (std::size_t j = 1; j <= len; ++j) {
          lua_rawgeti(L, -1, static_cast<int>(j));
          mp_encode_value(L, level + 1);
        }
      } else {
        std::size_t len = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          ++len;
        }
        mp_encode_len(len, 0x80, 15, 0xde, 0xdf);
        lua_pushnil(L);
        while (lua_next(L, -2)) {   // table key value
          lua_pushvalue(L, -2);     // table key value key
          mp_encode_value(L, level + 1);  // the key
          mp_encode_value(L, level + 1);  // the value; leaves table key
        }
      }
      break;
    default:
      t_mp += static_cast<char>(0xc0);
  }
  lua_pop(L, 1);
}

int mp_pack(lua_State* L) {
  const int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  for (int i = 1; i <= nargs; ++i) {
    t_mp.clear();
    lua_pushvalue(L, i);
    mp_encode_value(L, 0);
    lua_pushlstring(L, t_mp.data(), t_mp.size());
  }
  lua_concat(L, nargs);
  return 1;
}

struct Cursor {
  const unsigned char* p;
  std::size_t left;
  int err;  // 0 ok, 1 missing bytes, 2 bad format
};

bool need(Cursor& c, std::size_t n) {
  if (c.left < n) {
    c.err = 1;
    return false;
  }
  return true;
}

std::uint64_t read_be(Cursor& c, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | c.p[i];
  c.p += bytes;
  c.left -= static_cast<std::size_t>(bytes);
  return v;
}

void mp_decode(lua_State* L, Cursor& c);

void mp_decode_array(lua_State* L, Cursor& c, std::size_t n) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_array");
  for (std::size_t i = 1; i <= n; ++i) {
    mp_decode(L, c);
    if (c.err) return;
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void mp_decode_map(lua_State* L, Cursor& c, std::size_t n) {
  lua_newtable(L);
  luaL_checkstack(L, 2, "in function mp_decode_map");
  for (std::size_t i = 0; i < n; ++i) {
    mp_decode(L, c);
    if (c.err) return;
    mp_decode(L, c);
    if (c.err) return;
    lua_settable(L, -3);
  }
}

void mp_decode_bytes(lua_State* L, Cursor& c, std::size_t n) {
  if (!need(c, n)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), n);
  c.p += n;
  c.left -= n;
}

void mp_decode(lua_State* L, Cursor& c) {
  if (!need(c, 1)) return;
  const unsigned char t = *c.p;
  luaL_checkstack(L, 1, "too many nested values");
  if (t <= 0x7f) {
    read_be(c, 1);
    lua_pushnumber(L, t);
    return;
  }
  if (t >= 0xe0) {
    read_be(c, 1);
    lua_pushnumber(L, static_cast<signed char>(t));
    return;
  }
  if ((t & 0xe0) == 0xa0) {
    read_be(c, 1);
    return mp_decode_bytes(L, c, t & 0x1f);
  }
  if ((t & 0xf0) == 0x90) {
    read_be(c, 1);
    return mp_decode_array(L, c, t & 0x0f);
  }
  if ((t & 0xf0) == 0x80) {
    read_be(c, 1);
    return mp_decode_map(L, c, t & 0x0f);
  }
  auto fixed = [&](int bytes) -> bool { return need(c, 1 + static_cast<std::size_t>(bytes)); };
  switch (t) {
    case 0xc0:
      read_be(c, 1);
      lua_pushnil(L);
      return;
    case 0xc2:
    case 0xc3:
      read_be(c, 1);
      lua_pushboolean(L, t == 0xc3);
      return;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
      const int bytes = 1 << (t - 0xcc);
      if (!fixed(bytes)) return;
      read_be(c, 1);
      lua_pushnumber(L, static_cast<lua_Number>(read_be(c, bytes)));
      return;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const int bytes = 1 << (t - 0xd0);
      if (!fixed(bytes)) return;
      read_be(c, 1);
      std::uint64_t v = read_be(c, bytes);
      if (bytes < 8 && (v >> (8 * bytes - 1))) v |= ~0ULL << (8 * bytes);
      lua_pushnumber(L, static_cast<lua_Number>(static_cast<std::int64_t>(v)));
      return;
    }
    case 0xca: {
      if (!fixed(4)) return;
      read_be(c, 1);
      const auto bits = static_cast<std::uint32_t>(read_be(c, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      lua_pushnumber(L, static_cast<lua_Number>(f));
      return;
    }
    case 0xcb: {
      if (!fixed(8)) return;
      read_be(c, 1);
      const std::uint64_t bits = read_be(c, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      lua_pushnumber(L, d);
      return;
    }
    case 0xc4:
    case 0xd9:
      if (!fixed(1)) return;
      read_be(c, 1);
      return mp_decode_bytes(L, c, static_cast<std::size_t>(read_be(c, 1)));
    case 0xc5:
    case 0xda:
      if (!fixed(2)) return;
      read_be(c, 1);
      return mp_decode_bytes(L, c, static_cast<std::size_t>(read_be(c, 2)));
    case 0xc6:
    case 0xdb:
      if (!fixed(4)) return;
      read_be(c, 1);
      return mp_decode_bytes(L, c, static_cast<std::size_t>(read_be(c, 4)));
    case 0xdc:
      if (!fixed(2)) return;
      read_be(c, 1);
      return mp_decode_array(L, c, static_cast<std::size_t>(read_be(c, 2)));
    case 0xdd:
      if (!fixed(4)) return;
      read_be(c, 1);
      return mp_decode_array(L, c, static_cast<std::size_t>(read_be(c, 4)));
    case 0xde:
      if (!fixed(2)) return;
      read_be(c, 1);
      return mp_decode_map(L, c, static_cast<std::size_t>(read_be(c, 2)));
    case 0xdf:
      if (!fixed(4)) return;
      read_be(c, 1);
      return mp_decode_map(L, c, static_cast<std::size_t>(read_be(c, 4)));
    default:
      c.err = 2;
  }
}

int mp_unpack_full(lua_State* L, lua_Integer limit, lua_Integer offset) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const bool decode_all = !limit && !offset;
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (static_cast<std::size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset), static_cast<int>(len));
  }
  if (decode_all) limit = INT32_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<std::size_t>(offset), 0};
  int count = 0;
  for (; c.left > 0 && count < limit; ++count) {
    mp_decode(L, c);
    if (c.err == 1) return luaL_error(L, "Missing bytes in input.");
    if (c.err == 2) return luaL_error(L, "Bad data format in input.");
  }
  if (!decode_all) {
    const std::size_t new_offset = len - c.left;
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(new_offset));
    lua_insert(L, 2);
    ++count;
  }
  return count;
}

int mp_unpack(lua_State* L) { return mp_unpack_full(L, 0, 0); }

int mp_unpack_one(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_pop(L, lua_gettop(L) - 1);
  return mp_unpack_full(L, 1, offset);
}

int mp_unpack_limit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_pop(L, lua_gettop(L) - 1);
  return mp_unpack_full(L, limit, offset);
}

}  // namespace

int luaopen_struct(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, b_pack);
  lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, b_unpack);
  lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, b_size);
  lua_setfield(L, -2, "size");
  return 1;
}

int luaopen_cmsgpack(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, mp_pack);
  lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, mp_unpack);
  lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, mp_unpack_one);
  lua_setfield(L, -2, "unpack_one");
  lua_pushcfunction(L, mp_unpack_limit);
  lua_setfield(L, -2, "unpack_limit");
  lua_pushstring(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}

}  // namespace kora::server
