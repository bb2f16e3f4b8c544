#include "transport.h"

namespace kora::server {

namespace {
std::string format(const asio::ip::tcp::endpoint& e) {
  return e.address().to_string() + ":" + std::to_string(e.port());
}
}  // namespace

ListenSettings& listen_settings() {
  static ListenSettings s;
  return s;
}

void set_tls_auth_clients(asio::ssl::context& ctx, std::string_view mode) {
  asio::ssl::verify_mode m = asio::ssl::verify_none;
  if (mode == "yes") {
    m = asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert;
  } else if (mode == "optional") {
    m = asio::ssl::verify_peer;
  }
  asio::error_code ec;
  ctx.set_verify_mode(m, ec);
}

std::string Transport::peer_address() const {
  asio::error_code ec;
  if (is_unix()) return listen_settings().unixsocket + ":0";
  const Tcp& tcp = is_tls() ? std::get<std::unique_ptr<Tls>>(s_)->next_layer() : std::get<Tcp>(s_);
  auto e = tcp.remote_endpoint(ec);
  return ec ? std::string() : format(e);
}

std::string Transport::local_address() const {
  asio::error_code ec;
  if (is_unix()) return listen_settings().unixsocket + ":0";
  const Tcp& tcp = is_tls() ? std::get<std::unique_ptr<Tls>>(s_)->next_layer() : std::get<Tcp>(s_);
  auto e = tcp.local_endpoint(ec);
  return ec ? std::string() : format(e);
}

int Transport::native_handle() {
  return std::visit([](auto& s) { return static_cast<int>(stream(s).lowest_layer().native_handle()); }, s_);
}

void Transport::prepare() {
  asio::error_code ec;
  if (auto* tcp = std::get_if<Tcp>(&s_)) {
    tcp->set_option(asio::ip::tcp::no_delay(true), ec);
    tcp->non_blocking(true, ec);
  } else if (auto* unix_socket = std::get_if<Unix>(&s_)) {
    unix_socket->non_blocking(true, ec);
  } else {
    std::get<std::unique_ptr<Tls>>(s_)->next_layer().set_option(asio::ip::tcp::no_delay(true), ec);
  }
}

void Transport::close() {
  std::visit(
      [](auto& s) {
        asio::error_code ec;
        auto& low = stream(s).lowest_layer();
        low.shutdown(asio::socket_base::shutdown_both, ec);
        low.close(ec);
      },
      s_);
}

}  // namespace kora::server
