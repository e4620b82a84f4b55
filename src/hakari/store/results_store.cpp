#include "hakari/store/results_store.h"

#include <set>
#include <vector>

namespace hakari::store {

using metrics::RequestRecord;

namespace {

// ---- the schema, declared once -----------------------------------------------------------

template <typename T>
struct Column {
  const char* name;
  const char* sql_type;
  void (*bind)(Statement&, int, const T&);
  void (*read)(const Statement&, int, T&);
};

template <typename T, std::int64_t T::*M>
Column<T> int_col(const char* name) {
  return {name, "INTEGER", [](Statement& s, int i, const T& v) { s.bind_int(i, v.*M); },
          [](const Statement& s, int i, T& v) { v.*M = s.column_int(i); }};
}

template <typename T, double T::*M>
Column<T> real_col(const char* name) {
  return {name, "REAL", [](Statement& s, int i, const T& v) { s.bind_double(i, v.*M); },
          [](const Statement& s, int i, T& v) { v.*M = s.column_double(i); }};
}

template <typename T, std::string T::*M>
Column<T> text_col(const char* name) {
  return {name, "TEXT", [](Statement& s, int i, const T& v) { s.bind_text(i, v.*M); },
          [](const Statement& s, int i, T& v) { v.*M = s.column_text(i); }};
}

template <typename T, typename Opt>
void bind_optional(Statement& s, int i, const Opt& o) {
  if (!o) {
    s.bind_null(i);
  } else if constexpr (std::is_same_v<typename Opt::value_type, double>) {
    s.bind_double(i, *o);
  } else {
    s.bind_int(i, *o);
  }
}

template <typename Opt>
void read_optional(const Statement& s, int i, Opt& o) {
  if (s.is_null(i)) {
    o.reset();
  } else if constexpr (std::is_same_v<typename Opt::value_type, double>) {
    o = s.column_double(i);
  } else {
    o = s.column_int(i);
  }
}

// Server timings live in a nested struct; one column per field.
template <auto M>
Column<RequestRecord> server_col(const char* name, const char* type) {
  return {name, type, [](Statement& s, int i, const RequestRecord& r) { bind_optional<RequestRecord>(s, i, r.server.*M); },
          [](const Statement& s, int i, RequestRecord& r) { read_optional(s, i, r.server.*M); }};
}

const std::vector<Column<RunInfo>>& run_columns() {
  using R = RunInfo;
  static const std::vector<Column<R>> cols{
      text_col<R, &R::started_at>("started_at"),
      text_col<R, &R::finished_at>("finished_at"),
      text_col<R, &R::status>("status"),
      int_col<R, &R::wall_anchor_ns>("wall_anchor_ns"),
      int_col<R, &R::mono_anchor_ns>("mono_anchor_ns"),
      text_col<R, &R::hakari_version>("hakari_version"),
      text_col<R, &R::git_commit>("git_commit"),
      text_col<R, &R::build_type>("build_type"),
      text_col<R, &R::sanitize>("sanitize"),
      text_col<R, &R::compiler>("compiler"),
      text_col<R, &R::host_name>("host_name"),
      text_col<R, &R::host_os>("host_os"),
      text_col<R, &R::host_kernel>("host_kernel"),
      text_col<R, &R::host_cpu>("host_cpu"),
      int_col<R, &R::host_cpus>("host_cpus"),
      int_col<R, &R::host_memory_bytes>("host_memory_bytes"),
      text_col<R, &R::cpu_governor>("cpu_governor"),
      real_col<R, &R::load_avg>("load_avg"),
      text_col<R, &R::noise_warnings>("noise_warnings"),
      text_col<R, &R::target_url>("target_url"),
      text_col<R, &R::api>("api"),
      text_col<R, &R::server_kind>("server_kind"),
      text_col<R, &R::server_version>("server_version"),
      text_col<R, &R::server_model>("server_model"),
      text_col<R, &R::server_header>("server_header"),
      int_col<R, &R::simulated>("simulated"),
      text_col<R, &R::command_line>("command_line"),
      int_col<R, &R::seed>("seed"),
  };
  return cols;
}

const std::vector<Column<CellInfo>>& cell_columns() {
  using C = CellInfo;
  static const std::vector<Column<C>> cols{
      {"run_id", "INTEGER NOT NULL REFERENCES runs(id)", [](Statement& s, int i, const C& c) { s.bind_int(i, c.run_id); },
       [](const Statement& s, int i, C& c) { c.run_id = s.column_int(i); }},
      int_col<C, &C::ordinal>("ordinal"),
      int_col<C, &C::concurrency>("concurrency"),
      int_col<C, &C::requests_planned>("requests_planned"),
      int_col<C, &C::warmup_requests>("warmup_requests"),
      int_col<C, &C::prompt_tokens>("prompt_tokens"),
      int_col<C, &C::max_tokens>("max_tokens"),
      text_col<C, &C::model>("model"),
      text_col<C, &C::length_forcing>("length_forcing"),
      text_col<C, &C::status>("status"),
      text_col<C, &C::note>("note"),
      int_col<C, &C::started_ns>("started_ns"),
      int_col<C, &C::ended_ns>("ended_ns"),
      real_col<C, &C::client_cpu_ms>("client_cpu_ms"),
  };
  return cols;
}

// The request row. `sent_ns` precedes `chunks`, whose times are stored relative to it.
const std::vector<Column<RequestRecord>>& request_columns() {
  using R = RequestRecord;
  using metrics::ServerTimings;
  static const std::vector<Column<R>> cols{
      int_col<R, &R::index>("idx"),
      text_col<R, &R::request_id>("request_id"),
      int_col<R, &R::scheduled>("scheduled_ns"),
      int_col<R, &R::sent>("sent_ns"),
      int_col<R, &R::first_byte>("first_byte_ns"),
      int_col<R, &R::first_token>("first_token_ns"),
      int_col<R, &R::last_token>("last_token_ns"),
      int_col<R, &R::done>("done_ns"),
      {"status", "TEXT", [](Statement& s, int i, const R& r) { s.bind_text(i, metrics::status_name(r.status)); },
       [](const Statement& s, int i, R& r) {
         r.status = metrics::parse_status(s.column_text(i)).value_or(metrics::RequestStatus::failed);
       }},
      {"error_class", "TEXT", [](Statement& s, int i, const R& r) { s.bind_text(i, metrics::error_class_name(r.error)); },
       [](const Statement& s, int i, R& r) {
         r.error = metrics::parse_error_class(s.column_text(i)).value_or(metrics::ErrorClass::other);
       }},
      text_col<R, &R::error_detail>("error_detail"),
      {"http_status", "INTEGER", [](Statement& s, int i, const R& r) { s.bind_int(i, r.http_status); },
       [](const Statement& s, int i, R& r) { r.http_status = static_cast<int>(s.column_int(i)); }},
      {"prompt_tokens", "INTEGER", [](Statement& s, int i, const R& r) { bind_optional<R>(s, i, r.prompt_tokens); },
       [](const Statement& s, int i, R& r) { read_optional(s, i, r.prompt_tokens); }},
      {"prompt_tokens_source", "TEXT",
       [](Statement& s, int i, const R& r) { s.bind_text(i, metrics::count_source_name(r.prompt_tokens_source)); },
       [](const Statement& s, int i, R& r) {
         r.prompt_tokens_source = metrics::parse_count_source(s.column_text(i)).value_or(metrics::CountSource::none);
       }},
      int_col<R, &R::output_tokens>("output_tokens"),
      {"output_tokens_source", "TEXT",
       [](Statement& s, int i, const R& r) { s.bind_text(i, metrics::count_source_name(r.output_tokens_source)); },
       [](const Statement& s, int i, R& r) {
         r.output_tokens_source = metrics::parse_count_source(s.column_text(i)).value_or(metrics::CountSource::none);
       }},
      int_col<R, &R::client_tokens>("client_tokens"),
      int_col<R, &R::content_bytes>("content_bytes"),
      text_col<R, &R::finish_reason>("finish_reason"),
      server_col<&ServerTimings::prompt_n>("server_prompt_n", "INTEGER"),
      server_col<&ServerTimings::cache_n>("server_cache_n", "INTEGER"),
      server_col<&ServerTimings::prompt_ms>("server_prompt_ms", "REAL"),
      server_col<&ServerTimings::predicted_n>("server_predicted_n", "INTEGER"),
      server_col<&ServerTimings::predicted_ms>("server_predicted_ms", "REAL"),
      server_col<&ServerTimings::load_ms>("server_load_ms", "REAL"),
      server_col<&ServerTimings::total_ms>("server_total_ms", "REAL"),
      {"chunk_count", "INTEGER", [](Statement& s, int i, const R& r) { s.bind_int(i, static_cast<std::int64_t>(r.chunks.size())); },
       [](const Statement&, int, R&) {}},
      {"chunks", "BLOB", [](Statement& s, int i, const R& r) { s.bind_blob(i, metrics::pack_chunks(r.chunks, r.sent)); },
       [](const Statement& s, int i, R& r) {
         if (!metrics::unpack_chunks(s.column_blob(i), r.sent, r.chunks)) {
           throw StoreError("request " + std::to_string(r.index) + ": corrupt chunk timeline");
         }
       }},
      text_col<R, &R::output_text>("output_text"),
  };
  return cols;
}

// ---- SQL generated from the declarations ------------------------------------------------

template <typename T>
std::string create_sql(const char* table, const std::vector<Column<T>>& cols, const char* extra_prefix = "") {
  std::string sql = std::string("CREATE TABLE IF NOT EXISTS ") + table + " (id INTEGER PRIMARY KEY" + extra_prefix;
  for (const auto& c : cols) sql += std::string(", ") + c.name + " " + c.sql_type;
  return sql + ")";
}

template <typename T>
std::string insert_sql(const char* table, const std::vector<Column<T>>& cols, const char* extra_prefix = "") {
  std::string names = extra_prefix;
  std::string marks;
  int n = extra_prefix[0] ? 1 : 0;
  if (n) marks = "?";
  for (const auto& c : cols) {
    if (!names.empty()) names += ", ";
    names += c.name;
    if (!marks.empty()) marks += ", ";
    marks += "?";
  }
  return std::string("INSERT INTO ") + table + " (" + names + ") VALUES (" + marks + ")";
}

template <typename T>
std::string select_sql(const char* table, const std::vector<Column<T>>& cols, const std::string& where) {
  std::string sql = "SELECT id";
  for (const auto& c : cols) sql += std::string(", ") + c.name;
  return sql + " FROM " + table + " " + where + " ORDER BY id";
}

template <typename T>
std::string update_sql(const char* table, const std::vector<Column<T>>& cols) {
  std::string sql = std::string("UPDATE ") + table + " SET ";
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) sql += ", ";
    sql += std::string(cols[i].name) + " = ?";
  }
  return sql + " WHERE id = ?";
}

