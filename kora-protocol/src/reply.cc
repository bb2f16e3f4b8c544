#include "kora/protocol/reply.h"

#include <charconv>
#include <cstring>

#include "kora/protocol/reply_writer.h"

namespace kora::protocol {
namespace {

class Decoder {
 public:
  Decoder(const char* p, const char* end) : p_(p), end_(end) {}

  DecodeStatus decode(Reply& out, int depth) {
    if (depth > 64) return DecodeStatus::kError;
    if (p_ >= end_) return DecodeStatus::kNeedMore;
    char type = *p_++;
    std::string_view line;
    if (!read_line(line)) return DecodeStatus::kNeedMore;
    switch (type) {
      case '+': out.type = Reply::Type::kSimple; out.str.assign(line); return DecodeStatus::kOk;
      case '-': out.type = Reply::Type::kError; out.str.assign(line); return DecodeStatus::kOk;
      case ',': out.type = Reply::Type::kDouble; out.str.assign(line); return DecodeStatus::kOk;
      case '_': out.type = Reply::Type::kNull; return DecodeStatus::kOk;
      case '#':
        out.type = Reply::Type::kBoolean;
        out.integer = line == "t" ? 1 : 0;
        return DecodeStatus::kOk;
      case ':': {
        out.type = Reply::Type::kInteger;
        return to_int(line, out.integer) ? DecodeStatus::kOk : DecodeStatus::kError;
      }
      case '$':
      case '=': {
        std::int64_t len;
        if (!to_int(line, len)) return DecodeStatus::kError;
        if (len < 0) { out.type = Reply::Type::kNull; return DecodeStatus::kOk; }
        if (end_ - p_ < len + 2) return DecodeStatus::kNeedMore;
        out.type = Reply::Type::kBulk;
        out.str.assign(p_, static_cast<std::size_t>(len));
        if (type == '=' && out.str.size() >= 4) out.str.erase(0, 4);  // "txt:"
        p_ += len + 2;
        return DecodeStatus::kOk;
      }
      case '*':
      case '%':
      case '~': {
        std::int64_t n;
        if (!to_int(line, n)) return DecodeStatus::kError;
        if (n < 0) { out.type = Reply::Type::kNull; return DecodeStatus::kOk; }
        out.type = type == '*' ? Reply::Type::kArray
                   : type == '%' ? Reply::Type::kMap : Reply::Type::kSet;
        std::size_t count = static_cast<std::size_t>(type == '%' ? n * 2 : n);
        out.elements.resize(count);
        for (Reply& e : out.elements) {
          DecodeStatus s = decode(e, depth + 1);
          if (s != DecodeStatus::kOk) return s;
        }
        return DecodeStatus::kOk;
      }
      default:
        return DecodeStatus::kError;
    }
  }

  const char* position() const { return p_; }

 private:
  bool read_line(std::string_view& line) {
    const char* q = p_;
    while (q + 1 < end_) {
      const char* cr = static_cast<const char*>(std::memchr(q, '\r', static_cast<std::size_t>(end_ - q)));
      if (!cr || cr + 1 >= end_) return false;
      if (cr[1] == '\n') {
        line = std::string_view(p_, static_cast<std::size_t>(cr - p_));
        p_ = cr + 2;
        return true;
      }
      q = cr + 1;
    }
    return false;
  }
  static bool to_int(std::string_view s, std::int64_t& v) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && ptr == s.data() + s.size();
  }

  const char* p_;
  const char* end_;
};

}  // namespace

DecodeStatus decode_reply(std::string_view data, Reply& out, std::size_t& consumed) {
  Decoder d(data.data(), data.data() + data.size());
  out = Reply{};
  DecodeStatus s = d.decode(out, 0);
  consumed = s == DecodeStatus::kOk ? static_cast<std::size_t>(d.position() - data.data()) : 0;
  return s;
}

void encode_reply(const Reply& r, std::string& out, int resp) {
  ReplyWriter w(&out, resp);
  switch (r.type) {
    case Reply::Type::kSimple: w.simple(r.str); break;
    case Reply::Type::kError: w.error(r.str); break;
    case Reply::Type::kInteger: w.integer(r.integer); break;
    case Reply::Type::kBulk: w.bulk(r.str); break;
    case Reply::Type::kNull: w.null(); break;
    case Reply::Type::kDouble:
      if (resp >= 3) { out.push_back(','); out.append(r.str); out.append("\r\n"); } else { w.bulk(r.str); }
      break;
    case Reply::Type::kBoolean:
      if (resp >= 3) { out.append(r.integer ? "#t\r\n" : "#f\r\n"); } else { w.integer(r.integer); }
      break;
    case Reply::Type::kArray:
    case Reply::Type::kSet:
    case Reply::Type::kMap:
      if (r.type == Reply::Type::kMap) {
        w.map(r.elements.size() / 2);
      } else if (r.type == Reply::Type::kSet) {
        w.set(r.elements.size());
      } else {
        w.array(r.elements.size());
      }
      for (const Reply& e : r.elements) encode_reply(e, out, resp);
      break;
  }
}

}  // namespace kora::protocol
