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
      int_col<R, &R::model_bytes>("model_bytes"),
      text_col<R, &R::model_bytes_source>("model_bytes_source"),
      text_col<R, &R::hardware>("hardware"),
      int_col<R, &R::telemetry_interval_ms>("telemetry_interval_ms"),
      text_col<R, &R::suite_name>("suite_name"),
      text_col<R, &R::suite_path>("suite_path"),
      text_col<R, &R::suite_hash>("suite_hash"),
      text_col<R, &R::slos>("slos"),
  };
  return cols;
}

const std::vector<Column<CellInfo>>& cell_columns() {
  using C = CellInfo;
  static const std::vector<Column<C>> cols{
      {"run_id", "INTEGER NOT NULL REFERENCES runs(id)", [](Statement& s, int i, const C& c) { s.bind_int(i, c.run_id); },
       [](const Statement& s, int i, C& c) { c.run_id = s.column_int(i); }},
      int_col<C, &C::ordinal>("ordinal"),
      text_col<C, &C::key>("key"),
      text_col<C, &C::target>("target"),
      text_col<C, &C::tool>("tool"),
      text_col<C, &C::quant>("quant"),
      text_col<C, &C::api>("api"),
      text_col<C, &C::workload>("workload"),
      text_col<C, &C::load_profile>("load_profile"),
      int_col<C, &C::repetition>("repetition"),
      text_col<C, &C::server_url>("server_url"),
      text_col<C, &C::server_kind>("server_kind"),
      text_col<C, &C::server_version>("server_version"),
      real_col<C, &C::cold_load_ms>("cold_load_ms"),
      real_col<C, &C::server_load_ms>("server_load_ms"),
      int_col<C, &C::memory_after_load_bytes>("memory_after_load_bytes"),
      text_col<C, &C::memory_after_load_source>("memory_after_load_source"),
      text_col<C, &C::log_path>("log_path"),
      int_col<C, &C::model_bytes>("model_bytes"),
      text_col<C, &C::model_bytes_source>("model_bytes_source"),
      int_col<C, &C::concurrency>("concurrency"),
      real_col<C, &C::rate_rps>("rate_rps"),
      text_col<C, &C::arrival>("arrival"),
      text_col<C, &C::shard>("shard"),
      real_col<C, &C::duration_s>("duration_s"),
      int_col<C, &C::never_sent>("never_sent"),
      int_col<C, &C::schedule_origin_ns>("schedule_origin_ns"),
      real_col<C, &C::client_wake_delay_p99_us>("client_wake_delay_p99_us"),
      int_col<C, &C::requests_planned>("requests_planned"),
      int_col<C, &C::warmup_requests>("warmup_requests"),
      int_col<C, &C::prompt_tokens>("prompt_tokens"),
      int_col<C, &C::max_tokens>("max_tokens"),
      text_col<C, &C::model>("model"),
      text_col<C, &C::workload_kind>("workload_kind"),
      text_col<C, &C::workload_detail>("workload_detail"),
      int_col<C, &C::retention_scored>("retention_scored"),
      int_col<C, &C::retention_recalled>("retention_recalled"),
      text_col<C, &C::length_forcing>("length_forcing"),
      text_col<C, &C::status>("status"),
      text_col<C, &C::note>("note"),
      int_col<C, &C::started_ns>("started_ns"),
      int_col<C, &C::ended_ns>("ended_ns"),
      real_col<C, &C::client_cpu_ms>("client_cpu_ms"),
      {"server_output_tokens", "INTEGER",
       [](Statement& s, int i, const C& c) { bind_optional<C>(s, i, c.server_output_tokens); },
       [](const Statement& s, int i, C& c) { read_optional(s, i, c.server_output_tokens); }},
      text_col<C, &C::server_output_tokens_source>("server_output_tokens_source"),
  };
  return cols;
}

