// One message of a chat prompt. The type is core's hakari::Message, which the backends
// send, so a dataset's messages go to a request without a copy into another type.
#pragma once

#include "hakari/core/message.h"

#include <string_view>

namespace hakari::load {

using Message = hakari::Message;  // role: system | user | assistant

// system, user or assistant: the roles every API family accepts.
bool is_known_role(std::string_view role);

}  // namespace hakari::load
