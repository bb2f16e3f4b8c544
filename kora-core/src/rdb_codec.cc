#include "rdb_codec.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kora::core::rdb {
namespace {

constexpr std::uint8_t kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3;

std::uint32_t le32(const unsigned char* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

std::int64_t le_signed(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  if (bytes < 8 && (v >> (8 * bytes - 1)) & 1) v |= ~std::uint64_t{0} << (8 * bytes);  // sign-extend
  return static_cast<std::int64_t>(v);
}

const std::array<std::uint64_t, 256>& crc64_table() {
  static const auto table = [] {
    std::array<std::uint64_t, 256> t{};
    constexpr std::uint64_t kPoly = 0x95ac9329ac4bc9b5ULL;  // 0xad93d23594c935a9 reflected
    for (std::uint64_t i = 0; i < 256; ++i) {
      std::uint64_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

std::size_t backlen_size(std::size_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

}  // namespace

bool canonical_int(std::string_view s, std::int64_t* v) {
  if (s.empty() || s.size() > 20) return false;
  if (s == "0") {
    *v = 0;
    return true;
  }
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i >= s.size() || s[i] < '1' || s[i] > '9') return false;
  std::int64_t out = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  *v = out;
  return true;
}

// --- Writing ---

void put_len(std::string& out, std::uint64_t len) {
  if (len < 64) {
    out.push_back(static_cast<char>(len));
  } else if (len < 16384) {
    out.push_back(static_cast<char>(((len >> 8) & 0x3f) | 0x40));
    out.push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out.push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(len >> (8 * i)));
  } else {
    out.push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(len >> (8 * i)));
  }
}

void put_string(std::string& out, std::string_view s) {
  std::int64_t v;
  if (s.size() <= 11 && canonical_int(s, &v)) {
    if (v >= INT8_MIN && v <= INT8_MAX) {
      out.push_back(static_cast<char>(0xc0 | kEncInt8));
      out.push_back(static_cast<char>(v));
      return;
    }
    if (v >= INT16_MIN && v <= INT16_MAX) {
      out.push_back(static_cast<char>(0xc0 | kEncInt16));
      for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
      return;
    }
    if (v >= INT32_MIN && v <= INT32_MAX) {
      out.push_back(static_cast<char>(0xc0 | kEncInt32));
      for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
      return;
    }
  }
  put_len(out, s.size());
  out.append(s);
}

void put_u64le(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

void put_double(std::string& out, double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  put_u64le(out, bits);
}

void put_stream_id_raw(std::string& out, std::uint64_t ms, std::uint64_t seq) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(ms >> (8 * i)));
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(seq >> (8 * i)));
}

std::string format_score(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // double2ll: integral and exactly representable as a long long.
  if (v > -9007199254740992.0 && v < 9007199254740992.0 && std::trunc(v) == v) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::string(buf, static_cast<std::size_t>(n));
}

void ListpackWriter::put_backlen(std::size_t l) {
  const std::size_t n = backlen_size(l);
  // Most significant group first; every byte after the first has bit 7 set.
  for (std::size_t i = 0; i < n; ++i) {
    auto b = static_cast<unsigned char>((l >> (7 * (n - 1 - i))) & 127);
    if (i > 0) b |= 128;
    buf_.push_back(static_cast<char>(b));
  }
}

void ListpackWriter::append_int(std::int64_t v) {
  unsigned char enc[9];
  std::size_t n;
  if (v >= 0 && v <= 127) {
    enc[0] = static_cast<unsigned char>(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    std::uint64_t u = v < 0 ? (std::uint64_t{1} << 13) + static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    enc[0] = static_cast<unsigned char>((u >> 8) | 0xc0);
    enc[1] = static_cast<unsigned char>(u & 0xff);
    n = 2;
  } else {
    int bytes;
    unsigned char tag;
    if (v >= INT16_MIN && v <= INT16_MAX) {
      bytes = 2, tag = 0xf1;
    } else if (v >= -8388608 && v <= 8388607) {
      bytes = 3, tag = 0xf2;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      bytes = 4, tag = 0xf3;
    } else {
      bytes = 8, tag = 0xf4;
    }
    enc[0] = tag;
    const auto u = static_cast<std::uint64_t>(v);
    for (int i = 0; i < bytes; ++i) enc[1 + i] = static_cast<unsigned char>(u >> (8 * i));
    n = 1 + static_cast<std::size_t>(bytes);
  }
  buf_.append(reinterpret_cast<const char*>(enc), n);
  put_backlen(n);
  ++count_;
}

void ListpackWriter::append(std::string_view s) {
  std::int64_t v;
  if (canonical_int(s, &v)) return append_int(v);
  std::size_t header;
  if (s.size() < 64) {
    buf_.push_back(static_cast<char>(0x80 | s.size()));
    header = 1;
  } else if (s.size() < 4096) {
    buf_.push_back(static_cast<char>(0xe0 | (s.size() >> 8)));
    buf_.push_back(static_cast<char>(s.size() & 0xff));
    header = 2;
  } else {
    buf_.push_back(static_cast<char>(0xf0));
    for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<char>(s.size() >> (8 * i)));
    header = 5;
  }
  buf_.append(s);
  put_backlen(header + s.size());
  ++count_;
}

