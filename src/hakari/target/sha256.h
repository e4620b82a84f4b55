// SHA-256 (FIPS 180-4), for the digests Ollama names blobs by. Small and dependency-free;
// hashing a 20 GB GGUF takes about a minute on one core.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace hakari::target {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // The digest as 64 lowercase hex digits. Call once.
  std::string hex_digest();

 private:
  void block(const std::uint8_t* p);
  std::array<std::uint32_t, 8> h_;
  std::array<std::uint8_t, 64> buf_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// The digest of a file's contents; `on_progress(bytes_done, bytes_total)` is called now
// and then. Throws std::runtime_error when the file cannot be read.
std::string sha256_file(const std::string& path,
                        const std::function<void(std::uint64_t, std::uint64_t)>& on_progress = {});

}  // namespace hakari::target
