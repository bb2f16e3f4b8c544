// Hybrid mode: the embedded API and a TCP listener on the same data.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "check.h"
#include "kora/embedded/database.h"

namespace {

// The output of `command`, or nullopt-like empty + false when it fails.
bool run(const std::string& command, std::string& out) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return false;
  std::array<char, 256> buf;
  out.clear();
  while (std::fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  return pclose(pipe) == 0;
}

}  // namespace

int main() {
  auto db = kora::Database::open(kora::Config{.shard_count = 4});

  // Port 0: any free port; the listener reports the one it bound.
  auto listener = db->start_listener("127.0.0.1:0");
  CHECK(listener.ok());
  unsigned port = (*listener)->port();
  std::printf("listening on 127.0.0.1:%u\n", port);

  // Use the embedded API directly...
  CHECK(db->set("key", "works from both paths").ok());

  // ...and external clients see the same data.
  if (std::system("command -v redis-cli > /dev/null 2>&1") == 0) {
    std::string out;
    CHECK(run("redis-cli -p " + std::to_string(port) + " get key", out));
    std::printf("redis-cli get key -> %s", out.c_str());
    CHECK(out == "works from both paths\n");
    CHECK(run("redis-cli -p " + std::to_string(port) + " set from-cli 42", out));
    CHECK(*db->incr("from-cli") == 43);  // a write over TCP, read in-process
  } else {
    std::printf("redis-cli not found: skipping the TCP check\n");
  }

  (*listener)->stop();  // also stops when the Database is destroyed
  std::printf("hybrid: ok\n");
  return 0;
}
