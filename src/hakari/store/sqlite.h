// A thin RAII layer over SQLite: a connection, prepared statements, errors as exceptions
// that name the database and the statement.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace hakari::store {

class StoreError : public std::runtime_error {
 public:
  explicit StoreError(const std::string& what, int sqlite_code = 0) : std::runtime_error(what), code_(sqlite_code) {}
  // SQLite's primary result code (SQLITE_FULL, SQLITE_IOERR, …); 0 when not from SQLite.
  int sqlite_code() const { return code_; }
  // The disk ran out of space: nothing more can be written.
  bool disk_full() const;

 private:
  int code_ = 0;
};

// Bytes free to an unprivileged writer on the file system holding `path` (a file or a
// folder); -1 when unknown.
std::int64_t bytes_free_at(const std::string& path);

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  void bind_int(int i, std::int64_t v);
  void bind_double(int i, double v);
  void bind_text(int i, std::string_view v);
  void bind_blob(int i, std::string_view v);
  void bind_null(int i);

  // Returns true while there is a row to read.
  bool step();
  void reset();

  // Columns are 0-based, as in SQLite.
  bool is_null(int i) const;
  std::int64_t column_int(int i) const;
  double column_double(int i) const;
  std::string column_text(int i) const;
  std::string column_blob(int i) const;

 private:
  void check(int rc, const char* what) const;
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

class Database {
 public:
  // Opens (creating if needed) the database at `path`, in WAL mode so a reader can look
  // while a run writes, and a crash loses at most the transaction in flight.
  explicit Database(const std::string& path);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);
  // False while a transaction is open (SQLite may end one by itself on an error).
  bool autocommit() const;
  Statement prepare(std::string_view sql) { return Statement(db_, sql); }
  std::int64_t last_insert_rowid() const;
  int user_version();
  void set_user_version(int v);
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

}  // namespace hakari::store
