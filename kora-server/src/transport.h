#pragma once
// Transport: the byte stream under one client connection — a TCP socket, a
// Unix stream socket, or TLS over TCP (Asio's SSL stream over OpenSSL) — so
// that Connection is written once for all three.
//
// Every operation runs on the worker that owns the connection (the io_context
// the socket was made on); nothing here is thread-safe. Asynchronous
// operations take the same completion handlers as Asio's sockets.
//
// TLS: start() runs the server-side handshake first; a peer that sends
// garbage gets an error from it and only that connection is closed.
// try_write() never writes on TLS (OpenSSL's record layer needs the async
// path), so Connection falls back to async_write for it.

#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/ssl.hpp>
#include <asio/write.hpp>
#include <memory>
#include <mutex>
#include <string_view>
#include <string>
#include <utility>
#include <variant>

namespace kora::server {

// How the server listens beyond its plain TCP port, as CONFIG GET reports it.
// Set once by Server::start() before any worker reads it; read-only after.
struct ListenSettings {
  std::string unixsocket;         // "" : none
  int unixsocketperm = 0;         // octal mode bits (0: the umask's)
  int tls_port = 0;               // 0: no TLS listener
  std::string tls_cert_file, tls_key_file, tls_ca_cert_file;
  std::string tls_auth_clients = "yes";  // yes | no | optional (CONFIG SET)
  // The TLS context, when TLS is on; `tls_mu` guards its verify mode, which
  // CONFIG SET tls-auth-clients changes while workers accept.
  asio::ssl::context* tls_context = nullptr;
  std::mutex tls_mu;
  // CONFIG SET only (listen_config.cc), guarded by tls_mu.
  std::string tls_protocols, tls_ciphers = "DEFAULT", tls_ciphersuites;
  bool tls_prefer_server_ciphers = false;
};
ListenSettings& listen_settings();

// Applies a tls-auth-clients mode ("yes", "no", "optional") to `ctx`.
void set_tls_auth_clients(asio::ssl::context& ctx, std::string_view mode);

class Transport {
 public:
  using Tcp = asio::ip::tcp::socket;
  using Unix = asio::local::stream_protocol::socket;
  using Tls = asio::ssl::stream<asio::ip::tcp::socket>;

  explicit Transport(Tcp s) : s_(std::move(s)) {}
  explicit Transport(Unix s) : s_(std::move(s)) {}
  explicit Transport(std::unique_ptr<Tls> s) : s_(std::move(s)) {}

  bool is_unix() const { return std::holds_alternative<Unix>(s_); }
  bool is_tls() const { return std::holds_alternative<std::unique_ptr<Tls>>(s_); }

  // Peer and local addresses as CLIENT LIST prints them ("ip:port"; a Unix
  // socket client is "<socket path>:0" on both ends, as Redis 7.0), and the fd.
  std::string peer_address() const;
  std::string local_address() const;
  int native_handle();

  // Sets TCP_NODELAY (TCP and TLS) and non-blocking mode on the descriptor.
  void prepare();

  // Calls `done(error_code)` once the transport is ready for requests: at once
  // for TCP and Unix sockets, after the TLS handshake for TLS.
  template <typename Handler>
  void start(Handler&& done) {
    if (auto* tls = std::get_if<std::unique_ptr<Tls>>(&s_)) {
      (*tls)->async_handshake(asio::ssl::stream_base::server, std::forward<Handler>(done));
    } else {
      done(asio::error_code());
    }
  }

  template <typename Buffer, typename Handler>
  void async_read_some(const Buffer& buffer, Handler&& handler) {
    std::visit([&](auto& s) { stream(s).async_read_some(buffer, std::forward<Handler>(handler)); }, s_);
  }

  // A direct non-blocking write of what the socket takes now (0 and no error on
  // TLS, and when the socket would block).
  template <typename Buffer>
  std::size_t try_write(const Buffer& buffer, asio::error_code& ec) {
    ec.clear();
    if (is_tls()) return 0;
    std::size_t n = std::visit(
        [&](auto& s) -> std::size_t {
          if constexpr (std::is_same_v<std::decay_t<decltype(s)>, std::unique_ptr<Tls>>) {
            return 0;
          } else {
            return s.write_some(buffer, ec);
          }
        },
        s_);
    if (ec == asio::error::would_block || ec == asio::error::try_again) ec.clear();
    return n;
  }

  template <typename Buffer, typename Handler>
  void async_write(const Buffer& buffer, Handler&& handler) {
    std::visit([&](auto& s) { asio::async_write(stream(s), buffer, std::forward<Handler>(handler)); }, s_);
  }

  // Shuts down and closes the descriptor (no TLS close_notify: the peer sees the
  // connection end, as when Redis frees a TLS client).
  void close();

 private:
  static Tcp& stream(Tcp& s) { return s; }
  static Unix& stream(Unix& s) { return s; }
  static Tls& stream(std::unique_ptr<Tls>& s) { return *s; }

  std::variant<Tcp, Unix, std::unique_ptr<Tls>> s_;
};

}  // namespace kora::server
