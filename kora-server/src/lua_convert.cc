// RESP <-> Lua conversions and error tables (lua_internal.h).
#include <cstring>

#include "lua_internal.h"

namespace kora::server::lua {

// ------------------------------------------------------------------ errors

// Pushes Redis's error table {err="CODE message"} for `msg`: "-CODE message"
// keeps its code, anything else gets "ERR "; trailing CR/LF are trimmed.
void push_error_table(lua_State* L, const char* msg, std::size_t len) {
  const char* code = "ERR";
  std::size_t code_len = 3;
  if (len > 0 && msg[0] == '-') {
    const void* sp = std::memchr(msg, ' ', len);
    if (sp) {
      code = msg + 1;
      code_len = static_cast<std::size_t>(static_cast<const char*>(sp) - msg) - 1;
      len -= code_len + 2;
      msg = static_cast<const char*>(sp) + 1;
    } else {
      ++msg;
      --len;
    }
  }
  while (len > 0 && (msg[len - 1] == '\r' || msg[len - 1] == '\n')) --len;
  while (len > 0 && (msg[0] == '\r' || msg[0] == '\n')) {
    ++msg;
    --len;
  }
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, code, code_len);
  lua_pushstring(L, " ");
  lua_pushlstring(L, msg, len);
  lua_concat(L, 3);
  lua_settable(L, -3);
}

void push_error_table(lua_State* L, const char* msg) { push_error_table(L, msg, std::strlen(msg)); }

// The text of an error code, kept in a static buffer per code (no C++ object
// alive when Lua raises).
const char* errc_text(core::Errc code) {
  thread_local std::string text;
  text = core::error_message(code);
  return text.c_str();
}

[[noreturn]] void raise_table(lua_State* L, const char* msg) {
  push_error_table(L, msg);
  lua_error(L);
  __builtin_unreachable();
}

// ---------------------------------------------------------- RESP -> Lua

// Parses one RESP reply at `p` (< end) and pushes it (Redis's
// redisProtocolToLuaType). Returns the position after it.
const char* push_resp(lua_State* L, const char* p, const char* end, bool push);

const char* line_end(const char* p, const char* end) {
  const void* cr = std::memchr(p, '\r', static_cast<std::size_t>(end - p));
  return cr ? static_cast<const char*>(cr) : end;
}

long long parse_ll(const char* p, const char* e) {
  bool neg = false;
  if (p < e && *p == '-') {
    neg = true;
    ++p;
  }
  long long v = 0;
  for (; p < e; ++p) v = v * 10 + (*p - '0');
  return neg ? -v : v;
}

const char* push_resp(lua_State* L, const char* p, const char* end, bool push) {
  if (push) lua_checkstack(L, 4);
  const char type = *p++;
  const char* le = line_end(p, end);
  const char* next = le + 2 <= end ? le + 2 : end;
  switch (type) {
    case '+':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "ok");
        lua_pushlstring(L, p, static_cast<std::size_t>(le - p));
        lua_settable(L, -3);
      }
      return next;
    case '-':
      if (push) {
        lua_pushstring(L, "-");
        lua_pushlstring(L, p, static_cast<std::size_t>(le - p));
        lua_concat(L, 2);
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        push_error_table(L, s, len);
        lua_remove(L, -2);
        lua_pushstring(L, "ignore_error_stats_update");
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      return next;
    case ':':
      if (push) lua_pushnumber(L, static_cast<lua_Number>(parse_ll(p, le)));
      return next;
    case '_':
      if (push) lua_pushnil(L);
      return next;
    case '#':
      if (push) lua_pushboolean(L, *p == 't');
      return next;
    case ',':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "double");
        lua_pushnumber(L, std::strtod(std::string(p, le).c_str(), nullptr));
        lua_settable(L, -3);
      }
      return next;
    case '(':
      if (push) {
        lua_newtable(L);
        lua_pushstring(L, "big_number");
        lua_pushlstring(L, p, static_cast<std::size_t>(le - p));
        lua_settable(L, -3);
      }
      return next;
    case '$':
    case '=': {
      const long long n = parse_ll(p, le);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return next;
      }
      const char* body = next;
      if (push) {
        if (type == '$') {
          lua_pushlstring(L, body, static_cast<std::size_t>(n));
        } else {
          lua_newtable(L);
          lua_pushstring(L, "verbatim_string");
          lua_newtable(L);
          lua_pushstring(L, "string");
          lua_pushlstring(L, body + 4, static_cast<std::size_t>(n) - 4);
          lua_settable(L, -3);
          lua_pushstring(L, "format");
          lua_pushlstring(L, body, 3);
          lua_settable(L, -3);
          lua_settable(L, -3);
        }
      }
      return body + n + 2;
    }
    case '*':
    case '~':
    case '%':
    case '|': {
      const long long n = parse_ll(p, le);
      if (n < 0) {
        if (push) lua_pushboolean(L, 0);
        return next;
      }
      p = next;
      if (type == '|') {  // attributes are skipped; the reply follows
        for (long long i = 0; i < 2 * n; ++i) p = push_resp(L, p, end, false);
        return push_resp(L, p, end, push);
      }
      if (push) {
        if (type == '*') {
          lua_newtable(L);
        } else {
          lua_newtable(L);
          lua_pushstring(L, type == '%' ? "map" : "set");
          lua_newtable(L);
        }
      }
      for (long long i = 0; i < n; ++i) {
        if (type == '*') {
          if (push) lua_pushnumber(L, static_cast<lua_Number>(i + 1));
          p = push_resp(L, p, end, push);
        } else if (type == '%') {
          p = push_resp(L, p, end, push);
          p = push_resp(L, p, end, push);
        } else {
          p = push_resp(L, p, end, push);
          if (push) lua_pushboolean(L, 1);
        }
        if (push) lua_settable(L, -3);
      }
      if (push && type != '*') lua_settable(L, -3);
      return p;
    }
    default:
      if (push) lua_pushnil(L);
      return end;
  }
}

