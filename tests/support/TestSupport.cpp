#include "tests/support/TestSupport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace medbridge::testing {

namespace fs = std::filesystem;

std::string binaryPath() {
  return MEDBRIDGE_TEST_BINARY;
}
std::string sourceDir() {
  return MEDBRIDGE_TEST_SOURCE_DIR;
}
std::string corpusDir() {
  return std::string(MEDBRIDGE_TEST_SOURCE_DIR) + "/../shared/corpus/hl7v2";
}
std::string peersDir() {
  return std::string(MEDBRIDGE_TEST_SOURCE_DIR) + "/tests/integration/peers";
}

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "medbridge-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::vector<std::string> listFiles(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string p = e.path().string();
    if (e.is_regular_file() && p.size() >= suffix.size() &&
        p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0)
      out.push_back(p);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds deadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

CommandResult runCommand(const std::vector<std::string>& argv, const std::string& stdinText) {
  TempDir tmp;
  std::string in = tmp.file("stdin"), out = tmp.file("stdout"), err = tmp.file("stderr");
  writeFile(in, stdinText);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  CommandResult r;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    r.err = "cannot start " + argv[0];
    return r;
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = readFile(out);
  r.err = readFile(err);
  return r;
}

GatewayProcess::GatewayProcess(const std::string& dir, std::vector<std::string> extraSets)
    : dir_(dir), sets_(std::move(extraSets)) {
  writeFile(configPath(), readFile(sourceDir() + "/config/medbridge.json"));
}

GatewayProcess::~GatewayProcess() {
  if (pid_ > 0) kill9();
}

void GatewayProcess::start() {
  std::vector<std::string> argv{binaryPath(), "serve",
                                "--config",   configPath(),
                                "--set",      "mllp.port=0",
                                "--set",      "http.port=0",
                                "--set",      "dicom.port=0",
                                "--set",      "store.url=sqlite:" + dbPath(),
                                "--set",      "dataDir=" + dir_ + "/data"};
  for (const auto& s : sets_) {
    argv.push_back("--set");
    argv.push_back(s);
  }
  std::string logPath = dir_ + "/gateway.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::size_t logStart = readFile(logPath).size();
  if (posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) != 0)
    throw std::runtime_error("cannot start " + binaryPath());
  posix_spawn_file_actions_destroy(&actions);
  std::regex mllp("MLLP listening on [0-9.]+:([0-9]+)"), http("HTTP listening on [0-9.]+:([0-9]+)"),
      dicom("DICOM listening on [0-9.]+:([0-9]+)");
  bool up = waitFor(
      [&] {
        std::string text = readFile(logPath).substr(logStart);
        std::smatch m1, m2, m3;
        if (std::regex_search(text, m1, mllp) && std::regex_search(text, m2, http) &&
            std::regex_search(text, m3, dicom)) {
          mllpPort_ = std::stoi(m1[1]);
          httpPort_ = std::stoi(m2[1]);
          dicomPort_ = std::stoi(m3[1]);
          return true;
        }
        return waitpid(pid_, nullptr, WNOHANG) == pid_ ? (pid_ = -1, true) : false;
      },
      std::chrono::seconds(20));
  if (!up || pid_ < 0) throw std::runtime_error("gateway did not start:\n" + log());
}

int GatewayProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  bool done =
      waitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, std::chrono::seconds(90));
  if (!done) {
    kill9();
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void GatewayProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string GatewayProcess::log() const {
  return readFile(dir_ + "/gateway.log");
}

namespace {

int connectTo(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

bool readSome(int fd, std::string& buffer, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char buf[65536];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return false;
  buffer.append(buf, static_cast<std::size_t>(n));
  return true;
}

}  // namespace

std::pair<int, std::string> httpGet(int port, const std::string& path) {
  int fd = connectTo(port);
  if (fd < 0) return {0, ""};
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string resp;
  while (readSome(fd, resp, std::chrono::milliseconds(5000))) {
  }
  ::close(fd);
  if (resp.size() < 12) return {0, ""};
  int status = std::stoi(resp.substr(9, 3));
  auto body = resp.find("\r\n\r\n");
  return {status, body == std::string::npos ? "" : resp.substr(body + 4)};
}

const std::string& HttpResult::header(const std::string& name) const {
  static const std::string kNone;
  auto it = headers.find(name);
  return it == headers.end() ? kNone : it->second;
}

HttpResult httpRequest(int port, const std::string& method, const std::string& path,
                       const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpResult out;
  int fd = connectTo(port);
  if (fd < 0) return out;
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  std::size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string resp;
  while (readSome(fd, resp, std::chrono::milliseconds(10000))) {
  }
  ::close(fd);
  auto end = resp.find("\r\n\r\n");
  if (resp.size() < 12 || end == std::string::npos) return out;
  out.status = std::stoi(resp.substr(9, 3));
  std::size_t at = resp.find("\r\n") + 2;
  while (at < end) {
    auto eol = resp.find("\r\n", at);
    std::string line = resp.substr(at, eol - at);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers[name] = value;
    }
    at = eol + 2;
  }
  out.body = resp.substr(end + 4);
  return out;
}

MllpClient::MllpClient(int port) : fd_(connectTo(port)) {
  if (fd_ < 0) throw std::runtime_error("cannot connect to port " + std::to_string(port));
}

MllpClient::~MllpClient() {
  if (fd_ >= 0) ::close(fd_);
}

void MllpClient::sendRaw(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<std::size_t>(n);
  }
}

void MllpClient::sendFrame(const std::string& message) {
  sendRaw("\x0b" + message + "\x1c\x0d");
}

std::string MllpClient::readFrame(std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto start = buffer_.find('\x0b');
    auto stop = buffer_.find("\x1c\x0d");
    if (start != std::string::npos && stop != std::string::npos && stop > start) {
      std::string frame = buffer_.substr(start + 1, stop - start - 1);
      buffer_.erase(0, stop + 2);
      return frame;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !readSome(fd_, buffer_, left)) return "";
  }
}

bool MllpClient::closedByPeer(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char c;
  return ::recv(fd_, &c, 1, MSG_PEEK) == 0;
}

std::vector<std::vector<std::string>> sqliteQuery(const std::string& dbPath,
                                                  const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::vector<std::string>> rows;
  if (sqlite3_open_v2(dbPath.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + dbPath);
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::string error = sqlite3_errmsg(db);
    sqlite3_close(db);
    throw std::runtime_error(error + ": " + sql);
  }
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

std::string ackField(const std::string& ack, const std::string& segment, int field) {
  std::istringstream lines(ack);
  std::string line;
  while (std::getline(lines, line, '\r')) {
    if (line.compare(0, segment.size(), segment) != 0) continue;
    char sep = line.size() > 3 ? line[3] : '|';
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string f;
    while (std::getline(ss, f, sep)) fields.push_back(f);
    int index = segment == "MSH" ? field - 1 : field;
    return index >= 0 && static_cast<std::size_t>(index) < fields.size() ? fields[index] : "";
  }
  return "";
}

PeerProcess::PeerProcess(std::vector<std::string> argv, const std::string& logFile) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                   0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

PeerProcess::~PeerProcess() {
  stop();
}

bool PeerProcess::running() {
  return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0;
}

void PeerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  if (!waitFor([&] { return waitpid(pid_, nullptr, WNOHANG) == pid_; }, std::chrono::seconds(10))) {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

int listenOnLoopback(int& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd, 4);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  port = ntohs(a.sin_port);
  return fd;
}

int freeLoopbackPort() {
  int port = 0;
  ::close(listenOnLoopback(port));
  return port;
}

bool waitForListener(int port, std::chrono::milliseconds deadline) {
  return waitFor(
      [&] {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        ::close(fd);
        return ok;
      },
      deadline);
}

}  // namespace medbridge::testing