// The request row. `sent_ns` precedes `chunks`, whose times are stored relative to it.
const std::vector<Column<RequestRecord>>& request_columns() {
  using R = RequestRecord;
  using metrics::ServerTimings;
  static const std::vector<Column<R>> cols{
      int_col<R, &R::index>("idx"),
      {"turn", "INTEGER", [](Statement& s, int i, const R& r) { s.bind_int(i, r.turn); },
       [](const Statement& s, int i, R& r) { r.turn = static_cast<std::int32_t>(s.column_int(i)); }},
      text_col<R, &R::sample_id>("sample_id"),
      text_col<R, &R::request_id>("request_id"),
      int_col<R, &R::scheduled>("scheduled_ns"),
      int_col<R, &R::sent>("sent_ns"),
      int_col<R, &R::first_byte>("first_byte_ns"),
      int_col<R, &R::first_token>("first_token_ns"),
      int_col<R, &R::last_token>("last_token_ns"),
      int_col<R, &R::done>("done_ns"),
      int_col<R, &R::resends>("resends"),
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

const std::vector<Column<SeriesRow>>& series_columns() {
  using S = SeriesRow;
  static const std::vector<Column<S>> cols{
      {"run_id", "INTEGER NOT NULL REFERENCES runs(id)", [](Statement& s, int i, const S& v) { s.bind_int(i, v.run_id); },
       [](const Statement& s, int i, S& v) { v.run_id = s.column_int(i); }},
      text_col<S, &S::name>("name"),
      text_col<S, &S::unit>("unit"),
      text_col<S, &S::kind>("kind"),
      text_col<S, &S::labels>("labels"),
  };
  return cols;
}

const std::vector<Column<SampleRow>>& sample_columns() {
  using S = SampleRow;
  static const std::vector<Column<S>> cols{
      {"series_id", "INTEGER NOT NULL REFERENCES series(id)",
       [](Statement& s, int i, const S& v) { s.bind_int(i, v.series_id); },
       [](const Statement& s, int i, S& v) { v.series_id = s.column_int(i); }},
      int_col<S, &S::t>("t_ns"),
      real_col<S, &S::value>("value"),
  };
  return cols;
}

const std::vector<Column<NoteRow>>& note_columns() {
  using N = NoteRow;
  static const std::vector<Column<N>> cols{
      {"run_id", "INTEGER NOT NULL REFERENCES runs(id)", [](Statement& s, int i, const N& v) { s.bind_int(i, v.run_id); },
       [](const Statement& s, int i, N& v) { v.run_id = s.column_int(i); }},
      int_col<N, &N::t>("t_ns"),
      text_col<N, &N::source>("source"),
      text_col<N, &N::message>("message"),
  };
  return cols;
}

const std::vector<Column<HistogramRow>>& histogram_columns() {
  using H = HistogramRow;
  static const std::vector<Column<H>> cols{
      {"cell_id", "INTEGER NOT NULL REFERENCES cells(id)", [](Statement& s, int i, const H& v) { s.bind_int(i, v.cell_id); },
       [](const Statement& s, int i, H& v) { v.cell_id = s.column_int(i); }},
      text_col<H, &H::metric>("metric"),
      {"blob", "BLOB", [](Statement& s, int i, const H& v) { s.bind_blob(i, v.blob); },
       [](const Statement& s, int i, H& v) { v.blob = s.column_blob(i); }},
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

// Runs `fn` inside one transaction: all of it is written, or none.
template <typename Fn>
void in_transaction(Database& db, Fn&& fn) {
  db.exec("BEGIN");
  try {
    fn();
    db.exec("COMMIT");
  } catch (...) {
    // SQLite rolls back by itself on some errors (a full disk among them); a second
    // rollback would fail and hide the error that matters.
    if (!db.autocommit()) {
      try {
        db.exec("ROLLBACK");
      } catch (const StoreError&) {
        // The original error is the one to report.
      }
    }
    throw;
  }
}

template <typename T>
std::int64_t insert_one(Database& db, const char* table, const std::vector<Column<T>>& cols, const T& v) {
  auto st = db.prepare(insert_sql(table, cols));
  bind_all(st, cols, v, 1);
  st.step();
  return db.last_insert_rowid();
}

template <typename T>
void update_one(Database& db, const char* table, const std::vector<Column<T>>& cols, const T& v, std::int64_t id) {
  auto st = db.prepare(update_sql(table, cols));
  bind_all(st, cols, v, 1);
  st.bind_int(static_cast<int>(cols.size()) + 1, id);
  st.step();
}

// Rows whose `key_column` equals `key`, in insertion order; `id` receives the row id.
template <typename T>
std::vector<T> select_by(Database& db, const char* table, const std::vector<Column<T>>& cols, const char* key_column,
                         std::int64_t key, std::int64_t T::*id = nullptr) {
  std::vector<T> out;
  auto st = db.prepare(select_sql(table, cols, std::string("WHERE ") + key_column + " = ?"));
  st.bind_int(1, key);
  while (st.step()) {
    T row{};
    if (id) row.*id = st.column_int(0);
    read_all(st, cols, row);
    out.push_back(std::move(row));
  }
  return out;
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
  in_transaction(db_, [&] {
    db_.exec(create_sql("runs", run_columns()));
    db_.exec(create_sql("cells", cell_columns()));
    for (auto t : {RequestTable::measured, RequestTable::warmup}) {
      db_.exec(create_sql(table_name(t), request_columns(), kCellIdColumn));
      db_.exec(std::string("CREATE INDEX IF NOT EXISTS ") + table_name(t) + "_by_cell ON " + table_name(t) + "(cell_id)");
      add_missing_columns(db_, table_name(t), request_columns());
    }
    db_.exec(create_sql("series", series_columns()));
    db_.exec(create_sql("samples", sample_columns()));
    db_.exec("CREATE INDEX IF NOT EXISTS samples_by_series_time ON samples(series_id, t_ns)");
    db_.exec(create_sql("telemetry_notes", note_columns()));
    db_.exec(create_sql("histograms", histogram_columns()));
    db_.exec("CREATE INDEX IF NOT EXISTS histograms_by_cell ON histograms(cell_id)");
    add_missing_columns(db_, "runs", run_columns());
    add_missing_columns(db_, "cells", cell_columns());
    add_missing_columns(db_, "series", series_columns());
    add_missing_columns(db_, "samples", sample_columns());
    add_missing_columns(db_, "telemetry_notes", note_columns());
    db_.set_user_version(kSchemaVersion);
  });
}

void ResultsStore::cap_growth(std::int64_t bytes) {
  std::lock_guard lock(mu_);
  auto pages = db_.prepare("PRAGMA page_count");
  auto size = db_.prepare("PRAGMA page_size");
  pages.step();
  size.step();
  const std::int64_t page_size = std::max<std::int64_t>(size.column_int(0), 512);
  db_.exec("PRAGMA max_page_count = " + std::to_string(pages.column_int(0) + bytes / page_size));
}

void ResultsStore::put_histograms(std::int64_t cell_id, const std::vector<HistogramRow>& rows) {
  std::lock_guard lock(mu_);
  in_transaction(db_, [&] {
    auto del = db_.prepare("DELETE FROM histograms WHERE cell_id = ? AND metric = ?");
    auto ins = db_.prepare(insert_sql("histograms", histogram_columns()));
    for (const auto& r : rows) {
      del.bind_int(1, cell_id);
      del.bind_text(2, r.metric);
      del.step();
      del.reset();
      HistogramRow row = r;
      row.cell_id = cell_id;
      bind_all(ins, histogram_columns(), row, 1);
      ins.step();
      ins.reset();
    }
  });
}

std::vector<HistogramRow> ResultsStore::histograms(std::int64_t cell_id) {
  std::lock_guard lock(mu_);
  return select_by(db_, "histograms", histogram_columns(), "cell_id", cell_id, &HistogramRow::id);
}

std::int64_t ResultsStore::insert_run(RunInfo& run) {
  std::lock_guard lock(mu_);
  return run.id = insert_one(db_, "runs", run_columns(), run);
}

void ResultsStore::update_run(const RunInfo& run) {
  std::lock_guard lock(mu_);
  update_one(db_, "runs", run_columns(), run, run.id);
}

std::int64_t ResultsStore::insert_cell(CellInfo& cell) {
  std::lock_guard lock(mu_);
  return cell.id = insert_one(db_, "cells", cell_columns(), cell);
}

void ResultsStore::update_cell(const CellInfo& cell) {
  std::lock_guard lock(mu_);
  update_one(db_, "cells", cell_columns(), cell, cell.id);
}

void ResultsStore::insert_requests(std::int64_t cell_id, const std::vector<RequestRecord>& records,
                                   RequestTable table) {
  if (records.empty()) return;
  std::lock_guard lock(mu_);
  in_transaction(db_, [&] {
    auto st = db_.prepare(insert_sql(table_name(table), request_columns(), "cell_id"));
    for (const auto& r : records) {
      st.bind_int(1, cell_id);
      bind_all(st, request_columns(), r, 2);
      st.step();
      st.reset();
    }
  });
}

std::int64_t ResultsStore::insert_series(SeriesRow& series) {
  std::lock_guard lock(mu_);
  return series.id = insert_one(db_, "series", series_columns(), series);
}

void ResultsStore::insert_samples(const std::vector<SampleRow>& samples) {
  if (samples.empty()) return;
  std::lock_guard lock(mu_);
  in_transaction(db_, [&] {
    auto st = db_.prepare(insert_sql("samples", sample_columns()));
    for (const auto& s : samples) {
      bind_all(st, sample_columns(), s, 1);
      st.step();
      st.reset();
    }
  });
}

void ResultsStore::insert_note(NoteRow& note) {
  std::lock_guard lock(mu_);
  note.id = insert_one(db_, "telemetry_notes", note_columns(), note);
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
  std::lock_guard lock(mu_);
  auto rows = select_by(db_, "runs", run_columns(), "id", id, &RunInfo::id);
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::vector<CellInfo> ResultsStore::cells(std::int64_t run_id) {
  std::lock_guard lock(mu_);
  return select_by(db_, "cells", cell_columns(), "run_id", run_id, &CellInfo::id);
}

std::vector<RequestRecord> ResultsStore::requests(std::int64_t cell_id, RequestTable table) {
  std::lock_guard lock(mu_);
  return select_by(db_, table_name(table), request_columns(), "cell_id", cell_id);
}

std::vector<SeriesRow> ResultsStore::series(std::int64_t run_id) {
  std::lock_guard lock(mu_);
  return select_by(db_, "series", series_columns(), "run_id", run_id, &SeriesRow::id);
}

std::vector<SampleRow> ResultsStore::samples(std::int64_t series_id, Nanos from, Nanos to) {
  std::lock_guard lock(mu_);
  std::vector<SampleRow> out;
  auto st = db_.prepare("SELECT series_id, t_ns, value FROM samples WHERE series_id = ? AND t_ns >= ? AND t_ns <= ? "
                        "ORDER BY t_ns");
  st.bind_int(1, series_id);
  st.bind_int(2, from);
  st.bind_int(3, to);
  while (st.step()) out.push_back(SampleRow{st.column_int(0), st.column_int(1), st.column_double(2)});
  return out;
}

std::vector<NoteRow> ResultsStore::notes(std::int64_t run_id) {
  std::lock_guard lock(mu_);
  return select_by(db_, "telemetry_notes", note_columns(), "run_id", run_id, &NoteRow::id);
}

}  // namespace hakari::store