std::string ListpackWriter::finish() {
  buf_.push_back(static_cast<char>(0xff));
  const std::size_t total = buf_.size();
  for (int i = 0; i < 4; ++i) buf_[static_cast<std::size_t>(i)] = static_cast<char>(total >> (8 * i));
  const std::size_t n = count_ < 65535 ? count_ : 65535;
  buf_[4] = static_cast<char>(n & 0xff);
  buf_[5] = static_cast<char>(n >> 8);
  std::string out = std::move(buf_);
  buf_.assign(6, '\0');
  count_ = 0;
  return out;
}

// --- Reading ---

std::optional<std::uint8_t> Input::byte() {
  if (!ok_ || pos_ >= data_.size()) {
    ok_ = false;
    return std::nullopt;
  }
  return static_cast<std::uint8_t>(data_[pos_++]);
}

std::optional<std::string_view> Input::raw(std::size_t n) {
  if (!ok_ || n > data_.size() - pos_) {
    ok_ = false;
    return std::nullopt;
  }
  auto s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::optional<std::uint64_t> Input::len(bool* encoded) {
  if (encoded) *encoded = false;
  auto b = byte();
  if (!b) return std::nullopt;
  switch (*b >> 6) {
    case 0:
      return *b & 0x3f;
    case 1: {
      auto n = byte();
      if (!n) return std::nullopt;
      return (std::uint64_t{*b} & 0x3f) << 8 | *n;
    }
    case 3:
      if (!encoded) {
        ok_ = false;
        return std::nullopt;
      }
      *encoded = true;
      return *b & 0x3f;
    default:
      break;
  }
  int bytes = *b == 0x80 ? 4 : *b == 0x81 ? 8 : 0;
  if (bytes == 0) {
    ok_ = false;
    return std::nullopt;
  }
  auto r = raw(static_cast<std::size_t>(bytes));
  if (!r) return std::nullopt;
  std::uint64_t v = 0;
  for (unsigned char c : *r) v = v << 8 | c;
  return v;
}

std::optional<std::string> Input::string() {
  bool encoded;
  auto n = len(&encoded);
  if (!n) return std::nullopt;
  if (!encoded) {
    auto r = raw(*n);
    if (!r) return std::nullopt;
    return std::string(*r);
  }
  switch (*n) {
    case kEncInt8:
    case kEncInt16:
    case kEncInt32: {
      const int bytes = *n == kEncInt8 ? 1 : *n == kEncInt16 ? 2 : 4;
      auto r = raw(static_cast<std::size_t>(bytes));
      if (!r) return std::nullopt;
      return std::to_string(le_signed(reinterpret_cast<const unsigned char*>(r->data()), bytes));
    }
    case kEncLzf: {
      auto clen = len();
      auto ulen = clen ? len() : std::nullopt;
      if (!ulen || *ulen > (std::uint64_t{1} << 32)) {
        ok_ = false;
        return std::nullopt;
      }
      auto r = raw(*clen);
      if (!r) return std::nullopt;
      auto s = lzf_decompress(*r, *ulen);
      if (!s || *ulen == 0) ok_ = false;
      return ok_ ? s : std::nullopt;
    }
    default:
      ok_ = false;
      return std::nullopt;
  }
}

std::optional<std::uint64_t> Input::u64le() {
  auto r = raw(8);
  if (!r) return std::nullopt;
  return static_cast<std::uint64_t>(le_signed(reinterpret_cast<const unsigned char*>(r->data()), 8));
}

std::optional<double> Input::binary_double() {
  auto v = u64le();
  if (!v) return std::nullopt;
  double d;
  std::memcpy(&d, &*v, sizeof d);
  return d;
}

std::optional<double> Input::text_double() {
  auto n = byte();
  if (!n) return std::nullopt;
  if (*n == 255) return -INFINITY;
  if (*n == 254) return INFINITY;
  if (*n == 253) return NAN;
  auto r = raw(*n);
  if (!r) return std::nullopt;
  std::string s(*r);
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) {
    ok_ = false;
    return std::nullopt;
  }
  return d;
}

