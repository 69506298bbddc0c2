#include "adapters/his_mllp/MllpSender.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>

namespace medbridge::adapters::his_mllp {

MllpAnswer sendMllp(const std::string& host, int port, const std::string& message,
                    int timeoutSeconds) {
  MllpAnswer out;
  try {
    Poco::Timespan timeout(timeoutSeconds, 0);
    Poco::Net::StreamSocket socket;
    socket.connect(Poco::Net::SocketAddress(host, static_cast<Poco::UInt16>(port)), timeout);
    socket.setNoDelay(true);
    socket.setReceiveTimeout(timeout);
    socket.setSendTimeout(timeout);
    std::string frame = "\x0b" + message + "\x1c\x0d";
    for (std::size_t sent = 0; sent < frame.size();)
      sent += static_cast<std::size_t>(
          socket.sendBytes(frame.data() + sent, static_cast<int>(frame.size() - sent)));
    std::string received;
    char buffer[4096];
    for (;;) {
      int n = socket.receiveBytes(buffer, sizeof buffer);
      if (n <= 0) {
        out.problem = "the HIS closed the connection without an ACK";
        return out;
      }
      received.append(buffer, static_cast<std::size_t>(n));
      auto start = received.find('\x0b');
      auto end = received.find("\x1c\x0d", start == std::string::npos ? 0 : start);
      if (start != std::string::npos && end != std::string::npos) {
        out.ack = received.substr(start + 1, end - start - 1);
        out.answered = true;
        return out;
      }
      if (received.size() > (1u << 20)) {
        out.problem = "the HIS's answer is not an MLLP frame";
        return out;
      }
    }
  } catch (const Poco::TimeoutException&) {
    out.problem = "no ACK within " + std::to_string(timeoutSeconds) + " s";
  } catch (const Poco::Exception& e) {
    out.problem = e.displayText();
  }
  return out;
}

}  // namespace medbridge::adapters::his_mllp