template <typename T>
void bind_all(Statement& st, const std::vector<Column<T>>& cols, const T& v, int first_param) {
  for (std::size_t i = 0; i < cols.size(); ++i) cols[i].bind(st, first_param + static_cast<int>(i), v);
}

template <typename T>
void read_all(const Statement& st, const std::vector<Column<T>>& cols, T& v) {
  for (std::size_t i = 0; i < cols.size(); ++i) cols[i].read(st, 1 + static_cast<int>(i), v);
}

// Adds columns declared here but missing from an existing table: new fields are additive.
template <typename T>
void add_missing_columns(Database& db, const char* table, const std::vector<Column<T>>& cols) {
  std::set<std::string> have;
  auto st = db.prepare(std::string("PRAGMA table_info(") + table + ")");
  while (st.step()) have.insert(st.column_text(1));
  for (const auto& c : cols) {
    if (!have.count(c.name)) db.exec(std::string("ALTER TABLE ") + table + " ADD COLUMN " + c.name + " " + c.sql_type);
  }
}

const char* table_name(RequestTable t) { return t == RequestTable::measured ? "requests" : "warmup_requests"; }

constexpr const char* kCellIdColumn = ", cell_id INTEGER NOT NULL REFERENCES cells(id)";

}  // namespace

ResultsStore::ResultsStore(const std::string& path) : db_(path) { migrate(); }

