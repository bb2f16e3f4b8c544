#include "kora/protocol/reply_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace kora::protocol {

void ReplyWriter::header(char type, std::int64_t n) {
  char buf[24];
  buf[0] = type;
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, n);
  *end++ = '\r';
  *end++ = '\n';
  out_->append(buf, static_cast<std::size_t>(end - buf));
}

void ReplyWriter::simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::error(std::string_view message) {
  out_->push_back('-');
  const std::size_t start = out_->size();
  out_->append(message);
  // An error is one line: CR and LF from user input become spaces, as Redis's
  // addReplyErrorFormat does.
  for (std::size_t i = start; i < out_->size(); ++i) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::integer(std::int64_t v) { header(':', v); }

void ReplyWriter::push(std::size_t n) { header(resp_ >= 3 ? '>' : '*', static_cast<std::int64_t>(n)); }

void ReplyWriter::boolean(bool v) {
  if (resp_ >= 3) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyWriter::big_number(std::string_view digits) {
  if (resp_ < 3) return bulk(digits);
  out_->push_back('(');
  out_->append(digits);
  out_->append("\r\n", 2);
}

void ReplyWriter::attribute(std::size_t pairs) {
  if (resp_ >= 3) header('|', static_cast<std::int64_t>(pairs));
}

void ReplyWriter::bulk(std::string_view s) {
  header('$', static_cast<std::int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::null() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyWriter::null_array() {
  if (resp_ >= 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyWriter::array(std::size_t n) { header('*', static_cast<std::int64_t>(n)); }

void ReplyWriter::map(std::size_t pairs) {
  if (resp_ >= 3) {
    header('%', static_cast<std::int64_t>(pairs));
  } else {
    header('*', static_cast<std::int64_t>(pairs * 2));
  }
}

void ReplyWriter::set(std::size_t n) { header(resp_ >= 3 ? '~' : '*', static_cast<std::int64_t>(n)); }

void ReplyWriter::dbl(double v) {
  // Redis formats doubles with "%.17g" and spells infinities "inf" / "-inf".
  char buf[64];
  int len;
  if (std::isinf(v)) {
    len = std::snprintf(buf, sizeof buf, "%s", v > 0 ? "inf" : "-inf");
  } else {
    len = std::snprintf(buf, sizeof buf, "%.17g", v);
  }
  std::string_view text(buf, static_cast<std::size_t>(len));
  if (resp_ >= 3) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n", 2);
  } else {
    bulk(text);
  }
}

void ReplyWriter::verbatim(std::string_view s) {
  if (resp_ >= 3) {
    header('=', static_cast<std::int64_t>(s.size() + 4));
    out_->append("txt:", 4);
    out_->append(s);
    out_->append("\r\n", 2);
  } else {
    bulk(s);
  }
}

}  // namespace kora::protocol
