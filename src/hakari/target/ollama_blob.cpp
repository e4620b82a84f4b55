#include "hakari/target/ollama_blob.h"

#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "hakari/target/control_http.h"
#include "hakari/transport/http_client.h"

namespace hakari::target {
namespace {

struct Easy {
  CURL* h = nullptr;
  curl_slist* headers = nullptr;
  Easy() {
    transport::init_http_global();
    h = curl_easy_init();
    if (h == nullptr) throw std::runtime_error("curl_easy_init failed");
  }
  ~Easy() {
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
  }
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() < 64 * 1024) out->append(data, size * n);
  return size * n;
}

struct Upload {
  FILE* file = nullptr;
  std::uint64_t sent = 0;
  std::uint64_t total = 0;
  std::uint64_t next_report = 0;
  const std::function<void(std::uint64_t, std::uint64_t)>* on_progress = nullptr;
};

std::size_t read_file(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t got = std::fread(buffer, 1, size * n, u->file);
  if (got == 0 && std::ferror(u->file)) return CURL_READFUNC_ABORT;
  u->sent += got;
  if (*u->on_progress && u->sent >= u->next_report) {
    (*u->on_progress)(u->sent, u->total);
    u->next_report = u->sent + (1ULL << 30);
  }
  return got;
}

void common(Easy& e, const std::string& url, char* error) {
  curl_easy_setopt(e.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e.h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(e.h, CURLOPT_ERRORBUFFER, error);
}

}  // namespace

bool ollama_has_blob(const std::string& base_url, const std::string& digest_hex) {
  Easy e;
  char error[CURL_ERROR_SIZE] = {};
  const std::string url = base_url + "/api/blobs/sha256:" + digest_hex;
  common(e, url, error);
  curl_easy_setopt(e.h, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(e.h, CURLOPT_TIMEOUT_MS, 30000L);
  const CURLcode rc = curl_easy_perform(e.h);
  if (rc != CURLE_OK) {
    throw std::runtime_error("HEAD " + url + ": " + (error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(e.h, CURLINFO_RESPONSE_CODE, &status);
  if (status == 200) return true;
  if (status == 404) return false;
  throw std::runtime_error("HEAD " + url + ": HTTP " + std::to_string(status));
}

void ollama_upload_blob(const std::string& base_url, const std::string& path, const std::string& digest_hex,
                        Nanos idle_timeout, const std::function<void(std::uint64_t, std::uint64_t)>& on_progress) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!f) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  std::fseek(f.get(), 0, SEEK_END);
  const long size = std::ftell(f.get());
  std::fseek(f.get(), 0, SEEK_SET);
  Upload u;
  u.file = f.get();
  u.total = size > 0 ? static_cast<std::uint64_t>(size) : 0;
  u.on_progress = &on_progress;

  Easy e;
  char error[CURL_ERROR_SIZE] = {};
  std::string body;
  const std::string url = base_url + "/api/blobs/sha256:" + digest_hex;
  common(e, url, error);
  curl_easy_setopt(e.h, CURLOPT_POST, 1L);
  curl_easy_setopt(e.h, CURLOPT_READFUNCTION, read_file);
  curl_easy_setopt(e.h, CURLOPT_READDATA, &u);
  curl_easy_setopt(e.h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(u.total));
  curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &body);
  // Stalled: under 1 byte/s for the idle timeout.
  curl_easy_setopt(e.h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(e.h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(std::max<Nanos>(1, idle_timeout / kNanosPerSecond)));
  e.headers = curl_slist_append(e.headers, "Expect:");
  e.headers = curl_slist_append(e.headers, "Content-Type: application/octet-stream");
  curl_easy_setopt(e.h, CURLOPT_HTTPHEADER, e.headers);
  const CURLcode rc = curl_easy_perform(e.h);
  if (rc != CURLE_OK) {
    throw std::runtime_error("POST " + url + ": " + (error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(e.h, CURLINFO_RESPONSE_CODE, &status);
  if (status / 100 != 2) {
    const std::string msg = error_message(body);
    throw std::runtime_error("POST " + url + ": HTTP " + std::to_string(status) + (msg.empty() ? "" : ": " + msg));
  }
  if (on_progress) on_progress(u.sent, u.total);
}

}  // namespace hakari::target
