#include "command_docs.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace kora::server {
namespace {

constexpr CommandFacts kFacts[] = {
#include "command_docs.inc"
};

}  // namespace

const CommandFacts* command_facts(std::string_view name) {
  auto it = std::lower_bound(std::begin(kFacts), std::end(kFacts), name,
                             [](const CommandFacts& f, std::string_view n) { return f.name < n; });
  return it != std::end(kFacts) && it->name == name ? &*it : nullptr;
}

void write_resp3(protocol::ReplyWriter& w, std::string_view resp3) {
  if (w.resp() >= 3) return w.raw(resp3);
  std::string out;
  out.reserve(resp3.size());
  std::size_t i = 0;
  while (i < resp3.size()) {
    const std::size_t eol = resp3.find("\r\n", i);
    const std::string_view line = resp3.substr(i, eol - i);
    const char type = line[0];
    long long n = 0;
    std::from_chars(line.data() + 1, line.data() + line.size(), n);
    if (type == '%') {
      out += '*';
      out += std::to_string(2 * n);
      out += "\r\n";
    } else if (type == '~') {
      out += '*';
      out.append(line.substr(1));
      out += "\r\n";
    } else {
      out.append(line);
      out += "\r\n";
    }
    i = eol + 2;
    if (type == '$' && n >= 0) {  // the payload and its CRLF
      out.append(resp3.substr(i, static_cast<std::size_t>(n) + 2));
      i += static_cast<std::size_t>(n) + 2;
    }
  }
  w.raw(out);
}

}  // namespace kora::server
