#pragma once

#include <string>

namespace medbridge::adapters::his_mllp {

// What the HIS answered to one message sent over MLLP.
struct MllpAnswer {
  bool answered = false;  // false: no connection, or no complete ACK frame within the timeout
  std::string ack;        // the ACK message (segments separated by CR)
  std::string problem;    // why there was no answer
};

// Sends one HL7 v2 message in an MLLP frame on a new connection and reads the ACK frame.
MllpAnswer sendMllp(const std::string& host, int port, const std::string& message,
                    int timeoutSeconds);

}  // namespace medbridge::adapters::his_mllp
