// kora-cli: the Kora server executable. A thin main over kora::server.
//
//   kora-cli [--port N] [--workers N] [--bind ADDR] [--unix-socket PATH]
//            [--tls-port N --tls-cert-file F --tls-key-file F ...]
//
// Stops cleanly on SIGINT or SIGTERM: closes listeners and connections, then
// joins the workers.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "kora/core/engine.h"
#include "kora/core/numbers.h"
#include "kora/server/server.h"

namespace {

void usage(std::FILE* out) {
  std::fprintf(out,
               "Usage: kora-cli [options]\n"
               "\n"
               "Serve the Redis protocol (RESP2, RESP3 via HELLO 3) from a sharded,\n"
               "multi-threaded engine.\n"
               "\n"
               "Options:\n"
               "  --port N       TCP port to listen on (default 6379; 0 = any free port)\n"
               "  --bind ADDR    address to bind (default 127.0.0.1)\n"
               "  --workers N    worker threads, one shard each (default: hardware threads, %u here)\n"
               "  --unix-socket PATH        also listen on a Unix stream socket\n"
               "  --unixsocketperm OCTAL    the Unix socket's permissions (e.g. 700)\n"
               "  --tls-port N              also serve TLS on port N (plain and TLS at once)\n"
               "  --tls-cert-file FILE      the server certificate (PEM) for TLS\n"
               "  --tls-key-file FILE       its private key (PEM)\n"
               "  --tls-ca-cert-file FILE   CA certificates that sign client certificates\n"
               "  --tls-auth-clients MODE   yes (default): require a client certificate;\n"
               "                            optional: check one if sent; no: never ask\n"
               "  --help         show this help and exit\n",
               std::max(1u, std::thread::hardware_concurrency()));
}

bool parse_number(std::string_view text, long long min, long long max, long long& out) {
  auto v = kora::core::parse_int64(text);
  if (!v || *v < min || *v > max) return false;
  out = *v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  kora::server::ServerOptions server_options;
  kora::core::EngineOptions engine_options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "kora-cli: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    long long n;
    if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else if (arg == "--port") {
      const char* v = value("--port");
      if (!parse_number(v, 0, 65535, n)) {
        std::fprintf(stderr, "kora-cli: invalid --port '%s'\n", v);
        return 2;
      }
      server_options.port = static_cast<std::uint16_t>(n);
    } else if (arg == "--workers") {
      const char* v = value("--workers");
      if (!parse_number(v, 1, 1024, n)) {
        std::fprintf(stderr, "kora-cli: invalid --workers '%s' (1..1024)\n", v);
        return 2;
      }
      engine_options.shard_count = static_cast<std::size_t>(n);
    } else if (arg == "--bind") {
      server_options.bind = value("--bind");
    } else if (arg == "--unix-socket" || arg == "--unixsocket") {
      server_options.unix_socket = value("--unix-socket");
    } else if (arg == "--unixsocketperm") {
      const char* v = value("--unixsocketperm");
      char* end = nullptr;
      unsigned long mode = std::strtoul(v, &end, 8);
      if (*v == '\0' || *end != '\0' || mode > 0777) {
        std::fprintf(stderr, "kora-cli: invalid --unixsocketperm '%s' (octal, e.g. 700)\n", v);
        return 2;
      }
      server_options.unix_socket_perm = static_cast<unsigned>(mode);
    } else if (arg == "--tls-port") {
      const char* v = value("--tls-port");
      if (!parse_number(v, 1, 65535, n)) {
        std::fprintf(stderr, "kora-cli: invalid --tls-port '%s'\n", v);
        return 2;
      }
      server_options.tls_port = static_cast<std::uint16_t>(n);
    } else if (arg == "--tls-cert-file") {
      server_options.tls_cert_file = value("--tls-cert-file");
    } else if (arg == "--tls-key-file") {
      server_options.tls_key_file = value("--tls-key-file");
    } else if (arg == "--tls-ca-cert-file") {
      server_options.tls_ca_cert_file = value("--tls-ca-cert-file");
    } else if (arg == "--tls-auth-clients") {
      std::string_view v = value("--tls-auth-clients");
      if (v != "yes" && v != "no" && v != "optional") {
        std::fprintf(stderr, "kora-cli: invalid --tls-auth-clients '%s' (yes, no or optional)\n", argv[i]);
        return 2;
      }
      server_options.tls_auth_clients = std::string(v);
    } else {
      std::fprintf(stderr, "kora-cli: unknown option '%s'\n\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }

  // Block the stop signals before any thread starts, so that only sigwait below
  // sees them; ignore SIGPIPE from peers that vanish mid-write.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  kora::core::ShardEngine engine(engine_options);
  kora::server::Server server(engine, server_options);
  server.state().executable = argv[0];
  auto started = server.start();
  if (!started.ok()) {
    std::fprintf(stderr, "kora-cli: %s\n", started.error().message.c_str());
    return 1;
  }
  std::printf("kora-cli: listening on %s:%u with %zu workers\n", server_options.bind.c_str(),
              static_cast<unsigned>(server.port()), engine.shard_count());
  if (server_options.tls_port != 0) std::printf("kora-cli: TLS on port %u\n", static_cast<unsigned>(server_options.tls_port));
  if (!server_options.unix_socket.empty()) std::printf("kora-cli: Unix socket %s\n", server_options.unix_socket.c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::printf("kora-cli: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  server.stop();
  engine.stop();
  return 0;
}
