// Ports: a free one to launch on, and which process listens on one (LM Studio's server
// runs in LM Studio's process, not in the `lms` hakari starts).
#pragma once

#include <sys/types.h>

namespace hakari::target {

// The process with a TCP socket listening on `port` (IPv4 or IPv6), from /proc; 0 when
// none is found (or it belongs to another user).
pid_t pid_listening_on(int port);

}  // namespace hakari::target
