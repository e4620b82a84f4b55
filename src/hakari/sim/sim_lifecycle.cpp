// Model management routes, so that hakari's server lifecycle code can run against the
// simulator: Ollama's pull, create (from a model, an uploaded GGUF blob, or a GGUF path),
// delete and blob upload, and LM Studio's native REST model list, load and unload.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "hakari/sim/json_format.h"
#include "hakari/sim/render_lmstudio.h"
#include "hakari/sim/render_ollama.h"
#include "hakari/sim/seeded.h"
#include "hakari/sim/sim_app.h"  // the class these functions belong to

namespace hakari::sim {
namespace {

constexpr std::string_view kJson = "application/json; charset=utf-8";
constexpr std::string_view kNdjson = "application/x-ndjson";
// Time between two progress lines: a pull takes about 9 of them, a create 3.
constexpr Nanos kPullStep = 25 * kNanosPerMilli;
constexpr Nanos kCreateStep = 10 * kNanosPerMilli;
constexpr int kPullProgressLines = 4;
constexpr std::int64_t kParamsLayerBytes = 96;
// The simulated registry holds every well-formed name except these.
constexpr std::string_view kUnknownPrefix = "no-such-";

std::string hex_digest(std::string_view text, std::uint64_t salt) {
  std::uint64_t h = salt;
  for (char ch : text) h = mix64(h ^ static_cast<unsigned char>(ch));
  char digest[65];
  std::snprintf(digest, sizeof digest, "%016llx%016llx%016llx%016llx", static_cast<unsigned long long>(h),
                static_cast<unsigned long long>(mix64(h + 1)), static_cast<unsigned long long>(mix64(h + 2)),
                static_cast<unsigned long long>(mix64(h + 3)));
  return digest;
}

// Ollama's names: [host/][namespace/]model[:tag], letters, digits, '.', '_', '-'.
bool valid_ollama_name(std::string_view name) {
  if (name.empty() || name.size() > 350) return false;
  const std::size_t slash = name.rfind('/');
  const std::size_t colon = name.find(':', slash == std::string_view::npos ? 0 : slash + 1);
  const std::string_view path = name.substr(0, colon);
  if (colon != std::string_view::npos) {
    const std::string_view tag = name.substr(colon + 1);
    if (tag.empty() || tag.size() > 80) return false;
    for (char c : tag) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    }
  }
  bool segment_start = true;
  for (char c : path) {
    if (c == '/') {
      if (segment_start) return false;  // empty segment
      segment_start = true;
      continue;
    }
    const bool alnum = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (!alnum && c != '.' && c != '_' && c != '-') return false;
    if (segment_start && !alnum) return false;
    segment_start = false;
  }
  return !segment_start;
}

// The part after any host/namespace and before the tag: "llama3.2" of "library/llama3.2:1b".
std::string_view model_part(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return name.substr(0, name.find(':'));
}

// "model" (or the older "name") of a management request.
std::string_view requested_name(simdjson::dom::element root) {
  std::string_view name;
  if (!root["model"].get_string().get(name) && !name.empty()) return name;
  if (!root["name"].get_string().get(name)) return name;
  return {};
}

bool stream_flag(simdjson::dom::element root) {
  bool stream = true;
  if (root["stream"].get_bool().get(stream)) return true;
  return stream;
}

// The FROM line of a Modelfile.
std::string_view modelfile_from(std::string_view modelfile) {
  while (!modelfile.empty()) {
    const std::size_t end = modelfile.find('\n');
    std::string_view line = modelfile.substr(0, end);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    if (line.size() > 5 && (line.substr(0, 5) == "FROM " || line.substr(0, 5) == "from ")) {
      line.remove_prefix(5);
      while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
      return line;
    }
    if (end == std::string_view::npos) break;
    modelfile.remove_prefix(end + 1);
  }
  return {};
}

std::string line_of(void (*render)(std::string&, std::string_view), std::string_view text) {
  std::string out;
  render(out, text);
  return out;
}

}  // namespace

std::string SimApp::ollama_full_name(std::string_view name) {
  const std::size_t slash = name.rfind('/');
  const std::size_t colon = name.find(':', slash == std::string_view::npos ? 0 : slash + 1);
  std::string out(name);
  if (colon == std::string_view::npos) out += ":latest";
  return out;
}

const SimApp::OllamaModel* SimApp::find_ollama_model(std::string_view name) const {
  const std::string full = ollama_full_name(name);
  for (const OllamaModel& m : ollama_models_) {
    if (m.name == full) return &m;
  }
  return nullptr;
}