void ResultsStore::migrate() {
  std::lock_guard lock(mu_);
  const int version = db_.user_version();
  if (version > kSchemaVersion) {
    throw StoreError(db_.path() + " was written by a newer hakari (schema " + std::to_string(version) +
                     ", this build knows " + std::to_string(kSchemaVersion) + ")");
  }
  db_.exec("BEGIN");
  try {
    db_.exec(create_sql("runs", run_columns()));
    db_.exec(create_sql("cells", cell_columns()));
    for (auto t : {RequestTable::measured, RequestTable::warmup}) {
      db_.exec(create_sql(table_name(t), request_columns(), kCellIdColumn));
      db_.exec(std::string("CREATE INDEX IF NOT EXISTS ") + table_name(t) + "_by_cell ON " + table_name(t) + "(cell_id)");
      add_missing_columns(db_, table_name(t), request_columns());
    }
    add_missing_columns(db_, "runs", run_columns());
    add_missing_columns(db_, "cells", cell_columns());
    db_.set_user_version(kSchemaVersion);
    db_.exec("COMMIT");
  } catch (...) {
    db_.exec("ROLLBACK");
    throw;
  }
}

std::int64_t ResultsStore::insert_run(RunInfo& run) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(insert_sql("runs", run_columns()));
  bind_all(st, run_columns(), run, 1);
  st.step();
  run.id = db_.last_insert_rowid();
  return run.id;
}

