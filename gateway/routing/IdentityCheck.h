#pragma once

#include <optional>
#include <string>

#include "gateway/core/ErrorCode.h"
#include "gateway/store/IStore.h"
#include "mappings/hl7v2/Message.h"
#include "mappings/identity/IdentifierSystems.h"

namespace medbridge::routing {

// Identity checks made before an HL7 message is acknowledged.
struct IdentityFinding {
  core::ErrorCode code;
  std::string detail;
  std::string location;  // HL7 field, "MRG-1"
};

// Checks an ADT A40 (merge) or A47 (identifier change) before it is acknowledged, so the sender
// gets an AE with ERR instead of an AA for a change the index would refuse: every MRG-1
// identifier must be from a trusted authority, must not repeat a PID-3 identifier (merge into
// itself), and one of them must be held by a patient of the index or named by a message that is
// accepted but not yet processed. Other messages pass (nullopt).
std::optional<IdentityFinding> checkMerge(const mappings::hl7v2::Message& msg,
                                          const std::string& trigger, store::IStore& store,
                                          const mappings::identity::IdentifierSystems& systems);

// A warning for the ACK (AA with an ERR of severity W) when a PID-3 national ID number fails
// GB 11643: the message is still taken, the number just links nobody. today: YYYY-MM-DD.
std::optional<IdentityFinding> checkNationalIds(
    const mappings::hl7v2::Message& msg, const mappings::identity::IdentifierSystems& systems,
    const std::string& today);

}  // namespace medbridge::routing