// ---------------------------------------------------------- Lua -> RESP

std::int64_t lua_integer(lua_Number n) {
  if (std::isnan(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0) return INT64_MIN;
  return static_cast<std::int64_t>(n);
}

// Replies the value on top of the stack and pops it (luaReplyToRedisReply).
// `script_resp`: the protocol the script chose (booleans in RESP2 mode).
void reply_lua_value(lua_State* L, protocol::ReplyWriter& w, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    w.error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      w.bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          w.integer(1);
        } else {
          w.null();
        }
      } else {
        w.boolean(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER:
      w.integer(lua_integer(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      auto field = [&](const char* name, int type) {
        lua_pushstring(L, name);
        lua_rawget(L, -2);
        if (lua_type(L, -1) == type) return true;
        lua_pop(L, 1);
        return false;
      };
      if (field("err", LUA_TSTRING)) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        // Redis replies "-" + the field as it is (a leading '-' is kept).
        w.error(std::string_view(s, len));
        lua_pop(L, 2);
        return;
      }
      if (field("ok", LUA_TSTRING)) {
        std::string ok = lua_tostring(L, -1);
        for (char& c : ok) {
          if (c == '\r' || c == '\n') c = ' ';
        }
        w.simple(ok);
        lua_pop(L, 2);
        return;
      }
      if (field("double", LUA_TNUMBER)) {
        w.dbl(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      if (field("big_number", LUA_TSTRING)) {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        std::string big(s, len);
        for (char& c : big) {
          if (c == '\r' || c == '\n') c = ' ';
        }
        w.big_number(big);
        lua_pop(L, 2);
        return;
      }
      if (field("verbatim_string", LUA_TTABLE)) {
        if (field("format", LUA_TSTRING)) {
          std::string format = lua_tostring(L, -1);
          lua_pop(L, 1);
          if (field("string", LUA_TSTRING)) {
            std::size_t len = 0;
            const char* s = lua_tolstring(L, -1, &len);
            if (w.resp() >= 3) {
              std::string text = format.substr(0, 3);
              text.resize(3, ' ');
              w.raw("=" + std::to_string(len + 4) + "\r\n" + text + ":");
              w.raw(std::string_view(s, len));
              w.raw("\r\n");
            } else {
              w.bulk(std::string_view(s, len));
            }
            lua_pop(L, 3);
            return;
          }
        }
        lua_pop(L, 1);
      }
      if (field("map", LUA_TTABLE)) {
        std::size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          ++n;
          lua_pop(L, 1);
        }
        w.map(n);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          reply_lua_value(L, w, script_resp);  // the key
          reply_lua_value(L, w, script_resp);  // the value
        }
        lua_pop(L, 2);
        return;
      }
      if (field("set", LUA_TTABLE)) {
        std::size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          ++n;
          lua_pop(L, 1);
        }
        w.set(n);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          reply_lua_value(L, w, script_resp);
        }
        lua_pop(L, 2);
        return;
      }
      // An array: elements 1..n up to the first nil.
      std::size_t n = 0;
      while (true) {
        lua_rawgeti(L, -1, static_cast<int>(n + 1));
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++n;
      }
      w.array(n);
      for (std::size_t i = 1; i <= n; ++i) {
        lua_rawgeti(L, -1, static_cast<int>(i));
        reply_lua_value(L, w, script_resp);
      }
      break;
    }
    default:
      w.null();
  }
  lua_pop(L, 1);
}

}  // namespace kora::server::lua
