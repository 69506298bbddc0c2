#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace medbridge::testing {

// Paths fixed at configure time.
std::string binaryPath();  // build/medbridge
std::string sourceDir();   // the repository
std::string corpusDir();   // ../shared/corpus/hl7v2
std::string peersDir();    // tests/integration/peers (npm test peers)

// A fresh directory under /tmp, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string readFile(const std::string& path);
void writeFile(const std::string& path, const std::string& content);
std::vector<std::string> listFiles(const std::string& dir, const std::string& suffix);

// Waits until pred() is true or the deadline passes; returns pred()'s last value.
bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds deadline);

// Runs a command (argv) to completion; stdout and stderr captured; exit code returned.
struct CommandResult {
  int exitCode = -1;
  std::string out, err;
};
CommandResult runCommand(const std::vector<std::string>& argv, const std::string& stdinText = "");

// A `medbridge serve` child process with its own store under dir, ports 0.
class GatewayProcess {
 public:
  GatewayProcess(const std::string& dir, std::vector<std::string> extraSets = {});
  ~GatewayProcess();
  // Starts and waits until both listeners logged their port.
  void start();
  // SIGTERM and wait; returns the exit status (or -1 on timeout, then SIGKILL).
  int terminate();
  void kill9();
  pid_t pid() const { return pid_; }
  int mllpPort() const { return mllpPort_; }
  int httpPort() const { return httpPort_; }
  int dicomPort() const { return dicomPort_; }
  std::string log() const;
  std::string dbPath() const { return dir_ + "/medbridge.db"; }
  std::string configPath() const { return dir_ + "/medbridge.json"; }

 private:
  std::string dir_;
  std::vector<std::string> sets_;
  pid_t pid_ = -1;
  int mllpPort_ = 0;
  int httpPort_ = 0;
  int dicomPort_ = 0;
};

// HTTP GET on 127.0.0.1; returns the status (0 when the connection failed) and body.
std::pair<int, std::string> httpGet(int port, const std::string& path);

struct HttpResult {
  int status = 0;                              // 0 when the connection failed
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  const std::string& header(const std::string& name) const;
};
// One HTTP/1.1 request on 127.0.0.1 (its own connection). A body is sent with its length.
HttpResult httpRequest(int port, const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

// A plain TCP client speaking MLLP frames.
class MllpClient {
 public:
  explicit MllpClient(int port);
  ~MllpClient();
  void sendRaw(const std::string& bytes);
  void sendFrame(const std::string& message);
  // The next frame's payload, or "" when the peer closed / timed out.
  std::string readFrame(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  // True when the peer closed the connection within the timeout.
  bool closedByPeer(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string buffer_;
};

// A test peer (dcmqrscp, Orthanc) run in the background with its output in `logFile`; stopped
// with SIGTERM (SIGKILL after 10 s) by stop() or the destructor.
class PeerProcess {
 public:
  PeerProcess(std::vector<std::string> argv, const std::string& logFile);
  ~PeerProcess();
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;
  void stop();
  bool running();

 private:
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int freeLoopbackPort();
// A socket listening on 127.0.0.1 at a free port (set in `port`); the caller closes it.
int listenOnLoopback(int& port);
// True once something accepts connections on 127.0.0.1:port (within the deadline).
bool waitForListener(int port, std::chrono::milliseconds deadline);

// Rows of a read-only query on an SQLite file, every column as text ("" for NULL).
std::vector<std::vector<std::string>> sqliteQuery(const std::string& dbPath,
                                                  const std::string& sql);

// MSA-1 / MSA-2 / ERR of an ACK (UTF-8 or ASCII text).
std::string ackField(const std::string& ack, const std::string& segment, int field);

}  // namespace medbridge::testing
