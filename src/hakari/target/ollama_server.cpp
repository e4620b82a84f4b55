// Ollama: use the server already answering at spec.url (or at the default
// 127.0.0.1:11434 when no command override is given), else launch `ollama serve` with
// OLLAMA_HOST (and OLLAMA_CONTEXT_LENGTH, OLLAMA_NUM_PARALLEL); ready when GET
// /api/version answers. Then make sure the model is there (GET /api/tags; else create it
// from spec.model_file through a blob upload, or pull it, following the NDJSON progress),
// and load it with keep_alive -1. stop() unloads it (keep_alive 0) and ends the server
// only if hakari launched it.
#include <simdjson.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

#include "hakari/core/json_writer.h"
#include "hakari/target/base_server.h"
#include "hakari/target/ollama_blob.h"
#include "hakari/target/sha256.h"
#include "hakari/target/tools.h"

namespace hakari::target {
namespace {

constexpr std::string_view kDefaultUrl = "http://127.0.0.1:11434";
constexpr Nanos kUnloadTimeout = 60 * kNanosPerSecond;
constexpr int kProgressStepPct = 10;
constexpr Nanos kTransferBackstop = 12 * 3600 * kNanosPerSecond;

// "qwen3" -> "qwen3:latest"; a name with a tag stays as it is.
std::string full_name(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  const std::size_t colon = name.find(':', slash == std::string_view::npos ? 0 : slash + 1);
  return std::string(name) + (colon == std::string_view::npos ? ":latest" : "");
}

std::string gigabytes(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f GB", static_cast<double>(bytes) / 1e9);
  return buf;
}

std::string json_object(std::initializer_list<std::pair<std::string_view, std::string_view>> strings) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  for (const auto& [k, v] : strings) w.field(k, v);
  w.end_object();
  return out;
}

class OllamaServer final : public BaseServer {
 public:
  OllamaServer(const TargetSpec& spec, const LaunchOptions& options)
      : BaseServer(spec, options, "ollama"), model_(full_name(spec.model)) {}
  ~OllamaServer() override { stop_in_destructor(); }

 protected:
  std::string install_hint() const override {
    return "install Ollama (ollama on PATH), start it yourself, or give the target a command";
  }
  Reply probe() override { return get("/api/version", 2 * kNanosPerSecond); }

  void do_start() override {
    loaded_ = false;
    request_model_ = spec_.model;
    find_or_launch();
    const Nanos serving = now_ns();
    read_version();

    ensure_model();

    const Nanos load = load_model();
    cold_load_ = (attached_ ? 0 : serving - launch_time_) + load;
  }

  void do_unload() override {
    if (!loaded_) return;
    progress("target '" + spec_.name + "': unloading " + spec_.model);
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("model", spec_.model).field("keep_alive", 0).end_object();
    const Reply r = post("/api/generate", body, kUnloadTimeout);
    loaded_ = false;
    if (!r.ok()) {
      throw TargetError("target '" + spec_.name + "' (ollama): unloading '" + spec_.model + "' at " + base_url_ +
                        " failed: " + describe(r));
    }
  }

