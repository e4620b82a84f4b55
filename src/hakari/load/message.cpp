#include "hakari/load/message.h"

namespace hakari::load {

bool is_known_role(std::string_view role) { return role == "system" || role == "user" || role == "assistant"; }

}  // namespace hakari::load
