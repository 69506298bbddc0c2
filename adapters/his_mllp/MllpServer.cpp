#include "adapters/his_mllp/MllpServer.h"

#include <Poco/Logger.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/Thread.h>

namespace medbridge::adapters::his_mllp {
namespace {

constexpr char kStart = 0x0B;
constexpr char kEnd1 = 0x1C;
constexpr char kEnd2 = 0x0D;
// Bytes outside any frame tolerated before the peer is taken for something that is not MLLP.
constexpr std::size_t kMaxGarbage = 4096;

Poco::Logger& log() {
  return Poco::Logger::get("medbridge.adapters.mllp");
}

class Connection : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, const core::MllpConfig& config,
             IFrameHandler& handler, std::shared_ptr<std::atomic<bool>> stopping)
      : TCPServerConnection(socket),
        config_(config),
        handler_(handler),
        stopping_(std::move(stopping)) {}

  void run() override {
    auto& sock = socket();
    peer_ = sock.peerAddress().toString();
    sock.setNoDelay(true);
    sock.setReceiveTimeout(Poco::Timespan(0, 200 * 1000));
    log().debug("connection from %s", peer_);
    try {
      loop(sock);
    } catch (const Poco::Exception& e) {
      log().warning("connection from %s ended: %s", peer_, e.displayText());
    }
    try {
      sock.shutdown();
    } catch (...) {
    }
  }

 private:
  enum class State { Idle, InFrame, Discarding };

  void send(Poco::Net::StreamSocket& sock, const std::string& payload) {
    if (payload.empty()) return;
    std::string framed;
    framed.reserve(payload.size() + 3);
    framed += kStart;
    framed += payload;
    framed += kEnd1;
    framed += kEnd2;
    std::size_t sent = 0;
    while (sent < framed.size()) {
      int n = sock.sendBytes(framed.data() + sent, static_cast<int>(framed.size() - sent));
      if (n <= 0) throw Poco::Net::NetException("send failed");
      sent += static_cast<std::size_t>(n);
    }
  }

  void loop(Poco::Net::StreamSocket& sock) {
    std::string frame;
    State state = State::Idle;
    std::size_t garbage = 0;
    bool sawEnd1 = false;
    double idle = 0;
    char buf[64 * 1024];
    while (true) {
      if (stopping_->load() && state == State::Idle) return;
      int n;
      try {
        n = sock.receiveBytes(buf, sizeof buf);
      } catch (const Poco::TimeoutException&) {
        idle += 0.2;
        if (idle >= config_.idleTimeoutSeconds) {
          if (state == State::InFrame) {
            log().warning("%s: frame not finished within %d s; rejected and closed", peer_,
                          config_.idleTimeoutSeconds);
            send(sock, handler_.onReject(frame, IFrameHandler::Problem::Unterminated, peer_));
          } else {
            log().debug("%s: idle for %d s; closed", peer_, config_.idleTimeoutSeconds);
          }
          return;
        }
        continue;
      }
      if (n <= 0) {
        if (state == State::InFrame)
          log().warning("%s: connection closed inside a frame (%z bytes); nothing stored", peer_,
                        frame.size());
        return;
      }
      idle = 0;
      for (int i = 0; i < n; ++i) {
        char c = buf[i];
        switch (state) {
          case State::Idle:
            if (c == kStart) {
              state = State::InFrame;
              frame.clear();
              sawEnd1 = false;
            } else if (c != '\r' && c != '\n' && ++garbage > kMaxGarbage) {
              log().warning("%s: %z bytes outside MLLP frames; not an MLLP peer, closed", peer_,
                            garbage);
              return;
            }
            break;
          case State::InFrame:
            if (sawEnd1) {
              sawEnd1 = false;
              if (c == kEnd2) {
                send(sock, handler_.onFrame(frame, peer_));
                frame.clear();
                state = State::Idle;
                garbage = 0;
                break;
              }
              frame += kEnd1;  // a lone 0x1C is content
            }
            if (c == kEnd1) {
              sawEnd1 = true;
            } else if (c == kStart) {
              // A new frame began before this one ended: this one was truncated.
              log().warning("%s: frame truncated by a new start block", peer_);
              send(sock, handler_.onReject(frame, IFrameHandler::Problem::Unterminated, peer_));
              frame.clear();
            } else {
              frame += c;
              if (frame.size() > config_.maxMessageBytes) {
                log().warning("%s: frame exceeds %z bytes; rejected, rest discarded", peer_,
                              config_.maxMessageBytes);
                send(sock, handler_.onReject(frame, IFrameHandler::Problem::TooLarge, peer_));
                frame.clear();
                frame.shrink_to_fit();
                state = State::Discarding;
              }
            }
            break;
          case State::Discarding:
            if (sawEnd1 && c == kEnd2) state = State::Idle;
            sawEnd1 = c == kEnd1;
            break;
        }
      }
    }
  }

  const core::MllpConfig& config_;
  IFrameHandler& handler_;
  std::shared_ptr<std::atomic<bool>> stopping_;
  std::string peer_;
};

class Factory : public Poco::Net::TCPServerConnectionFactory {
 public:
  Factory(const core::MllpConfig& config, IFrameHandler& handler,
          std::shared_ptr<std::atomic<bool>> stopping)
      : config_(config), handler_(handler), stopping_(std::move(stopping)) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new Connection(socket, config_, handler_, stopping_);
  }

 private:
  const core::MllpConfig& config_;
  IFrameHandler& handler_;
  std::shared_ptr<std::atomic<bool>> stopping_;
};

}  // namespace

MllpServer::MllpServer(const core::MllpConfig& config, IFrameHandler& handler)
    : config_(config), handler_(handler), stopping_(std::make_shared<std::atomic<bool>>(false)) {}

MllpServer::~MllpServer() {
  stop();
}

void MllpServer::start() {
  Poco::Net::ServerSocket socket(
      Poco::Net::SocketAddress(config_.host, static_cast<Poco::UInt16>(config_.port)), 64);
  auto params = new Poco::Net::TCPServerParams;
  params->setMaxThreads(config_.maxConnections);
  params->setMaxQueued(config_.maxConnections);
  server_ = std::make_unique<Poco::Net::TCPServer>(new Factory(config_, handler_, stopping_),
                                                   socket, params);
  server_->start();
  running_ = true;
}

void MllpServer::stop() {
  if (!server_) return;
  stopping_->store(true);
  running_ = false;
  server_->stop();  // stops accepting
  // Open connections see the flag between frames and close; a frame in hand is finished first.
  for (int i = 0; i < 50 * (config_.idleTimeoutSeconds + 5) && server_->currentConnections() > 0;
       ++i)
    Poco::Thread::sleep(20);
  server_.reset();
}

int MllpServer::port() const {
  return server_ ? server_->port() : 0;
}

int MllpServer::currentConnections() const {
  return server_ ? server_->currentConnections() : 0;
}

}  // namespace medbridge::adapters::his_mllp