 private:
  void find_or_launch() {
    const bool probe_default = spec_.url.empty() && spec_.command.empty();
    if (!spec_.url.empty() || probe_default) {
      std::string host;
      int port = 0;
      const std::string where = spec_.url.empty() ? std::string(kDefaultUrl) : spec_.url;
      if (!split_url(where, host, port)) fail("url '" + where + "' is not an http:// URL");
      set_address(host, port);
      if (get("/api/version", 2 * kNanosPerSecond).ok()) {
        attached_ = true;
        progress("target '" + spec_.name + "': using the Ollama server already running at " + base_url_);
        if (spec_.context || spec_.parallel) {
          progress("target '" + spec_.name +
                   "': note: context/parallel are the running server's own (OLLAMA_CONTEXT_LENGTH, "
                   "OLLAMA_NUM_PARALLEL); hakari cannot change them");
        }
        return;
      }
      if (spec_.url.empty()) choose_address();  // the default is not running: launch on a free port
    } else {
      choose_address();
    }
    std::map<std::string, std::string> env;
    env["OLLAMA_HOST"] = (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
    if (spec_.context) env["OLLAMA_CONTEXT_LENGTH"] = std::to_string(*spec_.context);
    if (spec_.parallel) env["OLLAMA_NUM_PARALLEL"] = std::to_string(*spec_.parallel);
    launch({"ollama", "serve"}, env);
    await("GET /api/version answered", [&] {
      const Reply r = get("/api/version", std::min<Nanos>(time_left(), 5 * kNanosPerSecond));
      return Check{r.ok(), "GET /api/version: " + describe(r)};
    });
  }

  void read_version() {
    const Reply r = get("/api/version", 5 * kNanosPerSecond);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view v;
    if (r.ok() && !parser.parse(r.body).get(root) && !root["version"].get_string().get(v)) version_ = std::string(v);
  }

  bool has_model() {
    const Reply r = get("/api/tags", std::min<Nanos>(time_left(), 30 * kNanosPerSecond));
    if (!r.ok()) fail("GET /api/tags: " + describe(r));
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array models;
    if (parser.parse(r.body).get(root) || root["models"].get_array().get(models)) {
      fail("GET /api/tags: not a model list: " + error_message(r.body));
    }
    for (simdjson::dom::element m : models) {
      std::string_view name;
      if (!m["name"].get_string().get(name) && full_name(name) == model_) return true;
      if (!m["model"].get_string().get(name) && full_name(name) == model_) return true;
    }
    return false;
  }

  void ensure_model() {
    if (has_model()) return;
    const Nanos t0 = now_ns();
    if (!spec_.model_file.empty()) {
      create_from_file();
    } else {
      pull();
    }
    fetch_ = now_ns() - t0;
    startup_budget_ += fetch_;  // a download is not start-up: the load still gets its budget
    if (!has_model()) fail("'" + spec_.model + "' is still not in GET /api/tags after it was fetched");
  }

  // Follows an NDJSON progress stream (pull, create) to its "success" line.
  void follow(const std::string& path, const std::string& body, const std::string& what) {
    Call c;
    c.method = "POST";
    c.url = url(path);
    c.body = body;
    // A download takes what it takes: a stall is caught by idle_timeout, and this backstop
    // bounds a server that never sends its first byte.
    c.timeout = kTransferBackstop;
    c.idle_timeout = opts_.transfer_idle_timeout;
    std::string error;
    std::string last_status;
    bool success = false;
    int last_pct = -kProgressStepPct;
    std::string last_digest;
    simdjson::dom::parser parser;
    const Reply r = http_stream_lines(c, [&](std::string_view line) {
      simdjson::dom::element e;
      if (parser.parse(line.data(), line.size()).get(e)) return;
      std::string_view text;
      if (!e["error"].get_string().get(text)) {
        error = std::string(text);
        return;
      }
      if (e["status"].get_string().get(text)) return;
      const std::string status(text);
      if (status == "success") success = true;
      std::int64_t total = 0;
      std::int64_t completed = 0;
      if (!e["total"].get_int64().get(total) && total > 0 && !e["completed"].get_int64().get(completed)) {
        const int pct = static_cast<int>(100 * completed / total);
        std::string_view digest;
        if (e["digest"].get_string().get(digest)) digest = {};
        if (digest != last_digest) {  // a new layer
          last_digest = std::string(digest);
          last_pct = -kProgressStepPct;
        }
        if (pct >= last_pct + kProgressStepPct || (pct == 100 && last_pct != 100)) {
          progress("target '" + spec_.name + "': " + status + " " + std::to_string(pct) + "% of " +
                   gigabytes(static_cast<std::uint64_t>(total)));
          last_pct = pct;
        }
      } else if (status != last_status) {
        progress("target '" + spec_.name + "': " + what + ": " + status);
      }
      last_status = status;
    });
    if (!error.empty()) fail("ollama could not " + what + ": " + error);
    if (!r.answered()) fail("POST " + path + " (" + what + "): " + describe(r));
    if (r.status / 100 != 2) fail("POST " + path + " (" + what + "): " + describe(r));
    if (!success) {
      fail("POST " + path + " (" + what + ") ended without \"success\" (last status: " +
           (last_status.empty() ? std::string("none") : last_status) + ")");
    }
  }

  void pull() {
    progress("target '" + spec_.name + "': pulling " + spec_.model);
    // "name" too, for servers older than the "model" field.
    follow("/api/pull", json_object({{"model", spec_.model}, {"name", spec_.model}}), "pull '" + spec_.model + "'");
  }

  void create_from_file() {
    const std::string& path = spec_.model_file;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      fail("model_file '" + path + "' is not a readable file");
    }
    progress("target '" + spec_.name + "': hashing " + path + " (" + gigabytes(static_cast<std::uint64_t>(st.st_size)) + ")");
    std::string digest;
    try {
      digest = sha256_file(path);
      if (!ollama_has_blob(base_url_, digest)) {
        progress("target '" + spec_.name + "': uploading " + path + " to " + base_url_);
        ollama_upload_blob(base_url_, path, digest, opts_.transfer_idle_timeout,
                           [&](std::uint64_t sent, std::uint64_t total) {
                             progress("target '" + spec_.name + "': uploaded " + gigabytes(sent) + " of " +
                                      gigabytes(total));
                           });
      }
    } catch (const std::runtime_error& e) {
      fail(std::string("creating '") + spec_.model + "' from " + path + ": " + e.what());
    }
    std::string file_name = std::filesystem::path(path).filename().string();
    if (!file_name.ends_with(".gguf")) file_name += ".gguf";
    std::string body;
    JsonWriter w(body);
    w.begin_object().field("model", spec_.model);
    w.key("files").begin_object().field(file_name, "sha256:" + digest).end_object();
    w.end_object();
    progress("target '" + spec_.name + "': creating " + spec_.model + " from " + path);
    follow("/api/create", body, "create '" + spec_.model + "' from " + path);
  }