std::optional<std::string> lzf_decompress(std::string_view in, std::size_t out_len) {
  // LZF expands at most ~130x (a 3-byte back reference yields 264 bytes): a
  // larger claimed length is corrupt, and must not drive the allocation.
  if (out_len > in.size() * 132 + 64) return std::nullopt;
  std::string out;
  out.reserve(out_len);
  const auto* ip = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = ip + in.size();
  while (ip < end) {
    unsigned ctrl = *ip++;
    if (ctrl < 32) {  // a literal run of ctrl + 1 bytes
      const std::size_t n = ctrl + 1;
      if (static_cast<std::size_t>(end - ip) < n || out.size() + n > out_len) return std::nullopt;
      out.append(reinterpret_cast<const char*>(ip), n);
      ip += n;
      continue;
    }
    std::size_t n = ctrl >> 5;  // a back reference
    if (n == 7) {
      if (ip >= end) return std::nullopt;
      n += *ip++;
    }
    if (ip >= end) return std::nullopt;
    const std::size_t back = ((ctrl & 0x1f) << 8) + *ip++ + 1;
    n += 2;
    if (back > out.size() || out.size() + n > out_len) return std::nullopt;
    std::size_t from = out.size() - back;
    for (std::size_t i = 0; i < n; ++i) out.push_back(out[from + i]);  // may overlap
  }
  if (out.size() != out_len) return std::nullopt;
  return out;
}

std::uint64_t crc64(std::uint64_t crc, std::string_view bytes) {
  const auto& t = crc64_table();
  for (unsigned char c : bytes) crc = t[(crc ^ c) & 0xff] ^ (crc >> 8);
  return crc;
}

std::optional<std::vector<Element>> decode_listpack(std::string_view lp) {
  const auto* p = reinterpret_cast<const unsigned char*>(lp.data());
  if (lp.size() < 7 || le32(p) != lp.size() || p[lp.size() - 1] != 0xff) return std::nullopt;
  const std::size_t declared = std::size_t{p[4]} | std::size_t{p[5]} << 8;
  std::vector<Element> out;
  std::size_t i = 6;
  const std::size_t end = lp.size() - 1;
  while (i < end) {
    const unsigned char b = p[i];
    Element e;
    std::size_t header = 1, data = 0;
    auto need = [&](std::size_t n) { return end - i >= n; };
    if (!(b & 0x80)) {
      e.is_int = true, e.i = b;
    } else if ((b & 0xc0) == 0x80) {
      data = b & 0x3f;
    } else if ((b & 0xe0) == 0xc0) {
      if (!need(2)) return std::nullopt;
      std::int64_t v = (std::int64_t{b & 0x1f} << 8) | p[i + 1];
      if (v >= 4096) v -= 8192;
      e.is_int = true, e.i = v, header = 2;
    } else if ((b & 0xf0) == 0xe0) {
      if (!need(2)) return std::nullopt;
      data = (static_cast<std::size_t>(b & 0x0f) << 8) | p[i + 1];
      header = 2;
    } else if (b == 0xf0) {
      if (!need(5)) return std::nullopt;
      data = le32(p + i + 1);
      header = 5;
    } else if (b >= 0xf1 && b <= 0xf4) {
      const int bytes = b == 0xf1 ? 2 : b == 0xf2 ? 3 : b == 0xf3 ? 4 : 8;
      if (!need(1 + static_cast<std::size_t>(bytes))) return std::nullopt;
      e.is_int = true, e.i = le_signed(p + i + 1, bytes);
      header = 1 + static_cast<std::size_t>(bytes);
    } else {
      return std::nullopt;
    }
    if (!need(header) || end - i - header < data) return std::nullopt;
    if (!e.is_int) e.s = lp.substr(i + header, data);
    const std::size_t l = header + data;
    const std::size_t bl = backlen_size(l);
    if (end - i - l < bl) return std::nullopt;
    // The back length, most significant group first.
    std::size_t got = 0;
    for (std::size_t k = 0; k < bl; ++k) got = got << 7 | (p[i + l + k] & 127);
    if (got != l) return std::nullopt;
    i += l + bl;
    out.push_back(e);
  }
  if (declared != 65535 && declared != out.size()) return std::nullopt;
  return out;
}

