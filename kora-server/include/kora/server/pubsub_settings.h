#pragma once
// Start-up settings of pub/sub (kora-cli flags): the same values CONFIG SET
// accepts, checked with the same rules. Process-wide; call before serving.

#include <optional>
#include <string>
#include <string_view>

namespace kora::server {

// notify-keyspace-events: Redis's flag letters ("KEA", "Ex"...). Returns the
// reason in Redis's words when refused (nothing changed), nullopt when applied.
std::optional<std::string> set_notify_keyspace_events(std::string_view letters);

// client-output-buffer-limit: "<class> <hard> <soft> <seconds>" repeated
// (classes normal, slave/replica, pubsub; sizes as 32mb, 8mb...). Same contract.
std::optional<std::string> set_client_output_buffer_limit(std::string_view text);

}  // namespace kora::server
