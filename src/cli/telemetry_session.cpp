#include "cli/telemetry_session.h"

#include <charconv>

#include "hakari/core/host_info.h"
#include "hakari/telemetry/factory.h"
#include "hakari/telemetry/process_finder.h"
#include "hakari/telemetry/series.h"

namespace hakari::cli {
namespace {

// The port of a URL whose host is this machine's loopback, or 0.
int local_port(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return 0;
  std::string rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  std::string host = rest;
  int port = url.rfind("https", 0) == 0 ? 443 : 80;
  if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
    host = rest.substr(0, colon);
    const std::string p = rest.substr(colon + 1);
    std::from_chars(p.data(), p.data() + p.size(), port);
  }
  const bool local = host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
  return local ? port : 0;
}

}  // namespace

TelemetrySession::TelemetrySession(const TelemetryOptions& o, const backend::ServerInfo* server,
                                   const std::vector<std::string>& headers) {
  telemetry::TelemetryConfig config;
  config.proc_root = o.proc_root;
  config.sys_root = o.sys_root;
  config.nvml = o.nvml;
  config.server_pid = o.server_pid;
  std::string why_not;
  if (config.server_pid == 0 && !o.server_process.empty()) {
    if (auto p = telemetry::find_process_by_name(o.proc_root, o.server_process, why_not)) {
      config.server_pid = p->pid;
    } else {
      notes_.push_back("server process: " + why_not);
    }
  }
  if (config.server_pid == 0 && o.server_process.empty() && server) {
    if (const int port = local_port(server->base_url); port > 0) {
      if (auto p = telemetry::find_process_by_port(o.proc_root, port, why_not)) {
        config.server_pid = p->pid;
      } else {
        notes_.push_back("server process: " + why_not);
      }
    } else {
      notes_.push_back("server process: " + server->base_url + " is not on this host; its CPU and memory are not measured");
    }
  }
  if (server) config.server = telemetry::ServerEndpoint{server->base_url, server->kind, headers, kNanosPerSecond};
  std::vector<std::string> setup_notes;
  recorder_ = std::make_unique<telemetry::Recorder>(telemetry::make_samplers(config, setup_notes), o.interval);
  for (auto& n : setup_notes) notes_.push_back(std::move(n));
  hardware_key_ = o.hardware;
  recorder_->on_note([this](Nanos t, const std::string& source, const std::string& message) {
    store_note(t, source, message);
  });
}

TelemetrySession::~TelemetrySession() { recorder_->stop(); }

telemetry::Snapshot TelemetrySession::first_snapshot() {
  telemetry::Snapshot s = recorder_->sample_now();
  if (!hardware_key_.empty()) {
    hardware_ = catalog::find_hardware(hardware_key_);
  } else {
    std::vector<std::string> gpu_names;
    for (const auto& g : s.gpus) gpu_names.push_back(g.name);
    hardware_ = catalog::detect_hardware(read_host_info().cpu_model, gpu_names);
  }
  return s;
}

std::vector<std::string> TelemetrySession::notes() const {
  std::lock_guard lock(mu_);
  return notes_;
}

void TelemetrySession::record_into(store::ResultsStore& store, std::int64_t run_id) {
  {
    std::lock_guard lock(mu_);
    store_ = &store;
    run_id_ = run_id;
    // A run measures several targets, each with its own session: one series per signal.
    series_ids_.clear();
    for (const auto& row : store.series(run_id)) series_ids_[row.name] = row.id;
    for (const auto& n : notes_) {
      store::NoteRow row{0, run_id_, now_ns(), "setup", n};
      store_->insert_note(row);
    }
  }
  recorder_->on_snapshot([this](const telemetry::Snapshot& s) { store_snapshot(s); });
}

void TelemetrySession::store_snapshot(const telemetry::Snapshot& s) {
  std::vector<telemetry::SeriesPoint> points;
  telemetry::flatten(s, points);
  std::vector<store::SampleRow> rows;
  rows.reserve(points.size());
  std::lock_guard lock(mu_);
  if (!store_) return;
  try {
    for (const auto& p : points) {
      auto it = series_ids_.find(p.name);
      if (it == series_ids_.end()) {
        store::SeriesRow row{0, run_id_, p.name, p.unit, telemetry::series_kind_name(p.kind), p.labels};
        it = series_ids_.emplace(p.name, store_->insert_series(row)).first;
      }
      rows.push_back(store::SampleRow{it->second, s.t, p.value});
    }
    store_->insert_samples(rows);
  } catch (const std::exception& e) {
    // Losing telemetry must not cost the measurements: stop storing it, say so once.
    notes_.push_back(std::string("telemetry is no longer stored: ") + e.what());
    store_ = nullptr;
  }
}

void TelemetrySession::store_note(Nanos t, const std::string& source, const std::string& message) {
  std::lock_guard lock(mu_);
  notes_.push_back(source + ": " + message);
  if (!store_) return;
  try {
    store::NoteRow row{0, run_id_, t, source, message};
    store_->insert_note(row);
  } catch (const std::exception& e) {
    notes_.push_back(std::string("telemetry is no longer stored: ") + e.what());
    store_ = nullptr;
  }
}

}  // namespace hakari::cli
