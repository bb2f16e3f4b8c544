#pragma once
// Test-only: a minimal blocking RESP2 client over a plain POSIX socket, written
// independently of kora-protocol so that the hybrid tests check the wire bytes
// rather than Kora's codec against itself.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace kora::test {

// A RESP2 reply: type is the leading byte ('+', '-', ':', '$', '*'); a nil bulk
// or array has nil = true.
struct RespValue {
  char type = 0;
  bool nil = false;
  std::string str;  // simple, error, bulk; the digits of an integer
  std::int64_t integer = 0;
  std::vector<RespValue> elements;
};

class RespClient {
 public:
  explicit RespClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~RespClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RespClient(const RespClient&) = delete;
  RespClient& operator=(const RespClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Sends one command as a RESP array of bulk strings and reads its reply.
  // A broken connection reads as an error reply "-connection lost".
  RespValue command(std::initializer_list<std::string_view> argv) {
    std::string out = "*" + std::to_string(argv.size()) + "\r\n";
    for (std::string_view a : argv) {
      out += "$" + std::to_string(a.size()) + "\r\n";
      out.append(a);
      out += "\r\n";
    }
    if (!send_all(out)) return lost();
    return read_value();
  }

 private:
  static RespValue lost() {
    RespValue v;
    v.type = '-';
    v.str = "connection lost";
    return v;
  }

  bool send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Ensures at least `n` unread bytes are buffered.
  bool fill(std::size_t n) {
    while (buf_.size() - pos_ < n) {
      char chunk[65536];
      ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) return false;
      buf_.append(chunk, static_cast<std::size_t>(got));
    }
    return true;
  }

  bool read_line(std::string& line) {
    for (;;) {
      auto end = buf_.find("\r\n", pos_);
      if (end != std::string::npos) {
        line.assign(buf_, pos_, end - pos_);
        pos_ = end + 2;
        return true;
      }
      if (!fill(buf_.size() - pos_ + 1)) return false;
    }
  }

  RespValue read_value() {
    std::string line;
    if (!read_line(line) || line.empty()) return lost();
    RespValue v;
    v.type = line[0];
    std::string rest = line.substr(1);
    switch (v.type) {
      case '+':
      case '-':
        v.str = rest;
        return v;
      case ':':
        v.str = rest;
        v.integer = std::strtoll(rest.c_str(), nullptr, 10);
        return v;
      case '$': {
        long long len = std::strtoll(rest.c_str(), nullptr, 10);
        if (len < 0) {
          v.nil = true;
          return v;
        }
        if (!fill(static_cast<std::size_t>(len) + 2)) return lost();
        v.str.assign(buf_, pos_, static_cast<std::size_t>(len));
        pos_ += static_cast<std::size_t>(len) + 2;
        compact();
        return v;
      }
      case '*': {
        long long count = std::strtoll(rest.c_str(), nullptr, 10);
        if (count < 0) {
          v.nil = true;
          return v;
        }
        for (long long i = 0; i < count; ++i) v.elements.push_back(read_value());
        return v;
      }
      default:
        return lost();
    }
  }

  void compact() {
    if (pos_ > (1u << 20)) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
  }

  int fd_ = -1;
  std::string buf_;
  std::size_t pos_ = 0;
};

}  // namespace kora::test
