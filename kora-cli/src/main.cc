// kora-cli: the Kora server executable. A thin main over kora::server.
//
//   kora-cli [--port N] [--workers N] [--bind ADDR] [--notify-keyspace-events FLAGS]
//            [--client-output-buffer-limit "CLASS HARD SOFT SECONDS ..."]
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
#include "kora/server/pubsub_settings.h"
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
               "  --notify-keyspace-events FLAGS\n"
               "                 keyspace notifications, Redis's letters (e.g. KEA; default none)\n"
               "  --client-output-buffer-limit \"CLASS HARD SOFT SECONDS ...\"\n"
               "                 output-buffer limits (default \"pubsub 32mb 8mb 60\")\n"
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
    } else if (arg == "--notify-keyspace-events") {
      const char* v = value("--notify-keyspace-events");
      if (auto why = kora::server::set_notify_keyspace_events(v)) {
        std::fprintf(stderr, "kora-cli: invalid --notify-keyspace-events '%s': %s\n", v, why->c_str());
        return 2;
      }
    } else if (arg == "--client-output-buffer-limit") {
      const char* v = value("--client-output-buffer-limit");
      if (auto why = kora::server::set_client_output_buffer_limit(v)) {
        std::fprintf(stderr, "kora-cli: invalid --client-output-buffer-limit '%s': %s\n", v, why->c_str());
        return 2;
      }
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
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::printf("kora-cli: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  server.stop();
  engine.stop();
  return 0;
}
