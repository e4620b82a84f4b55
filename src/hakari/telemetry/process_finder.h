// Finds the serving process when hakari attached to a server it did not start: by the
// TCP port it listens on, or by its name.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace hakari::telemetry {

struct FoundProcess {
  pid_t pid = 0;
  std::string comm;
};

// The process listening on `port` (IPv4 or IPv6, any address). Needs to read other
// processes' fd tables: as root, or for the user's own servers.
std::optional<FoundProcess> find_process_by_port(const std::string& root, int port, std::string& why_not);

// The oldest process whose command name or first argument is `name` ("llama-server",
// "ollama"), or whose command line contains it ("vllm"). Children of a match are skipped:
// the tree is sampled from its root.
std::optional<FoundProcess> find_process_by_name(const std::string& root, const std::string& name, std::string& why_not);

}  // namespace hakari::telemetry
