// Ollama's blob store, for creating a model from a GGUF file: HEAD /api/blobs/sha256:<hex>
// says whether the server has the file, POST uploads it (streamed from disk, so a file of
// tens of GB never sits in memory). The transport client sends bodies from memory and
// cannot HEAD, so these two calls use libcurl directly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "hakari/core/clock.h"

namespace hakari::target {

// True when the server has the blob; false when it answers 404. Throws std::runtime_error
// when it cannot be asked or answers anything else.
bool ollama_has_blob(const std::string& base_url, const std::string& digest_hex);

// Uploads `path` as blob sha256:<digest_hex>. Fails (std::runtime_error, with the server's
// message) on an HTTP error or after `idle_timeout` without progress. `on_progress(sent,
// total)` is called now and then.
void ollama_upload_blob(const std::string& base_url, const std::string& path, const std::string& digest_hex,
                        Nanos idle_timeout, const std::function<void(std::uint64_t, std::uint64_t)>& on_progress = {});

}  // namespace hakari::target
