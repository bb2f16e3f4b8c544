// CONFIG parameters of the transports: unixsocket, unixsocketperm, tls-port,
// tls-cert-file, tls-key-file, tls-ca-cert-file (set on the command line,
// immutable at run time in Kora — Redis can re-listen on CONFIG SET tls-*),
// and tls-auth-clients (yes | no | optional), tls-protocols, tls-ciphers,
// tls-ciphersuites and tls-prefer-server-ciphers, which apply to TLS
// connections accepted after they are set.

#include <openssl/ssl.h>

#include <cstdio>
#include <sstream>

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

// tls-protocols / tls-ciphers / tls-ciphersuites / tls-prefer-server-ciphers:
// applied to the live context (new connections), as Redis reconfigures TLS.
const char* kTlsUpdateFailed = "Unable to update TLS configuration. Check server logs.";

// The SSL_OP_NO_* options that leave exactly `protocols` ("" = TLSv1.2 and
// TLSv1.3, Redis's default); nullopt for an unknown name.
std::optional<long> protocol_options(std::string_view protocols) {
  std::istringstream in{std::string(protocols)};
  std::string p;
  bool v10 = false, v11 = false, v12 = false, v13 = false, any = false;
  while (in >> p) {
    any = true;
    if (p == "TLSv1") {
      v10 = true;
    } else if (p == "TLSv1.1") {
      v11 = true;
    } else if (p == "TLSv1.2") {
      v12 = true;
    } else if (p == "TLSv1.3") {
      v13 = true;
    } else {
      return std::nullopt;
    }
  }
  if (!any) v12 = v13 = true;
  long o = 0;
  if (!v10) o |= SSL_OP_NO_TLSv1;
  if (!v11) o |= SSL_OP_NO_TLSv1_1;
  if (!v12) o |= SSL_OP_NO_TLSv1_2;
  if (!v13) o |= SSL_OP_NO_TLSv1_3;
  return o;
}

std::string get_tls_protocols() {
  std::lock_guard lock(listen_settings().tls_mu);
  return listen_settings().tls_protocols;
}
std::optional<std::string> check_tls_protocols(std::string_view v) {
  if (!protocol_options(v)) return std::string(kTlsUpdateFailed);
  return std::nullopt;
}
void apply_tls_protocols(std::string_view v) {
  ListenSettings& s = listen_settings();
  std::lock_guard lock(s.tls_mu);
  s.tls_protocols = std::string(v);
  if (!s.tls_context) return;
  SSL_CTX* ctx = s.tls_context->native_handle();
  SSL_CTX_clear_options(ctx, SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3);
  SSL_CTX_set_options(ctx, static_cast<std::uint64_t>(*protocol_options(v)));
}

// Cipher lists are checked by OpenSSL itself, on a scratch context.
template <int (*Set)(SSL_CTX*, const char*)>
std::optional<std::string> check_cipher_list(std::string_view v) {
  SSL_CTX* scratch = SSL_CTX_new(TLS_server_method());
  const bool ok = scratch && Set(scratch, std::string(v).c_str()) == 1;
  if (scratch) SSL_CTX_free(scratch);
  if (!ok) return std::string(kTlsUpdateFailed);
  return std::nullopt;
}

std::string get_tls_ciphers() {
  std::lock_guard lock(listen_settings().tls_mu);
  return listen_settings().tls_ciphers;
}
void apply_tls_ciphers(std::string_view v) {
  ListenSettings& s = listen_settings();
  std::lock_guard lock(s.tls_mu);
  s.tls_ciphers = std::string(v);
  if (s.tls_context) SSL_CTX_set_cipher_list(s.tls_context->native_handle(), s.tls_ciphers.c_str());
}
std::string get_tls_ciphersuites() {
  std::lock_guard lock(listen_settings().tls_mu);
  return listen_settings().tls_ciphersuites;
}
std::optional<std::string> check_tls_ciphersuites(std::string_view v) {
  if (v.empty()) return std::nullopt;
  return check_cipher_list<SSL_CTX_set_ciphersuites>(v);
}
void apply_tls_ciphersuites(std::string_view v) {
  ListenSettings& s = listen_settings();
  std::lock_guard lock(s.tls_mu);
  s.tls_ciphersuites = std::string(v);
  if (s.tls_context && !v.empty()) SSL_CTX_set_ciphersuites(s.tls_context->native_handle(), s.tls_ciphersuites.c_str());
}

std::string get_prefer_server_ciphers() {
  std::lock_guard lock(listen_settings().tls_mu);
  return listen_settings().tls_prefer_server_ciphers ? "yes" : "no";
}
std::optional<std::string> check_yes_no(std::string_view v) {
  if (v == "yes" || v == "no") return std::nullopt;
  return std::string("argument must be 'yes' or 'no'");
}
void apply_prefer_server_ciphers(std::string_view v) {
  ListenSettings& s = listen_settings();
  std::lock_guard lock(s.tls_mu);
  s.tls_prefer_server_ciphers = v == "yes";
  if (!s.tls_context) return;
  SSL_CTX* ctx = s.tls_context->native_handle();
  if (s.tls_prefer_server_ciphers) {
    SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  } else {
    SSL_CTX_clear_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
  }
}

}  // namespace

const CustomConfig kTlsProtocolsConfig{get_tls_protocols, check_tls_protocols, apply_tls_protocols};
const CustomConfig kTlsCiphersConfig{get_tls_ciphers, check_cipher_list<SSL_CTX_set_cipher_list>, apply_tls_ciphers};
const CustomConfig kTlsCiphersuitesConfig{get_tls_ciphersuites, check_tls_ciphersuites, apply_tls_ciphersuites};
const CustomConfig kTlsPreferServerCiphersConfig{get_prefer_server_ciphers, check_yes_no,
                                                 apply_prefer_server_ciphers};
const CustomConfig kUnixSocketConfig{get_unixsocket, immutable, no_apply};
const CustomConfig kUnixSocketPermConfig{get_unixsocketperm, immutable, no_apply};
const CustomConfig kTlsPortConfig{get_tls_port, immutable, no_apply};
const CustomConfig kTlsCertFileConfig{get_tls_cert_file, immutable, no_apply};
const CustomConfig kTlsKeyFileConfig{get_tls_key_file, immutable, no_apply};
const CustomConfig kTlsCaCertFileConfig{get_tls_ca_cert_file, immutable, no_apply};
const CustomConfig kTlsAuthClientsConfig{get_tls_auth_clients, check_tls_auth_clients, apply_tls_auth_clients};

}  // namespace kora::server