void ResultsStore::update_run(const RunInfo& run) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(update_sql("runs", run_columns()));
  bind_all(st, run_columns(), run, 1);
  st.bind_int(static_cast<int>(run_columns().size()) + 1, run.id);
  st.step();
}

std::int64_t ResultsStore::insert_cell(CellInfo& cell) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(insert_sql("cells", cell_columns()));
  bind_all(st, cell_columns(), cell, 1);
  st.step();
  cell.id = db_.last_insert_rowid();
  return cell.id;
}

void ResultsStore::update_cell(const CellInfo& cell) {
  std::lock_guard lock(mu_);
  auto st = db_.prepare(update_sql("cells", cell_columns()));
  bind_all(st, cell_columns(), cell, 1);
  st.bind_int(static_cast<int>(cell_columns().size()) + 1, cell.id);
  st.step();
}

void ResultsStore::insert_requests(std::int64_t cell_id, const std::vector<RequestRecord>& records,
                                   RequestTable table) {
  if (records.empty()) return;
  std::lock_guard lock(mu_);
  db_.exec("BEGIN");
  try {
    auto st = db_.prepare(insert_sql(table_name(table), request_columns(), "cell_id"));
    for (const auto& r : records) {
      st.bind_int(1, cell_id);
      bind_all(st, request_columns(), r, 2);
      st.step();
      st.reset();
    }
    db_.exec("COMMIT");
  } catch (...) {
    db_.exec("ROLLBACK");
    throw;
  }
}

std::vector<RunInfo> ResultsStore::runs() {
  std::lock_guard lock(mu_);
  std::vector<RunInfo> out;
  auto st = db_.prepare(select_sql("runs", run_columns(), ""));
  while (st.step()) {
    RunInfo r;
    r.id = st.column_int(0);
    read_all(st, run_columns(), r);
    out.push_back(std::move(r));
  }
  return out;
}

std::optional<RunInfo> ResultsStore::run(std::int64_t id) {
  for (auto& r : runs()) {
    if (r.id == id) return r;
  }
  return std::nullopt;
}

std::vector<CellInfo> ResultsStore::cells(std::int64_t run_id) {
  std::lock_guard lock(mu_);
  std::vector<CellInfo> out;
  auto st = db_.prepare(select_sql("cells", cell_columns(), "WHERE run_id = ?"));
  st.bind_int(1, run_id);
  while (st.step()) {
    CellInfo c;
    c.id = st.column_int(0);
    read_all(st, cell_columns(), c);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<RequestRecord> ResultsStore::requests(std::int64_t cell_id, RequestTable table) {
  std::lock_guard lock(mu_);
  std::vector<RequestRecord> out;
  auto st = db_.prepare(select_sql(table_name(table), request_columns(), "WHERE cell_id = ?"));
  st.bind_int(1, cell_id);
  while (st.step()) {
    RequestRecord r;
    read_all(st, request_columns(), r);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace hakari::store
