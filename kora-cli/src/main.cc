// kora-cli: the Kora server executable. A thin main over kora::server.
//
//   kora-cli [--config kora.toml] [--port N] [--workers N] [--bind ADDR] ...
//            [--<CONFIG parameter> value ...]        (kora-cli --help)
//
// Settings: options.h (flags over the TOML file). Stops cleanly on SIGINT or
// SIGTERM (or SHUTDOWN): closes listeners and connections, then joins the
// workers.

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "kora/core/engine.h"
#include "kora/core/log.h"
#include "kora/server/config_settings.h"
#include "kora/server/persistence.h"
#include "kora/server/server.h"
#include "options.h"

int main(int argc, char** argv) {
  kora::cli::Options options;
  if (auto exit_code = kora::cli::parse_options(argc, argv, options)) return *exit_code;
  // CONFIG parameters from the file and the command line, checked as CONFIG
  // SET checks them, before anything serves.
  for (const auto& [name, value] : options.config) {
    if (auto why = kora::server::set_config_parameter(name, value)) {
      std::fprintf(stderr, "kora-cli: invalid %s '%s': %s\n", name.c_str(), value.c_str(), why->c_str());
      return 2;
    }
  }
  kora::server::ServerOptions& server_options = options.server;

  // Block the stop signals before any thread starts, so that only sigwait below
  // sees them; ignore SIGPIPE from peers that vanish mid-write.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  kora::core::ShardEngine engine(options.engine);
  kora::server::Server server(engine, server_options);
  server.state().executable = argv[0];
  server.state().config_file = options.config_file;
  // SHUTDOWN: the same path as a SIGTERM from outside (sigwait below).
  server.state().shutdown_handler = [] { kill(getpid(), SIGTERM); };
  // The snapshot at CONFIG dir/dbfilename (--data-dir sets dir), loaded
  // before anything serves; a corrupt or newer file stops the start.
  kora::server::Persistence& persistence = kora::server::Persistence::instance();
  if (auto loaded = persistence.load_at_startup(engine); !loaded.ok()) {
    std::fprintf(stderr, "kora-cli: %s\n", loaded.error().message.c_str());
    kora::core::log(kora::core::LogLevel::kWarning, "%s", loaded.error().message.c_str());
    return 1;
  }
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
  kora::core::log(kora::core::LogLevel::kNotice, "Kora %s (Redis %s compatible), pid %d, port %u, %zu workers, config file '%s'",
                  "0.1.0", "7.0.15", static_cast<int>(getpid()), static_cast<unsigned>(server.port()),
                  engine.shard_count(), server.state().config_file.c_str());
  for (const auto& line : persistence.startup_log()) kora::core::log(kora::core::LogLevel::kNotice, "%s", line.c_str());
  persistence.start(engine);
  kora::core::log(kora::core::LogLevel::kNotice, "Ready to accept connections");

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::printf("kora-cli: %s received, shutting down\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  kora::core::log(kora::core::LogLevel::kWarning, "Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
  std::fflush(stdout);
  server.stop();
  persistence.stop_and_maybe_save(engine);  // the final snapshot, if one is due
  engine.stop();
  kora::core::log(kora::core::LogLevel::kWarning, "Kora is now ready to exit, bye bye...");
  return 0;
}
