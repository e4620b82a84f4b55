// One message of a conversation, as chat APIs take it. Shared by the workloads that make
// conversations and the backends that send them.
#pragma once

#include <string>

namespace hakari {

struct Message {
  std::string role;  // system | user | assistant
  std::string content;
  bool operator==(const Message&) const = default;
};

}  // namespace hakari
