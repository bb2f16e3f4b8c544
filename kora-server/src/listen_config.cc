// CONFIG parameters of the transports: unixsocket, unixsocketperm, tls-port,
// tls-cert-file, tls-key-file, tls-ca-cert-file (set on the command line,
// immutable at run time in Kora — Redis can re-listen on CONFIG SET tls-*),
// and tls-auth-clients (yes | no | optional), which applies to TLS
// connections accepted after it is set.

#include <cstdio>

#include "config.h"
#include "transport.h"

namespace kora::server {
namespace {

std::optional<std::string> immutable(std::string_view) { return std::string("can't set immutable config"); }
void no_apply(std::string_view) {}

std::string get_unixsocket() { return listen_settings().unixsocket; }
std::string get_unixsocketperm() {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%o", static_cast<unsigned>(listen_settings().unixsocketperm));
  return buf;
}
std::string get_tls_port() { return std::to_string(listen_settings().tls_port); }
std::string get_tls_cert_file() { return listen_settings().tls_cert_file; }
std::string get_tls_key_file() { return listen_settings().tls_key_file; }
std::string get_tls_ca_cert_file() { return listen_settings().tls_ca_cert_file; }

std::string get_tls_auth_clients() {
  ListenSettings& s = listen_settings();
  std::lock_guard lock(s.tls_mu);
  return s.tls_auth_clients;
}
std::optional<std::string> check_tls_auth_clients(std::string_view v) {
  if (v == "yes" || v == "no" || v == "optional") return std::nullopt;
  return std::string("argument(s) must be one of the following: no, yes, optional");
}
void apply_tls_auth_clients(std::string_view v) {
  ListenSettings& s = listen_settings();
  std::lock_guard lock(s.tls_mu);
  s.tls_auth_clients = std::string(v);
  if (s.tls_context) set_tls_auth_clients(*s.tls_context, v);
}

}  // namespace

const CustomConfig kUnixSocketConfig{get_unixsocket, immutable, no_apply};
const CustomConfig kUnixSocketPermConfig{get_unixsocketperm, immutable, no_apply};
const CustomConfig kTlsPortConfig{get_tls_port, immutable, no_apply};
const CustomConfig kTlsCertFileConfig{get_tls_cert_file, immutable, no_apply};
const CustomConfig kTlsKeyFileConfig{get_tls_key_file, immutable, no_apply};
const CustomConfig kTlsCaCertFileConfig{get_tls_ca_cert_file, immutable, no_apply};
const CustomConfig kTlsAuthClientsConfig{get_tls_auth_clients, check_tls_auth_clients, apply_tls_auth_clients};

}  // namespace kora::server
