# Warnings for the project's own targets (not for third-party headers).
add_library(hakari_warnings INTERFACE)
target_compile_options(hakari_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2)