SimApp::OllamaModel SimApp::make_ollama_model(const std::string& full_name, std::int64_t size) const {
  OllamaModel m;
  m.name = full_name;
  m.digest = hex_digest(full_name, 0);
  m.size = size;
  m.modified_wall = wall_now_ns();
  return m;
}

void SimApp::serve_ollama_pull(ConnId conn, std::string_view body, Nanos received) {
  simdjson::dom::element root;
  if (auto err = parser_.parse(body.data(), body.size()).get(root); err) {
    return reply_ollama_error(conn, 400, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  const std::string_view name = requested_name(root);
  if (name.empty()) return reply_ollama_error(conn, 400, "model is required");
  if (!valid_ollama_name(name)) return reply_ollama_error(conn, 400, "invalid model name");

  ScriptedReply r;
  r.conn = conn;
  r.stream = stream_flag(root);
  Nanos t = received;
  r.lines.emplace_back(t, line_of(ollama::status_line, "pulling manifest"));
  t += kPullStep;
  if (model_part(name).starts_with(kUnknownPrefix)) {
    std::string err;
    ollama::error_body(err, "pull model manifest: file does not exist");
    r.lines.emplace_back(t, std::move(err));
    r.final_status = 500;
  } else {
    const OllamaModel* have = find_ollama_model(name);
    OllamaModel m = have != nullptr ? *have : make_ollama_model(ollama_full_name(name),
                                                                static_cast<std::int64_t>(opts_.resident_bytes()));
    m.modified_wall = wall_now_ns();
    for (int k = 0; k <= kPullProgressLines; ++k) {
      std::string line;
      ollama::pull_progress_line(line, m.digest, m.size, m.size * k / kPullProgressLines);
      r.lines.emplace_back(t, std::move(line));
      t += kPullStep;
    }
    std::string params;
    ollama::pull_progress_line(params, hex_digest(m.name, 1), kParamsLayerBytes, kParamsLayerBytes);
    r.lines.emplace_back(t, std::move(params));
    t += kPullStep;
    for (const char* status : {"verifying sha256 digest", "writing manifest", "success"}) {
      r.lines.emplace_back(t, line_of(ollama::status_line, status));
      t += kPullStep;
    }
    r.registers = std::move(m);
  }
  if (r.stream) http_->begin_stream(conn, 200, kNdjson);
  scripted_.push_back(std::move(r));
  tick_lifecycle(now_ns());
}

void SimApp::serve_ollama_create(ConnId conn, std::string_view body, Nanos received) {
  simdjson::dom::element root;
  if (auto err = parser_.parse(body.data(), body.size()).get(root); err) {
    return reply_ollama_error(conn, 400, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  const std::string_view name = requested_name(root);
  if (name.empty()) return reply_ollama_error(conn, 400, "model is required");
  if (!valid_ollama_name(name)) return reply_ollama_error(conn, 400, "invalid model name");

  std::vector<std::string> statuses;
  std::int64_t size = 0;
  simdjson::dom::object files;
  std::string_view from;
  std::string_view modelfile;
  if (!root["files"].get_object().get(files) && files.size() > 0) {
    // Blobs uploaded through /api/blobs, by file name.
    for (auto field : files) {
      std::string_view digest;
      if (field.value.get_string().get(digest) || !digest.starts_with("sha256:")) {
        return reply_ollama_error(conn, 400, "invalid digest for file '" + std::string(field.key) + "'");
      }
      auto blob = blobs_.find(std::string(digest.substr(7)));
      if (blob == blobs_.end()) {
        return reply_ollama_error(conn, 400, "blob " + std::string(digest) + " not found; upload it to /api/blobs first");
      }
      size += blob->second;
      statuses.push_back("parsing GGUF");
      statuses.push_back("using existing layer " + std::string(digest));
    }
  } else {
    // A model to copy, or a GGUF path: "from", else the FROM line of a "modelfile".
    if (root["from"].get_string().get(from) && !root["modelfile"].get_string().get(modelfile)) {
      from = modelfile_from(modelfile);
    }
    if (from.empty()) return reply_ollama_error(conn, 400, "neither 'from' or 'files' was specified");
    if (const OllamaModel* base = find_ollama_model(from); base != nullptr && valid_ollama_name(from)) {
      size = base->size;
      statuses.push_back("using existing layer sha256:" + base->digest);
    } else if (from.front() == '/' || from.starts_with("./") || from.ends_with(".gguf")) {
      // A GGUF on the server's disk, as a Modelfile's FROM line names it.
      struct stat st {};
      const std::string path(from);
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return reply_ollama_error(conn, 400, "open " + path + ": no such file or directory");
      }
      size = static_cast<std::int64_t>(st.st_size);
      statuses.push_back("parsing GGUF");
      statuses.push_back("creating new layer sha256:" + hex_digest(path, 2));
    } else {
      return reply_ollama_error(conn, 404, "model '" + std::string(from) + "' not found");
    }
  }
  statuses.push_back("writing manifest");
  statuses.push_back("success");

  ScriptedReply r;
  r.conn = conn;
  r.stream = stream_flag(root);
  Nanos t = received;
  for (const std::string& status : statuses) {
    r.lines.emplace_back(t, line_of(ollama::status_line, status));
    t += kCreateStep;
  }
  r.registers = make_ollama_model(ollama_full_name(name), size);
  if (r.stream) http_->begin_stream(conn, 200, kNdjson);
  scripted_.push_back(std::move(r));
  tick_lifecycle(now_ns());
}

void SimApp::serve_ollama_delete(ConnId conn, std::string_view body) {
  simdjson::dom::element root;
  if (auto err = parser_.parse(body.data(), body.size()).get(root); err) {
    return reply_ollama_error(conn, 400, std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  const std::string_view name = requested_name(root);
  if (name.empty()) return reply_ollama_error(conn, 400, "model is required");
  const std::string full = ollama_full_name(name);
  const auto it = std::find_if(ollama_models_.begin(), ollama_models_.end(),
                               [&](const OllamaModel& m) { return m.name == full; });
  if (it == ollama_models_.end()) return reply_ollama_error(conn, 404, "model '" + std::string(name) + "' not found");
  if (model_loaded_ && loaded_model_ == full) model_loaded_ = false;
  ollama_models_.erase(it);
  reply(conn, 200, kJson, "");
}

void SimApp::serve_ollama_blob(ConnId conn, std::string_view method, std::string_view path,
                               std::string_view body) {
  std::string_view digest = path.substr(std::string_view("/api/blobs/").size());
  const bool valid = digest.starts_with("sha256:") && digest.size() == 7 + 64 &&
                     std::all_of(digest.begin() + 7, digest.end(), [](char c) {
                       return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
                     });
  if (!valid) return reply_ollama_error(conn, 400, "invalid digest format");
  const std::string hex(digest.substr(7));
  if (method == "POST") {
    // The content is not hashed: the simulator takes the client's word for the digest.
    blobs_[hex] = static_cast<std::int64_t>(body.size());
    return reply(conn, 201, kJson, "");
  }
  reply(conn, blobs_.count(hex) != 0 ? 200 : 404, kJson, "");
}

void SimApp::serve_lms_models(ConnId conn, bool v0) {
  char params[32];
  std::snprintf(params, sizeof params, "%.1fB", static_cast<double>(opts_.parameter_count()) / 1e9);
  lmstudio::ModelDesc desc;
  desc.key = opts_.model_name;
  desc.size_bytes = static_cast<std::int64_t>(opts_.resident_bytes());
  desc.params_string = params;
  desc.max_context_length = opts_.ctx_size;
  desc.parallel = effective_slots(opts_);
  scratch_.clear();
  if (v0) {
    lmstudio::models_v0(scratch_, desc, model_loaded_ && model_ready_ <= now_ns());
  } else {
    std::vector<lmstudio::Instance> loaded;
    for (const LmsInstance& i : lms_instances_) loaded.push_back({i.id, i.context_length});
    lmstudio::models_v1(scratch_, desc, loaded);
  }
  reply_json(conn, 200);
}

void SimApp::serve_lms_load(ConnId conn, std::string_view body, Nanos received) {
  auto fail = [&](int status, std::string_view type, const std::string& message) {
    scratch_.clear();
    lmstudio::error_body(scratch_, type, message);
    reply_json(conn, status);
  };
  simdjson::dom::element root;
  if (auto err = parser_.parse(body.data(), body.size()).get(root); err) {
    return fail(400, "invalid_request", std::string("invalid JSON: ") + simdjson::error_message(err));
  }
  std::string_view model;
  if (root["model"].get_string().get(model) || model.empty()) {
    return fail(400, "invalid_request", "'model' is required");
  }
  if (model != opts_.model_name) return fail(404, "model_not_found", "Model '" + std::string(model) + "' not found");
  std::int64_t context = opts_.ctx_size;
  if (auto field = root["context_length"]; field.error() == simdjson::SUCCESS) {
    if (field.get_int64().get(context) || context <= 0 || context > opts_.ctx_size) {
      return fail(400, "invalid_request",
                  "'context_length' must be an integer in [1, " + std::to_string(opts_.ctx_size) + "]");
    }
  }
  bool echo = false;
  if (root["echo_load_config"].get_bool().get(echo)) echo = false;

  // Every instance loads the weights anew, so every load takes --load-ms.
  const Nanos due = received + from_ms(opts_.load_ms);
  if (!model_loaded_) {
    model_loaded_ = true;
    loaded_model_ = ollama_name();
    model_ready_ = due;
  }
  ++lms_loads_;
  PendingLmsLoad load;
  load.due = due;
  load.conn = conn;
  load.instance.id = lms_loads_ == 1 ? opts_.model_name : opts_.model_name + ":" + std::to_string(lms_loads_);
  load.instance.context_length = context;
  load.load_seconds = static_cast<double>(due - received) / 1e9;
  load.echo_config = echo;
  pending_lms_loads_.push_back(std::move(load));
  tick_lifecycle(now_ns());
}

void SimApp::serve_lms_unload(ConnId conn, std::string_view body) {
  simdjson::dom::element root;
  std::string_view id;
  scratch_.clear();
  if (parser_.parse(body.data(), body.size()).get(root) || root["instance_id"].get_string().get(id)) {
    lmstudio::error_body(scratch_, "invalid_request", "'instance_id' is required");
    return reply_json(conn, 400);
  }
  const auto it = std::find_if(lms_instances_.begin(), lms_instances_.end(),
                               [&](const LmsInstance& i) { return i.id == id; });
  if (it == lms_instances_.end()) {
    lmstudio::error_body(scratch_, "model_not_found", "No loaded model instance '" + std::string(id) + "'");
    return reply_json(conn, 404);
  }
  lmstudio::unload_reply(scratch_, id);
  lms_instances_.erase(it);
  if (lms_instances_.empty()) model_loaded_ = false;
  reply_json(conn, 200);
}

void SimApp::tick_lifecycle(Nanos now) {
  for (std::size_t i = 0; i < scripted_.size();) {
    ScriptedReply& r = scripted_[i];
    while (r.next < r.lines.size() && r.lines[r.next].first <= now) {
      const bool last = r.next + 1 == r.lines.size();
      std::string& line = r.lines[r.next].second;
      if (r.stream) {
        line += '\n';
        http_->send_chunk(r.conn, line);
        if (last) http_->end_stream(r.conn);
      } else if (last) {
        http_->respond(r.conn, r.final_status, kJson, line);
      }
      ++r.next;
    }
    if (r.next < r.lines.size()) {
      ++i;
      continue;
    }
    if (!r.registers.name.empty()) {
      std::erase_if(ollama_models_, [&](const OllamaModel& m) { return m.name == r.registers.name; });
      ollama_models_.push_back(std::move(r.registers));
    }
    scripted_.erase(scripted_.begin() + static_cast<std::ptrdiff_t>(i));
  }

  for (std::size_t i = 0; i < pending_lms_loads_.size();) {
    if (pending_lms_loads_[i].due > now) {
      ++i;
      continue;
    }
    PendingLmsLoad load = std::move(pending_lms_loads_[i]);
    pending_lms_loads_.erase(pending_lms_loads_.begin() + static_cast<std::ptrdiff_t>(i));
    lmstudio::ModelDesc desc;
    desc.key = opts_.model_name;
    desc.max_context_length = opts_.ctx_size;
    desc.parallel = effective_slots(opts_);
    model_loaded_ = true;  // an unload of another instance meanwhile must not leave it unloaded
    lms_instances_.push_back(load.instance);
    scratch_.clear();
    lmstudio::load_reply(scratch_, desc, {load.instance.id, load.instance.context_length}, load.load_seconds,
                         load.echo_config);
    reply_json(load.conn, 200);
  }
}

Nanos SimApp::lifecycle_deadline() const {
  Nanos next = kNever;
  for (const ScriptedReply& r : scripted_) {
    if (r.next < r.lines.size()) next = std::min(next, r.lines[r.next].first);
  }
  for (const PendingLmsLoad& load : pending_lms_loads_) next = std::min(next, load.due);
  return next;
}

void SimApp::abandon_lifecycle(ConnId conn) {
  std::erase_if(scripted_, [&](const ScriptedReply& r) { return r.conn == conn; });
  std::erase_if(pending_lms_loads_, [&](const PendingLmsLoad& load) { return load.conn == conn; });
}

}  // namespace hakari::sim
