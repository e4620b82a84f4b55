#include "hakari/store/sqlite.h"

#include <sqlite3.h>
#include <sys/statvfs.h>

#include <filesystem>

namespace hakari::store {

bool StoreError::disk_full() const { return code_ == SQLITE_FULL; }

std::int64_t bytes_free_at(const std::string& path) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (!std::filesystem::is_directory(p, ec)) p = p.parent_path();
  if (p.empty()) p = ".";
  struct statvfs vfs {};
  if (::statvfs(p.c_str(), &vfs) != 0) return -1;
  return static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    throw StoreError("SQLite cannot prepare \"" + std::string(sql.substr(0, 80)) + "\": " + sqlite3_errmsg(db));
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

void Statement::check(int rc, const char* what) const {
  if (rc != SQLITE_OK) throw StoreError(std::string("SQLite ") + what + ": " + sqlite3_errmsg(db_), rc & 0xff);
}

void Statement::bind_int(int i, std::int64_t v) { check(sqlite3_bind_int64(stmt_, i, v), "bind"); }
void Statement::bind_double(int i, double v) { check(sqlite3_bind_double(stmt_, i, v), "bind"); }
void Statement::bind_text(int i, std::string_view v) {
  check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), "bind");
}
void Statement::bind_blob(int i, std::string_view v) {
  check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), "bind");
}
void Statement::bind_null(int i) { check(sqlite3_bind_null(stmt_, i), "bind"); }

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw StoreError(std::string("SQLite step failed: ") + sqlite3_errmsg(db_), rc & 0xff);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
std::int64_t Statement::column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
double Statement::column_double(int i) const { return sqlite3_column_double(stmt_, i); }
std::string Statement::column_text(int i) const {
  const auto* p = sqlite3_column_text(stmt_, i);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string();
}
std::string Statement::column_blob(int i) const {
  const void* p = sqlite3_column_blob(stmt_, i);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
           : std::string();
}

Database::Database(const std::string& path) : path_(path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open results database " + path + ": " + msg, SQLITE_CANTOPEN);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  if (const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err); rc != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw StoreError(path_ + ": " + msg + " (in \"" + s.substr(0, 80) + "\")", rc & 0xff);
  }
}

bool Database::autocommit() const { return sqlite3_get_autocommit(db_) != 0; }

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

int Database::user_version() {
  auto st = prepare("PRAGMA user_version");
  return st.step() ? static_cast<int>(st.column_int(0)) : 0;
}

void Database::set_user_version(int v) { exec("PRAGMA user_version=" + std::to_string(v)); }

}  // namespace hakari::store