std::optional<std::vector<Element>> decode_ziplist(std::string_view zl) {
  const auto* p = reinterpret_cast<const unsigned char*>(zl.data());
  if (zl.size() < 11 || le32(p) != zl.size() || p[zl.size() - 1] != 0xff) return std::nullopt;
  const std::size_t declared = std::size_t{p[8]} | std::size_t{p[9]} << 8;
  std::vector<Element> out;
  std::size_t i = 10, prev_len = 0;
  const std::size_t end = zl.size() - 1;
  while (i < end) {
    const std::size_t start = i;
    // prevlen
    std::size_t prev;
    if (p[i] < 254) {
      prev = p[i++];
    } else {
      if (p[i] == 255 || end - i < 5) return std::nullopt;
      prev = le32(p + i + 1);
      i += 5;
    }
    if (prev != prev_len) return std::nullopt;
    if (i >= end) return std::nullopt;
    const unsigned char b = p[i];
    Element e;
    std::size_t header = 1, data = 0;
    switch (b & 0xc0) {
      case 0x00:
        data = b & 0x3f;
        break;
      case 0x40:
        if (end - i < 2) return std::nullopt;
        data = (static_cast<std::size_t>(b & 0x3f) << 8) | p[i + 1];
        header = 2;
        break;
      case 0x80:
        if (b != 0x80 || end - i < 5) return std::nullopt;
        data = std::size_t{p[i + 1]} << 24 | std::size_t{p[i + 2]} << 16 | std::size_t{p[i + 3]} << 8 | p[i + 4];
        header = 5;
        break;
      default: {
        e.is_int = true;
        int bytes = 0;
        if (b == 0xc0) bytes = 2;
        else if (b == 0xd0) bytes = 4;
        else if (b == 0xe0) bytes = 8;
        else if (b == 0xf0) bytes = 3;
        else if (b == 0xfe) bytes = 1;
        else if (b >= 0xf1 && b <= 0xfd) e.i = (b & 0x0f) - 1;
        else return std::nullopt;
        if (end - i < 1 + static_cast<std::size_t>(bytes)) return std::nullopt;
        if (bytes) e.i = le_signed(p + i + 1, bytes);
        header = 1 + static_cast<std::size_t>(bytes);
      }
    }
    if (end - i < header || end - i - header < data) return std::nullopt;
    if (!e.is_int) e.s = zl.substr(i + header, data);
    i += header + data;
    prev_len = i - start;
    out.push_back(e);
  }
  if (declared != 65535 && declared != out.size()) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string_view>> decode_zipmap(std::string_view zm) {
  const auto* p = reinterpret_cast<const unsigned char*>(zm.data());
  std::vector<std::string_view> out;
  if (zm.size() < 2) return std::nullopt;
  std::size_t i = 1;
  auto read_len = [&](std::size_t& n) {
    if (i >= zm.size()) return false;
    if (p[i] < 254) {
      n = p[i++];
      return true;
    }
    if (p[i] == 255 || zm.size() - i < 5) return false;
    n = le32(p + i + 1);
    i += 5;
    return true;
  };
  while (i < zm.size() && p[i] != 255) {
    std::size_t klen, vlen;
    if (!read_len(klen) || zm.size() - i < klen) return std::nullopt;
    out.push_back(zm.substr(i, klen));
    i += klen;
    if (!read_len(vlen) || i >= zm.size()) return std::nullopt;
    const std::size_t free = p[i++];
    if (zm.size() - i < vlen || zm.size() - i - vlen < free) return std::nullopt;
    out.push_back(zm.substr(i, vlen));
    i += vlen + free;
  }
  if (i != zm.size() - 1) return std::nullopt;
  return out;
}

std::optional<std::vector<std::int64_t>> decode_intset(std::string_view is) {
  const auto* p = reinterpret_cast<const unsigned char*>(is.data());
  if (is.size() < 8) return std::nullopt;
  const std::uint32_t width = le32(p), n = le32(p + 4);
  if ((width != 2 && width != 4 && width != 8) || is.size() != 8 + std::size_t{width} * n) return std::nullopt;
  std::vector<std::int64_t> out;
  out.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::int64_t v = le_signed(p + 8 + std::size_t{width} * i, static_cast<int>(width));
    if (!out.empty() && v <= out.back()) return std::nullopt;
    out.push_back(v);
  }
  return out;
}

std::string encode_intset(const std::vector<std::int64_t>& sorted) {
  std::uint32_t width = 2;
  for (std::int64_t v : sorted) {
    if (v < INT32_MIN || v > INT32_MAX) width = 8;
    else if ((v < INT16_MIN || v > INT16_MAX) && width < 4) width = 4;
  }
  std::string out;
  out.reserve(8 + width * sorted.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(width >> (8 * i)));
  const auto n = static_cast<std::uint32_t>(sorted.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  for (std::int64_t v : sorted) {
    const auto u = static_cast<std::uint64_t>(v);
    for (std::uint32_t i = 0; i < width; ++i) out.push_back(static_cast<char>(u >> (8 * i)));
  }
  return out;
}

}  // namespace kora::core::rdb