  // Loads with a one-token generation rather than Ollama's load-only request (no prompt),
  // whose reply carries no durations: this one's load_duration is Ollama's own measure of
  // the load. Returns the load's time as hakari saw it, less the prompt and the token.
  Nanos load_model() {
    progress("target '" + spec_.name + "': loading " + spec_.model);
    std::string body;
    JsonWriter w(body);
    w.begin_object();
    w.field("model", spec_.model).field("prompt", "Hi").field("raw", true).field("stream", false);
    w.field("keep_alive", -1);
    w.key("options").begin_object().field("num_predict", 1).end_object();
    w.end_object();
    const Nanos t0 = now_ns();
    const Reply r = post("/api/generate", body, time_left());
    const Nanos elapsed = now_ns() - t0;
    if (!r.ok()) fail("loading '" + spec_.model + "' (POST /api/generate, keep_alive -1): " + describe(r));
    loaded_ = true;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(r.body).get(root)) return elapsed;
    std::int64_t v = 0;
    if (!root["load_duration"].get_int64().get(v)) server_load_ = v;
    Nanos generation = 0;
    if (!root["prompt_eval_duration"].get_int64().get(v)) generation += v;
    if (!root["eval_duration"].get_int64().get(v)) generation += v;
    return std::max<Nanos>(0, elapsed - generation);
  }

  std::string model_;  // spec.model with its tag
  bool loaded_ = false;
};

}  // namespace

std::unique_ptr<Server> make_ollama_server(const TargetSpec& spec, const LaunchOptions& options) {
  return std::make_unique<OllamaServer>(spec, options);
}

}  // namespace hakari::target
