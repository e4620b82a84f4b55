# All dependencies are Debian packages; scripts/install-deps.sh installs them.
find_package(Threads REQUIRED)
find_package(CURL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(simdjson REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)
if(HAKARI_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(HAKARI_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# PDF text for the summarize workload's documents (hakari::load), through Debian's
# libpoppler-cpp-dev.
find_package(PkgConfig REQUIRED)
pkg_check_modules(POPPLER_CPP REQUIRED IMPORTED_TARGET GLOBAL poppler-cpp)
