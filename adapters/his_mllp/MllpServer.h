#pragma once

#include <Poco/Net/TCPServer.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/core/Config.h"

namespace medbridge::adapters::his_mllp {

// What the listener hands complete (or hopeless) frames to; returns the bytes of the answer
// ("" = send nothing). Implemented by the gateway; the adapter knows nothing of storage.
class IFrameHandler {
 public:
  enum class Problem { TooLarge, Unterminated };
  virtual ~IFrameHandler() = default;
  virtual std::string onFrame(std::string_view frame, const std::string& peer) = 0;
  virtual std::string onReject(std::string_view partialFrame, Problem problem,
                               const std::string& peer) = 0;
};

// MLLP listener: 0x0B <message> 0x1C 0x0D, many messages per connection, one thread per
// connection (up to mllp.maxConnections), size limit and idle timeout.
class MllpServer {
 public:
  MllpServer(const core::MllpConfig& config, IFrameHandler& handler);
  ~MllpServer();
  void start();
  // Stops accepting; open connections finish the frame in hand and close.
  void stop();
  int port() const;
  int currentConnections() const;
  bool running() const { return running_; }

 private:
  const core::MllpConfig& config_;
  IFrameHandler& handler_;
  std::unique_ptr<Poco::Net::TCPServer> server_;
  std::shared_ptr<std::atomic<bool>> stopping_;
  bool running_ = false;
};

}  // namespace medbridge::adapters::his_mllp
