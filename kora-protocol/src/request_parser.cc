#include "kora/protocol/request_parser.h"

#include <cstring>

namespace kora::protocol {
namespace {

// Parses the decimal integer in [p, end) (the text between a type byte and CRLF)
// with Redis's string2ll rules: no '+', no leading zeros, no "-0".
bool parse_length(const char* p, const char* end, long long& out) {
  if (p == end) return false;
  if (end - p == 1 && *p == '0') {
    out = 0;
    return true;
  }
  bool negative = false;
  if (*p == '-') {
    negative = true;
    if (++p == end) return false;
  }
  if (*p < '1' || *p > '9') return false;
  long long v = 0;
  for (; p < end; ++p) {
    if (*p < '0' || *p > '9') return false;
    if (v > (1ll << 40)) return false;  // far beyond every limit: refuse before overflow
    v = v * 10 + (*p - '0');
  }
  out = negative ? -v : v;
  return true;
}

const char* find_crlf(const char* p, const char* end) {
  while (p < end) {
    const char* cr = static_cast<const char*>(std::memchr(p, '\r', static_cast<std::size_t>(end - p)));
    if (!cr || cr + 1 >= end) return nullptr;
    if (cr[1] == '\n') return cr;
    p = cr + 1;
  }
  return nullptr;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'; }

// Splits an inline line into arguments with Redis's sdssplitargs rules. Appends
// the unescaped bytes of each argument to `scratch` and records [begin, end)
// offsets. False on unbalanced quotes.
bool split_inline(std::string_view line, std::string& scratch,
                  std::vector<std::pair<std::size_t, std::size_t>>& spans) {
  const char* p = line.data();
  const char* end = p + line.size();
  for (;;) {
    while (p < end && is_space(*p)) ++p;
    if (p == end) return true;
    std::size_t begin = scratch.size();
    bool in_dq = false, in_sq = false, done = false;
    while (!done) {
      if (in_dq) {
        if (p == end) return false;
        if (*p == '\\' && p + 3 < end && p[1] == 'x' && hex_value(p[2]) >= 0 && hex_value(p[3]) >= 0) {
          scratch.push_back(static_cast<char>(hex_value(p[2]) * 16 + hex_value(p[3])));
          p += 3;
        } else if (*p == '\\' && p + 1 < end) {
          ++p;
          char c;
          switch (*p) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: c = *p; break;
          }
          scratch.push_back(c);
        } else if (*p == '"') {
          // A closing quote must be followed by a space or the end.
          if (p + 1 < end && !is_space(p[1])) return false;
          done = true;
        } else {
          scratch.push_back(*p);
        }
      } else if (in_sq) {
        if (p == end) return false;
        if (*p == '\\' && p + 1 < end && p[1] == '\'') {
          ++p;
          scratch.push_back('\'');
        } else if (*p == '\'') {
          if (p + 1 < end && !is_space(p[1])) return false;
          done = true;
        } else {
          scratch.push_back(*p);
        }
      } else {
        if (p == end) break;
        switch (*p) {
          case ' ': case '\n': case '\r': case '\t': case '\0':
            done = true;
            break;
          case '"': in_dq = true; break;
          case '\'': in_sq = true; break;
          default: scratch.push_back(*p); break;
        }
      }
      if (p < end) ++p;
    }
    spans.emplace_back(begin, scratch.size());
  }
}

}  // namespace

RequestParser::Status RequestParser::fail(std::string message) {
  error_ = std::move(message);
  return Status::kError;
}

RequestParser::Status RequestParser::parse(std::string_view data,
                                           std::vector<std::string_view>& argv,
                                           std::size_t& consumed) {
  argv.clear();
  consumed = 0;
  hint_ = 0;
  if (data.empty()) return Status::kNeedMore;
  if (data[0] == '*') return parse_multibulk(data, argv, consumed);
  return parse_inline(data, argv, consumed);
}

RequestParser::Status RequestParser::parse_multibulk(std::string_view data,
                                                     std::vector<std::string_view>& argv,
                                                     std::size_t& consumed) {
  const char* begin = data.data();
  const char* end = begin + data.size();
  const char* eol = find_crlf(begin + 1, end);
  if (!eol) {
    if (data.size() > kMaxInlineLength) return fail("ERR Protocol error: too big mbulk count string");
    return Status::kNeedMore;
  }
  long long count;
  if (!parse_length(begin + 1, eol, count) || count > static_cast<long long>(kMaxMultibulkLength)) {
    return fail("ERR Protocol error: invalid multibulk length");
  }
  if (unauthenticated_ && count > static_cast<long long>(kUnauthMaxMultibulkLength)) {
    return fail("ERR Protocol error: unauthenticated multibulk length");
  }
  const char* p = eol + 2;
  if (count <= 0) {
    consumed = static_cast<std::size_t>(p - begin);
    return Status::kEmpty;
  }
  argv.reserve(static_cast<std::size_t>(count));
  for (long long i = 0; i < count; ++i) {
    if (p >= end) return Status::kNeedMore;
    if (*p != '$') {
      return fail(std::string("ERR Protocol error: expected '$', got '") + *p + "'");
    }
    const char* len_end = find_crlf(p + 1, end);
    if (!len_end) {
      if (end - p > static_cast<long>(kMaxInlineLength)) {
        return fail("ERR Protocol error: too big bulk count string");
      }
      return Status::kNeedMore;
    }
    long long len;
    if (!parse_length(p + 1, len_end, len) || len < 0 || len > static_cast<long long>(max_bulk_)) {
      return fail("ERR Protocol error: invalid bulk length");
    }
    if (unauthenticated_ && len > static_cast<long long>(kUnauthMaxBulkLength)) {
      return fail("ERR Protocol error: unauthenticated bulk length");
    }
    const char* payload = len_end + 2;
    if (end - payload < len + 2) {
      hint_ = static_cast<std::size_t>(payload - begin) + static_cast<std::size_t>(len) + 2;
      return Status::kNeedMore;
    }
    argv.emplace_back(payload, static_cast<std::size_t>(len));
    p = payload + len + 2;  // Redis does not check the CRLF after a payload either
  }
  consumed = static_cast<std::size_t>(p - begin);
  return Status::kCommand;
}

RequestParser::Status RequestParser::parse_inline(std::string_view data,
                                                  std::vector<std::string_view>& argv,
                                                  std::size_t& consumed) {
  const char* nl = static_cast<const char*>(std::memchr(data.data(), '\n', data.size()));
  // Redis looks for the newline with strchr, which stops at a NUL: a line with a
  // NUL before its newline is never complete.
  if (nl && std::memchr(data.data(), '\0', static_cast<std::size_t>(nl - data.data()))) nl = nullptr;
  if (!nl) {
    if (data.size() > kMaxInlineLength) return fail("ERR Protocol error: too big inline request");
    return Status::kNeedMore;
  }
  std::size_t line_len = static_cast<std::size_t>(nl - data.data());
  consumed = line_len + 1;
  if (line_len > 0 && data[line_len - 1] == '\r') --line_len;
  scratch_.clear();
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  if (!split_inline(data.substr(0, line_len), scratch_, spans)) {
    return fail("ERR Protocol error: unbalanced quotes in request");
  }
  if (spans.empty()) return Status::kEmpty;
  for (auto [b, e] : spans) argv.emplace_back(scratch_.data() + b, e - b);
  return Status::kCommand;
}

}  // namespace kora::protocol
